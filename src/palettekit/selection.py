"""Which pixels take part: frames, a crop box, a mask, and the backdrop.

Every palette's pixels come from :func:`select_image`, the step between
loading and counting colors; with none of these asked for it is the whole
image at working size. Crop and mask choose the region *before* the image is
shrunk: the region is sampled at its own working size (``max_pixels`` pixels
kept) from the full-resolution or reduced JPEG decode.

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
  exclusive. ``meta["crop"]`` is the box in pixels of the original.
* **mask**: an image of the same size as the source (anything
  :func:`palettekit.load.load_image` reads, e.g. a path, a PIL image or a
  boolean array), read at full resolution; pixels where it is light (gray
  >= 128, Pillow's "L") and, if it has alpha, opaque (alpha >= 128) are
  kept. The region is the bounding box of the kept pixels (within the
  crop), sampled so that about ``max_pixels`` kept pixels remain.
* **background** (``Options.detect_background`` /
  ``Options.exclude_background``): :func:`palettekit.background.detect_background`
  on the (cropped) image; reported in ``meta["background"]`` (None when
  none was found), and with ``exclude_background`` its pixels are left out
  of the palette, unless it covers every pixel.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from PIL import Image

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
    LoadLimits,
    Region,
    RegionPlan,
    check_header_segments,
    frame_decode_bytes,
    load_image,
    working_size,
)
from .options import MAX_FRAMES, Options
from .sources import source_bytes

if TYPE_CHECKING:
    # Imported by _with_background, when a background option asks for it.
    from .background import Background

__all__ = [
    "MAX_FRAMES",
    "Selection",
    "View",
    "frame_indices",
    "crop_box",
    "mask_array",
    "region_plan",
    "select_image",
]


_MIN_FRAME_PIXELS = 4096


@dataclass(eq=False)
class View:
    """One frame's selected region at working size.

    Attributes
    ----------
    loaded : LoadedImage
        The region as loaded: ``loaded.image`` is RGB or RGBA, sRGB, upright.
    array : (H, W, 3) or (H, W, 4) uint8
        Its pixels, sRGB(A) in [0, 255].
    keep : (H, W) bool or None
        Pixels that take part (inside the mask, outside an excluded
        background); None when every pixel does.
    considered : int
        Pixels considered (inside the crop and mask; transparent ones and
        the background included).
    """

    loaded: LoadedImage
    array: npt.NDArray[np.uint8]
    keep: npt.NDArray[np.bool_] | None
    considered: int


@dataclass(eq=False)
class Selection:
    """The regions chosen for clustering, and what was done to choose them.

    Attributes
    ----------
    views : list of View
        One per frame used, >= 1.
    first : LoadedImage
        The first frame used, as loaded (its ``image`` is the selected
        region at working size).
    meta : dict
        Keys for ``Palette.meta``: "frames", "crop", "mask", "background",
        when asked for.
    notes : list of str
        Human-readable notes for ``meta["warnings"]``.
    """

    views: list[View]
    first: LoadedImage
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


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
    # Rounded outward, but not by float noise: 0.55 * 800 is 440.00000000000006.
    box = (
        max(0, min(width, math.floor(round(left, 9)))),
        max(0, min(height, math.floor(round(top, 9)))),
        max(0, min(width, math.ceil(round(right, 9)))),
        max(0, min(height, math.ceil(round(bottom, 9)))),
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


def mask_array(mask_source: ImageSource, options: LoadLimits) -> npt.NDArray[np.bool_]:
    """Read a mask at full resolution: (H, W) bool of the upright original, True = keep.

    A pixel is kept where the mask is light (Pillow's "L" >= 128) and, if
    it has alpha, opaque (alpha >= 128).

    Raises
    ------
    ImageLoadError
        (and subclasses) If the mask cannot be read.
    """
    image = load_image(mask_source, options, max_pixels=options.max_image_pixels).image
    keep = np.asarray(image.convert("L")) >= 128
    if image.mode == "RGBA":
        keep &= np.asarray(image.getchannel("A")) >= 128
    return np.asarray(keep, dtype=bool)


def _mask_box(
    keep: npt.NDArray[np.bool_], box: tuple[int, int, int, int]
) -> tuple[tuple[int, int, int, int], int]:
    """The bounding box of the kept pixels inside ``box`` (``box`` itself when
    none is kept), and how many are kept."""
    left, top, right, bottom = box
    inside = keep[top:bottom, left:right]
    rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    if rows.size == 0:
        return box, 0
    found = (
        left + int(cols[0]),
        top + int(rows[0]),
        left + int(cols[-1]) + 1,
        top + int(rows[-1]) + 1,
    )
    return found, int(np.count_nonzero(inside))


def region_plan(
    crop: tuple[float, float, float, float] | None,
    keep: npt.NDArray[np.bool_] | None,
    max_pixels: int | None,
) -> RegionPlan:
    """How to load the region a crop and a mask select (see :func:`palettekit.load.load_image`).

    The region is the crop box (the whole image without one), narrowed to
    the bounding box of the mask's kept pixels; its working size keeps about
    ``max_pixels`` of the pixels that take part (all of them with None).

    Raises (when the plan is applied)
    ------
    OptionsError
        The mask's size differs from the image's.
    EmptyImageError
        The crop leaves no pixel.
    """

    def plan(original: tuple[int, int]) -> Region:
        width, height = original
        box = (0, 0, width, height) if crop is None else crop_box(crop, original, original)
        kept = None
        if keep is not None:
            if keep.shape != (height, width):
                mh, mw = keep.shape
                raise OptionsError(
                    f"mask is {mw}x{mh} but the image is {width}x{height}; they must match"
                )
            box, kept = _mask_box(keep, box)
        area = (box[2] - box[0]) * (box[3] - box[1])
        budget = max_pixels
        if budget is not None and kept:
            budget = max(1, min(area, budget * area // kept))
        return Region(box, working_size((box[2] - box[0], box[3] - box[1]), budget))

    return plan


def _view_keep(
    keep: npt.NDArray[np.bool_] | None, region: Region | None
) -> npt.NDArray[np.bool_] | None:
    """The mask sampled like the image: nearest pixel over the region's box."""
    if keep is None or region is None:
        return None
    image = Image.fromarray(np.where(keep, 255, 0).astype(np.uint8))
    return np.asarray(image.resize(region.size, Image.Resampling.NEAREST, box=region.box)) >= 128


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
    source: ImageSource,
    options: Options,
    label: str,
    plan: Callable[[int | None], RegionPlan] | None,
) -> tuple[list[LoadedImage], dict[str, Any], list[str]]:
    """Load the frames asked for by ``options.frames`` at a shared pixel budget
    (each one's region, when ``plan`` gives one for a budget)."""
    if options.frames == "first" or isinstance(source, np.ndarray):
        region = None if plan is None else plan(options.max_pixels)
        return [load_image(source, options, region=region)], {}, []
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
            region = None if plan is None else plan(per_frame)
            loaded.append(load_image(image, options, max_pixels=per_frame, region=region))
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


