"""numpy arrays as image sources: any supported dtype and shape -> an 8-bit Pillow image."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

from .errors import EmptyImageError, ImageTooLargeError, OptionsError

__all__ = ["array_to_uint8", "array_to_image", "check_pixel_count"]


def check_pixel_count(width: int, height: int, limit: int, label: str) -> None:
    """Refuse an image of more than ``limit`` pixels.

    Raises
    ------
    ImageTooLargeError
        ``width * height > limit``.
    """
    if width * height > limit:
        raise ImageTooLargeError(
            f"{label}: {width}x{height} = {width * height} pixels exceeds the limit of "
            f"{limit} (option max_image_pixels)"
        )


def array_to_uint8(array: np.ndarray, label: str) -> npt.NDArray[np.uint8]:
    """Any supported dtype -> uint8 in [0, 255], same shape."""
    kind, itemsize = array.dtype.kind, array.dtype.itemsize
    if kind == "b":
        return array.astype(np.uint8) * np.uint8(255)
    if kind == "u" and itemsize == 1:
        return array.astype(np.uint8, copy=False)
    if kind == "u" and itemsize == 2:  # 16-bit, any byte order: 65535 -> 255
        wide = array.astype(np.uint32)
        return ((wide * 255 + 32767) // 65535).astype(np.uint8)
    if kind == "f":
        if not np.isfinite(array).all():
            raise OptionsError(f"{label}: float array contains NaN or infinity")
        lo, hi = float(array.min()), float(array.max())
        if lo < -1e-6 or hi > 1.0 + 1e-6:
            raise OptionsError(
                f"{label}: float array values must be in [0, 1], found [{lo:g}, {hi:g}]"
            )
        scaled = np.clip(array.astype(np.float64), 0.0, 1.0) * 255.0
        return np.floor(scaled + 0.5).astype(np.uint8)
    if kind in "iu":
        lo, hi = int(array.min()), int(array.max())
        if lo < 0 or hi > 255:
            raise OptionsError(
                f"{label}: integer array values must be in [0, 255] (uint16 is read as "
                f"16-bit), found [{lo}, {hi}]"
            )
        return array.astype(np.uint8)
    raise OptionsError(
        f"{label}: unsupported array dtype {array.dtype} "
        "(use uint8, uint16, bool, or float in [0, 1])"
    )


def array_to_image(array: np.ndarray, label: str, max_image_pixels: int) -> Image.Image:
    """(H, W), (H, W, 1|2|3|4) array -> an "L", "LA", "RGB" or "RGBA" image."""
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 2, 3, 4):
        raise OptionsError(f"{label}: array must have shape (H, W) or (H, W, C) with C in 1..4")
    height, width = array.shape[:2]
    if height == 0 or width == 0:
        raise EmptyImageError(f"{label}: image has no pixels")
    check_pixel_count(width, height, max_image_pixels, label)
    data = array_to_uint8(array, label)
    if data.shape[2] == 1:
        data = data[:, :, 0]
    return Image.fromarray(np.ascontiguousarray(data))
