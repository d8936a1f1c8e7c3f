"""Which pixels take part: frames, a crop box, a mask, and the backdrop.

The pipeline calls :func:`select_pixels` instead of the plain
load -> pixels steps when any of these is asked for:

* **frames** (``Options.frames``): "first" (default), "all", or a number N.
  Frames are sampled evenly over the animation (first and last included),
  at most :data:`MAX_FRAMES`; the working-size pixel budget
  (``max_pixels``) is shared between them, so N frames cost about as much
  as one. Pillow decodes an animation frame by frame, so the frames decoded
  to reach the last sampled one must fit ``max_image_pixels`` in total;
  otherwise the sample is drawn from the first frames that do (noted in
  ``meta["frames"]``).
* **crop** (``Options.crop``): a box ``(left, top, right, bottom)`` on the
  upright image, either in pixels of the original image (all ints) or as
  fractions of its width and height (floats in [0, 1]); right and bottom are
  exclusive.
* **mask**: an image of the same size as the source (anything
  :func:`palettekit.load.load_image` reads, e.g. a path, a PIL image or a
  boolean array); pixels where it is light (gray >= 128) and, if it has
  alpha, opaque (alpha >= 128) are kept. It is reduced to the working size
  like the image, then cropped like it.
* **background** (``Options.detect_background`` /
  ``Options.exclude_background``): :func:`palettekit.background.detect_background`
  on the (cropped) image; reported in ``meta["background"]`` (None when
  none was found), and with ``exclude_background`` its pixels are left out
  of the palette, unless it covers every pixel.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from .background import Background, detect_background
from .errors import (
    EmptyImageError,
    ImageLoadError,
    ImageTooLargeError,
    OptionsError,
    UnsupportedImageError,
)
from .load import (
    ImageSource,
    LoadedImage,
    check_header_segments,
    frame_decode_bytes,
    load_image,
)
from .options import MAX_FRAMES
from .pixels import opaque_pixels
from .sources import source_bytes

__all__ = [
    "MAX_FRAMES",
    "Selection",
    "frame_indices",
    "crop_box",
    "mask_array",
    "select_pixels",
    "needs_selection",
]


_MIN_FRAME_PIXELS = 4096


@dataclass
class Selection:
    """The pixels chosen for clustering, and what was done to choose them.

    Attributes
    ----------
    rgb : (N, 3) uint8
        sRGB pixels in [0, 255], N >= 0 (the caller reports an empty
        selection).
    total : int
        Pixels considered (after frames, crop and mask; before dropping
        transparent ones and the background).
    transparent_share : float
        Share of ``total`` dropped as transparent, in [0, 1].
    first : LoadedImage
        The first frame used, as loaded.
    meta : dict
        Keys for ``Palette.meta``: "frames", "crop", "mask", "background",
        when asked for.
    notes : list of str
        Human-readable notes for ``meta["warnings"]``.
    """

    rgb: npt.NDArray[np.uint8]
    total: int
    transparent_share: float
    first: LoadedImage
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def needs_selection(options: Any, mask: object = None) -> bool:
    """True when frames, crop, mask or background handling is asked for."""
    return (
        mask is not None
        or options.frames != "first"
        or options.crop is not None
        or options.detect_background
        or options.exclude_background
    )


def frame_indices(n_frames: int, frames: str | int, max_frames: int = MAX_FRAMES) -> list[int]:
    """Indices of the frames to use, sampled evenly.

    Parameters
    ----------
    n_frames : int
        Frames in the file, >= 1.
    frames : "first", "all" or int >= 1
        Which frames: the first, all of them, or N of them.
    max_frames : int
        Cap on the number of frames returned.

    Returns
    -------
    list of int
        Increasing, distinct, in [0, n_frames); the first frame always, the
        last one too whenever more than one frame is used.
    """
    if frames == "first" or n_frames <= 1:
        return [0]
    wanted = n_frames if frames == "all" else int(frames)
    count = max(1, min(wanted, n_frames, max_frames))
    if count == 1:
        return [0]
    return sorted({round(i * (n_frames - 1) / (count - 1)) for i in range(count)})


def crop_box(
    crop: tuple[float, float, float, float], original: tuple[int, int], working: tuple[int, int]
) -> tuple[int, int, int, int]:
    """A crop box in working-size pixels.

    Parameters
    ----------
    crop : tuple of 4 int or 4 float
        ``(left, top, right, bottom)``: ints are pixels of the original
        (upright) image, floats are fractions of its width and height.
    original, working : tuple of 2 int
        (width, height) of the original image and of the working-size image.

    Returns
    -------
    tuple of 4 int
        ``(left, top, right, bottom)`` clipped to the working image, right
        and bottom exclusive.

    Raises
    ------
    EmptyImageError
        If the box does not overlap the image, or covers no working pixel.
    """
    width, height = working
    if all(isinstance(v, int) for v in crop):
        sx, sy = width / original[0], height / original[1]
        left, top, right, bottom = crop[0] * sx, crop[1] * sy, crop[2] * sx, crop[3] * sy
    else:
        left, top = crop[0] * width, crop[1] * height
        right, bottom = crop[2] * width, crop[3] * height
    box = (
        max(0, min(width, math.floor(left))),
        max(0, min(height, math.floor(top))),
        max(0, min(width, math.ceil(right))),
        max(0, min(height, math.ceil(bottom))),
    )
    if box[2] <= box[0] or box[3] <= box[1]:
        raise EmptyImageError(
            f"crop {tuple(crop)} leaves no pixel of the {original[0]}x{original[1]} image"
        )
    return box


def crop_beyond(crop: tuple[float, float, float, float], original: tuple[int, int]) -> str:
    """Which sides of a crop box lie outside the image ("" when none does).

    ``crop`` is as in :func:`crop_box`: ints are pixels of the upright
    original, floats fractions of its size.
    """
    width: float
    height: float
    width, height = original if all(isinstance(v, int) for v in crop) else (1.0, 1.0)
    left, top, right, bottom = crop
    sides = [
        name
        for name, outside in (
            ("left", left < 0),
            ("top", top < 0),
            ("right", right > width),
            ("bottom", bottom > height),
        )
        if outside
    ]
    return ", ".join(f"{side} edge" for side in sides)


def _crop_text(crop: tuple[float, float, float, float]) -> str:
    return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in crop)


def mask_array(
    mask_source: ImageSource, options: Any, loaded: LoadedImage
) -> npt.NDArray[np.bool_]:
    """Load a mask for ``loaded``: (H, W) bool at its working size, True = keep.

    Raises
    ------
    OptionsError
        If the mask's size differs from the image's.
    ImageLoadError
        (and subclasses) If the mask cannot be read.
    """
    mask_loaded = load_image(mask_source, options)
    if mask_loaded.original_size != loaded.original_size:
        mw, mh = mask_loaded.original_size
        iw, ih = loaded.original_size
        raise OptionsError(f"mask is {mw}x{mh} but the image is {iw}x{ih}; they must match")
    array = mask_loaded.to_array().astype(np.int32)
    gray = (array[..., 0] * 299 + array[..., 1] * 587 + array[..., 2] * 114) // 1000
    keep = gray >= 128
    if array.shape[2] == 4:
        keep &= array[..., 3] >= 128
    return np.asarray(keep, dtype=bool)


def _open_frames(data: bytes, label: str) -> Image.Image:
    stream = io.BytesIO(data)
    check_header_segments(stream, label)  # a metadata flood is refused before Pillow parses it
    try:
        image = Image.open(stream)
        _ = image.n_frames if hasattr(image, "n_frames") else 1
        return image
    except Image.DecompressionBombError:
        raise ImageTooLargeError(f"{label}: refused by Pillow's decompression-bomb guard") from None
    except Exception:
        raise UnsupportedImageError(
            f"{label}: not an image, or in a format Pillow cannot read"
        ) from None


def _load_frames(
    source: ImageSource, options: Any, label: str
) -> tuple[list[LoadedImage], dict[str, Any], list[str]]:
    """Load the frames asked for by ``options.frames`` at a shared pixel budget."""
    if options.frames == "first" or isinstance(source, np.ndarray):
        return [load_image(source, options)], {}, []
    owned = not isinstance(source, Image.Image)
    image = _open_frames(source_bytes(source, options, label), label) if owned else source
    assert isinstance(image, Image.Image)
    start_frame = image.tell() if not owned else 0
    notes: list[str] = []
    try:
        n_frames = int(getattr(image, "n_frames", 1))
        width, height = image.size
        # Frames are decoded in sequence: bound the pixels decoded in total,
        # and use only the first when a later one would not fit the memory bound.
        decodable = max(1, options.max_image_pixels // max(1, width * height))
        too_big = n_frames > 1 and frame_decode_bytes(image) > options.max_decode_bytes
        if too_big:
            decodable = 1
            notes.append(
                f"{label}: only the first of {n_frames} frames used (a later frame of "
                f"{width}x{height} would take more memory than max_decode_bytes)"
            )
        indices = frame_indices(min(n_frames, decodable), options.frames)
        if decodable < n_frames and options.frames != "first" and not too_big:
            notes.append(
                f"{label}: frames sampled from the first {decodable} of {n_frames} "
                "(max_image_pixels bounds the frames decoded)"
            )
        per_frame = None
        if options.max_pixels is not None:
            per_frame = max(_MIN_FRAME_PIXELS, options.max_pixels // len(indices))
        loaded = []
        for index in indices:
            try:
                image.seek(index)
            except EOFError:
                break
            except Exception as exc:
                raise ImageLoadError(f"{label}: cannot read frame {index} ({exc})") from None
            loaded.append(load_image(image, options, max_pixels=per_frame))
        if not loaded:
            raise ImageLoadError(f"{label}: no frame could be read")
    finally:
        if owned:
            image.close()
        else:
            try:
                image.seek(start_frame)
            except Exception:  # a caller's image that cannot seek back stays where it is
                pass
    meta = {"frames": {"total": n_frames, "used": indices[: len(loaded)]}}
    return loaded, meta, notes


def select_pixels(
    source: ImageSource, options: Any, *, mask: ImageSource | None = None, label: str = "image"
) -> Selection:
    """Load the source and select its pixels (see the module docstring).

    Returns
    -------
    Selection

    Raises
    ------
    EmptyImageError
        If a crop leaves no pixel.
    OptionsError
        If the mask's size differs from the image's.
    ImageLoadError
        (and subclasses) If the source or the mask cannot be read.
    """
    frames, meta, notes = _load_frames(source, options, label)
    crop = None
    if options.crop is not None:
        crop = crop_box(options.crop, frames[0].original_size, frames[0].image.size)
        meta["crop"] = list(crop)
        beyond = crop_beyond(options.crop, frames[0].original_size)
        if beyond:
            width, height = frames[0].original_size
            notes.append(
                f"{label}: crop {_crop_text(options.crop)} reaches beyond the {width}x{height} "
                f"image ({beyond}); only the part inside the image is used"
            )
    keep_user = None
    if mask is not None:
        keep_user = mask_array(mask, options, frames[0])
        meta["mask"] = True
    rgb_parts: list[npt.NDArray[np.uint8]] = []
    total = 0
    transparent = 0.0
    backgrounds: list[Background | None] = []
    for loaded in frames:
        array = loaded.to_array()
        considered = None  # (H, W) bool: pixels inside the mask, or None for all
        if keep_user is not None:
            considered = keep_user
            if considered.shape != array.shape[:2]:
                considered = _resize_mask(considered, loaded.image.size)
        if crop is not None:
            box = crop_box(options.crop, loaded.original_size, loaded.image.size)
            array = array[box[1] : box[3], box[0] : box[2]]
            if considered is not None:
                considered = considered[box[1] : box[3], box[0] : box[2]]
        keep = considered
        if options.detect_background or options.exclude_background:
            background = detect_background(array, alpha_threshold=options.alpha_threshold)
            backgrounds.append(background)
            if options.exclude_background and background is not None:
                remaining = ~background.mask if keep is None else keep & ~background.mask
                if remaining.any():
                    keep = remaining
                else:
                    notes.append(f"{label}: the background covers the image; not excluded")
        selected = array if keep is None else array[keep][None, :, :]
        pixels = opaque_pixels(selected, options.alpha_threshold, options.composite_on)
        # Background pixels are opaque: every transparent pixel is in `selected`.
        total += array.shape[0] * array.shape[1] if considered is None else int(considered.sum())
        transparent += pixels.transparent_share * pixels.total
        rgb_parts.append(pixels.rgb)
    if options.detect_background or options.exclude_background:
        meta["background"] = _background_meta(backgrounds, options.exclude_background)
    rgb = np.concatenate(rgb_parts) if len(rgb_parts) > 1 else rgb_parts[0]
    return Selection(
        rgb=rgb,
        total=total,
        transparent_share=transparent / total if total else 0.0,
        first=frames[0],
        meta=meta,
        notes=notes,
    )


def _resize_mask(mask: npt.NDArray[np.bool_], size: tuple[int, int]) -> npt.NDArray[np.bool_]:
    image = Image.fromarray(np.where(mask, 255, 0).astype(np.uint8))
    return np.asarray(image.resize(size, Image.Resampling.BOX)) >= 128


def _background_meta(backgrounds: list[Background | None], excluded: bool) -> dict[str, Any] | None:
    """The first frame's backdrop, as plain data, or None."""
    background = backgrounds[0] if backgrounds else None
    if background is None:
        return None
    data = background.to_dict()
    data["excluded"] = excluded
    return data
