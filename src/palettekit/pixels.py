"""Alpha handling: an RGBA image -> the list of opaque sRGB pixels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["OpaquePixels", "opaque_pixels"]


@dataclass(frozen=True, eq=False)
class OpaquePixels:
    """The pixels that take part in clustering.

    Attributes
    ----------
    rgb : (N, 3) uint8
        sRGB colors in [0, 255] of the opaque (or composited) pixels.
    total : int
        Number of pixels in the image, opaque or not.
    transparent_share : float
        Fraction of the image's pixels that were dropped as transparent, in
        [0, 1]; 0.0 when compositing.
    """

    rgb: npt.NDArray[np.uint8]
    total: int
    transparent_share: float


def opaque_pixels(
    image: npt.ArrayLike,
    alpha_threshold: int = 128,
    composite_on: tuple[int, int, int] | None = None,
) -> OpaquePixels:
    """Flatten an image to its opaque pixels.

    Parameters
    ----------
    image : (H, W, 3) or (H, W, 4) uint8
        sRGB(A) in [0, 255]. A fourth channel is straight (not premultiplied)
        alpha.
    alpha_threshold : int
        Pixels with alpha below this are transparent and dropped (0 keeps all).
    composite_on : tuple of 3 ints or None
        If given, every pixel is blended over this sRGB color by its alpha
        instead (in sRGB, as browsers do), and none is dropped.

    Returns
    -------
    OpaquePixels
    """
    array = np.asarray(image, dtype=np.uint8)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"image must have shape (H, W, 3|4), got {array.shape}")
    total = array.shape[0] * array.shape[1]
    flat = array.reshape(-1, array.shape[2])
    if array.shape[2] == 3:
        return OpaquePixels(flat, total, 0.0)

    alpha = flat[:, 3]
    if composite_on is not None:
        a = alpha.astype(np.float32)[:, None] / np.float32(255.0)
        under = np.asarray(composite_on, dtype=np.float32)
        blended = flat[:, :3].astype(np.float32) * a + under * (np.float32(1.0) - a)
        rgb = np.floor(blended + np.float32(0.5)).astype(np.uint8)
        return OpaquePixels(rgb, total, 0.0)

    keep = alpha >= alpha_threshold
    kept = int(np.count_nonzero(keep))
    if kept == total:
        rgb = np.ascontiguousarray(flat[:, :3])
    else:
        rgb = flat[keep, :3]
    transparent_share = (total - kept) / total if total else 0.0
    return OpaquePixels(rgb, total, transparent_share)