def select_image(
    source: ImageSource, options: Options, *, mask: ImageSource | None = None, label: str = "image"
) -> Selection:
    """Load the source and select its regions (see the module docstring).

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
    keep_full = None if mask is None else mask_array(mask, options)
    plan = None
    if options.crop is not None or keep_full is not None:

        def plan(budget: int | None) -> RegionPlan:
            return region_plan(options.crop, keep_full, budget)

    frames, meta, notes = _load_frames(source, options, label, plan)
    first = frames[0]
    if options.crop is not None:
        meta["crop"] = list(crop_box(options.crop, first.original_size, first.original_size))
        notes.extend(_crop_notes(options.crop, first.original_size, label))
    if mask is not None:
        meta["mask"] = True
    views = []
    backgrounds: list[Background | None] = []
    for loaded in frames:
        frame_region = None if plan is None else _frame_region(plan, loaded)
        view = _view(loaded, _view_keep(keep_full, frame_region))
        if options.detect_background or options.exclude_background:
            view, background, note = _with_background(view, options, label)
            backgrounds.append(background)
            notes.extend(note)
        views.append(view)
    if options.detect_background or options.exclude_background:
        meta["background"] = _background_meta(backgrounds, options.exclude_background)
    return Selection(views=views, first=first, meta=meta, notes=notes)


def _frame_region(plan: Callable[[int | None], RegionPlan], loaded: LoadedImage) -> Region:
    """The region a frame was loaded with (its box, at the size it has)."""
    region = plan(None)(loaded.original_size)
    return Region(region.box, loaded.image.size)


def _crop_notes(
    crop: tuple[float, float, float, float], original: tuple[int, int], label: str
) -> list[str]:
    beyond = crop_beyond(crop, original)
    if not beyond:
        return []
    width, height = original
    return [
        f"{label}: crop {_crop_text(crop)} reaches beyond the {width}x{height} "
        f"image ({beyond}); only the part inside the image is used"
    ]


def _view(loaded: LoadedImage, keep: npt.NDArray[np.bool_] | None) -> View:
    array = loaded.to_array()
    considered = array.shape[0] * array.shape[1] if keep is None else int(keep.sum())
    return View(loaded, array, keep, considered)


def _with_background(
    view: View, options: Options, label: str
) -> tuple[View, Background | None, list[str]]:
    """Detect the view's backdrop; with ``exclude_background``, leave it out of ``keep``."""
    from .background import detect_background

    background = detect_background(view.array, alpha_threshold=options.alpha_threshold)
    if not options.exclude_background or background is None:
        return view, background, []
    remaining = ~background.mask if view.keep is None else view.keep & ~background.mask
    if not remaining.any():
        return view, background, [f"{label}: the background covers the image; not excluded"]
    return View(view.loaded, view.array, remaining, view.considered), background, []


def _background_meta(backgrounds: list[Background | None], excluded: bool) -> dict[str, Any] | None:
    """The first frame's backdrop, as plain data, or None."""
    background = backgrounds[0] if backgrounds else None
    if background is None:
        return None
    data = background.to_dict()
    data["excluded"] = excluded
    return data
