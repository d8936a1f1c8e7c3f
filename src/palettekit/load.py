"""Any image source -> an upright 8-bit sRGB(A) Pillow image at a bounded working size.

The cost of an input is bounded before any math:

* the pixel count is checked from the header, before decoding
  (``Options.max_image_pixels``; Pillow's own decompression-bomb guard,
  ``2 * PIL.Image.MAX_IMAGE_PIXELS``, also applies);
* so is the memory decoding will take (``Options.max_decode_bytes``),
  estimated from the size, the mode the decoder fills (1 to 4 bytes a
  pixel), the file's strip or tile buffer and the decoder's own copies
  (WebP: about 16 bytes a pixel);
* an image is reduced to its working size in the mode it was decoded in,
  before any conversion: a float, 32-bit or palette image never gets a
  second full-size copy in another mode;
* only the first frame of an animation or multi-page file is decoded;
* JPEGs are decoded at the smallest DCT scale (1/1, 1/2, 1/4, 1/8) that still
  covers the working size; any other image without alpha at twice the
  working size or more is first averaged by the same kind of integer factor
  (blocks of 2x2, 3x3 ...; where a block mixes different areas, such as an
  edge or a fine pattern, its sampled pixel is kept), so that every format
  and every size of a photo gives nearly the same pixels; everything is
  then reduced to the working
  size, by sampling the nearest pixel (for counting colors) or with a box
  filter premultiplied by alpha, so transparent pixels' colors do not bleed
  (for display);
* bytes read from a file object are capped (``Options.max_bytes``); URLs are
  fetched with a total deadline and a byte cap (:mod:`palettekit.fetch`).

A region (:class:`Region`, chosen by :mod:`palettekit.selection` for a crop or a
mask) is sampled at its own working size from the full-resolution or reduced
JPEG decode, never cut out of an already shrunk image.

Then colors are made comparable (:mod:`palettekit.color_modes`): every Pillow
mode becomes 8-bit RGB or RGBA (high bit depths scaled, not clipped), an
embedded ICC profile is converted to sRGB, and the EXIF orientation is
applied. Arrays are read by :mod:`palettekit.arrays`, JPEG and PNG headers
checked by :mod:`palettekit.image_headers`, bytes and labels come from
:mod:`palettekit.sources`; the limits are a :class:`LoadLimits`.

Every failure raises a :mod:`palettekit.errors` class with a one-line message
that starts with the source's label.
"""

from __future__ import annotations

import io
import math
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Protocol, Union

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops, UnidentifiedImageError

from . import decode_bounds
from .arrays import array_to_image, check_pixel_count
from .color_modes import (
    WORK_MODES,
    apply_icc,
    gray_range,
    orientation_of,
    to_work_mode,
    turn_upright,
)
from .display_text import reason_of
from .errors import (
    EmptyImageError,
    ImageLoadError,
    ImageTooLargeError,
    OptionsError,
    PaletteError,
    UnsupportedImageError,
)
from .image_headers import MAX_HEADER_SEGMENTS
from .image_headers import count_header_segments as _count_segments
from .sources import check_byte_count, is_url, open_path, read_file_object, source_label

__all__ = [
    "ImageSource",
    "LoadLimits",
    "LoadedImage",
    "MAX_HEADER_SEGMENTS",
    "Region",
    "RegionPlan",
    "check_header_segments",
    "load_image",
    "working_size",
    "source_label",
]

ImageSource = Union[
    str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes], Image.Image, np.ndarray
]
"""Anything :func:`load_image` accepts."""


class LoadLimits(Protocol):
    """The limits :func:`load_image` reads (an :class:`~palettekit.options.Options` has them).

    Attributes
    ----------
    max_pixels : int or None
        Pixel budget of the working image (None: the whole image).
    max_image_pixels : int
        Most pixels an image may have, checked from its header.
    max_decode_bytes : int
        Most bytes decoding may take, estimated before decoding.
    max_bytes : int
        Most bytes read from a file, file object, bytes or URL.
    timeout : float
        Seconds a URL may take in all.
    block_private_urls : bool
        Refuse URLs that resolve to private addresses.
    """

    @property
    def max_pixels(self) -> int | None: ...
    @property
    def max_image_pixels(self) -> int: ...
    @property
    def max_decode_bytes(self) -> int: ...
    @property
    def max_bytes(self) -> int: ...
    @property
    def timeout(self) -> float: ...
    @property
    def block_private_urls(self) -> bool: ...


# Pillow's reduce step before the final box filter: reduce by an integer
# factor while the result stays at least this many times the target size.
_REDUCING_GAP = 2.0


@dataclass(frozen=True)
class LoadedImage:
    """An image ready for pixel work.

    Attributes
    ----------
    image : PIL.Image.Image
        Mode "RGB" or "RGBA" (straight alpha), 8 bits per channel, sRGB,
        upright (EXIF orientation applied), exactly ``working_size`` of the
        upright original size.
    original_size : tuple of 2 int
        (width, height) of the source, upright, before any reduction.
    format : str or None
        Pillow's format name ("JPEG", "PNG", ...); None for arrays and for
        PIL images made in memory.
    icc : str
        "none" (no embedded profile), "converted" (an embedded profile was
        converted to sRGB), "srgb" (the embedded profile is sRGB: nothing to
        convert) or "ignored" (a profile was present but unusable).
    """

    image: Image.Image
    original_size: tuple[int, int]
    format: str | None
    icc: str = "none"

    def to_array(self) -> npt.NDArray[np.uint8]:
        """(H, W, 3) or (H, W, 4) uint8 pixels, sRGB(A) in [0, 255]: a read-only
        view of the image's storage where Pillow exports it, else a copy
        (:func:`palettekit.pixels.image_array`)."""
        from .pixels import image_array

        return image_array(self.image)


# --- sizes ---------------------------------------------------------------------------


def working_size(size: tuple[int, int], max_pixels: int | None) -> tuple[int, int]:
    """Largest (width, height) with the same aspect ratio and at most
    ``max_pixels`` pixels (never upscaled, never below 1x1).

    Parameters
    ----------
    size : tuple of 2 int
        (width, height), both >= 1.
    max_pixels : int or None
        Pixel budget (>= 1); None keeps ``size``.
    """
    width, height = size
    if max_pixels is None or width * height <= max_pixels:
        return (width, height)
    scale = math.sqrt(max_pixels / (width * height))
    new_w = max(1, int(width * scale))
    new_h = max(1, int(height * scale))
    while new_w * new_h > max_pixels and (new_w > 1 or new_h > 1):
        if new_w >= new_h:
            new_w -= 1
        else:
            new_h -= 1
    return (new_w, new_h)


def _upright(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation >= 5 else size


# --- reading bytes -------------------------------------------------------------------


# Pillow warns about its input (decompression bomb, corrupt EXIF, deprecated
# formats); loading an image a user asked for should not print those. A
# ``warnings.catch_warnings`` block cannot be used: it saves and restores the
# whole, process-wide filter list, so two threads loading at once (the web
# app does) can restore each other's state and leave "ignore" in place for
# good. Instead one "ignore" filter for Pillow's modules (and ours that call
# it) is added with ``warnings.filterwarnings`` while at least one load is in
# progress, and the last one out removes that entry (found by identity);
# filters that anyone else adds meanwhile are left alone. Removing an
# "ignore" entry needs no cache reset: ignored warnings are not recorded in
# the per-module registries.
_QUIET_MODULES = r"(PIL|palettekit\.(load|color_modes))(\.|$)"
_quiet_lock = threading.Lock()
_quiet_users = 0
_quiet_entry: Any = None


@contextmanager
def _quiet_pillow() -> Iterator[None]:
    """Ignore Pillow's warnings for the duration, thread-safely (see above)."""
    global _quiet_users, _quiet_entry
    with _quiet_lock:
        if _quiet_users == 0:
            warnings.filterwarnings("ignore", category=Warning, module=_QUIET_MODULES)
            _quiet_entry = warnings.filters[0]
        _quiet_users += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_users -= 1
            if _quiet_users == 0:
                filters: list[Any] = warnings.filters  # type: ignore[assignment]
                for index, entry in enumerate(filters):
                    if entry is _quiet_entry:
                        del filters[index]
                        break
                _quiet_entry = None


@contextmanager
def _pillow(label: str, doing: str) -> Iterator[None]:
    """Run Pillow code with its warnings silenced and its errors made ours.

    Pillow raises many exception types on corrupt data; each becomes a
    :mod:`palettekit.errors` class whose message names the source.
    """
    try:
        with _quiet_pillow():
            yield
    except PaletteError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(
            f"{label}: refused before decoding by Pillow's decompression-bomb guard "
            f"({reason_of(exc)})"
        ) from None
    except UnidentifiedImageError:
        raise UnsupportedImageError(
            f"{label}: not an image, or in a format Pillow cannot read"
        ) from None
    except MemoryError:
        raise ImageTooLargeError(f"{label}: not enough memory to {doing}") from None
    except Exception as exc:  # corrupt data makes Pillow raise almost anything
        raise ImageLoadError(f"{label}: cannot {doing} ({reason_of(exc)})") from None


# --- what decoding will cost: the per-format table of decode_bounds ----------------

decode_bytes = decode_bounds.decode_bytes
frame_decode_bytes = decode_bounds.frame_decode_bytes
check_decode_bytes = decode_bounds.check_decode_bytes


def _not_decoded(image: Image.Image) -> bool:
    """Whether ``load()`` still has to decode ``image`` (an opened file or a new
    frame), as opposed to an image whose pixels are already in memory."""
    return bool(getattr(image, "tile", None)) or getattr(image, "_im", False) is None


def _reduced_first(
    image: Image.Image, target: tuple[int, int], box: Any, display: bool
) -> tuple[Image.Image, Any]:
    """Reduce a decoded image in its own mode before it is converted.

    Conversions out of "P", "PA", "I", "F", "I;16", "RGB" with a tRNS color
    and the like allocate a full-size copy in the new mode. A nearest-pixel
    reduction first makes every conversion work on the small image. For
    counting colors the image goes straight to ``target``; for display to an
    intermediate size of four times its pixels, so that the box filter that
    follows still averages.

    Returns the (possibly) reduced image and the box for the next resize
    (None once the draft box has been used).
    """
    needs_conversion = image.mode not in WORK_MODES or "transparency" in image.info
    if not needs_conversion or image.size == target:
        return image, box
    width, height = image.size
    if display:
        step = working_size((width, height), target[0] * target[1] * 4)
        if step == (width, height):
            return image, box
    else:
        step = target
    return image.resize(step, Image.Resampling.NEAREST, box=box), None


# --- the one decoding path -----------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """A part of the upright image and the size it is sampled at.

    Attributes
    ----------
    box : tuple of 4 int
        ``(left, top, right, bottom)`` in pixels of the upright original,
        right and bottom exclusive, inside the image and not empty.
    size : tuple of 2 int
        (width, height) of the working image made of that part, each >= 1.
    """

    box: tuple[int, int, int, int]
    size: tuple[int, int]


RegionPlan = Callable[[tuple[int, int]], Region]
"""Chooses the region of an image from its upright original (width, height)."""


def _draft_request(region: Region, upright: tuple[int, int], orientation: int) -> tuple[int, int]:
    """The smallest whole-image size (stored orientation) at which ``region``
    still has at least ``region.size`` pixels: what a JPEG draft must cover."""
    left, top, right, bottom = region.box
    scale = max(region.size[0] / (right - left), region.size[1] / (bottom - top))
    need = (
        min(upright[0], math.ceil(upright[0] * scale)),
        min(upright[1], math.ceil(upright[1] * scale)),
    )
    return _upright(need, orientation)


def _draft(
    image: Image.Image, target: tuple[int, int], region: RegionPlan | None
) -> tuple[Any, Region | None]:
    """Ask an opened JPEG for a reduced-scale decode covering ``target`` (or the
    region's size); returns the decoded part's box and the region, if any."""
    width, height = image.size
    if image.format != "JPEG":
        return None, None  # only JPEGs decode at reduced scale
    chosen = None
    request = target
    if region is not None:
        orientation = orientation_of(image)  # a JPEG's EXIF is read with its header
        chosen = region(_upright((width, height), orientation))
        request = _draft_request(chosen, _upright((width, height), orientation), orientation)
    if request == (width, height):
        return None, chosen
    drafted = image.draft(image.mode, request)
    return (drafted[1] if drafted is not None else None), chosen


def _reduced_like_draft(
    image: Image.Image, target: tuple[int, int], region: RegionPlan | None
) -> tuple[Image.Image, Any]:
    """A caller's decoded JPEG box-averaged by the factor (8, 4, 2 or 1) that
    :func:`_draft` would decode the same file at, and the box of the result
    that holds the picture (None when not reduced).

    A path of a JPEG is decoded at reduced DCT scale (each pixel an average of
    a block); a caller's image is not drafted (that would change it), and
    nearest-pixel sampling from full resolution keeps single pixels' noise.
    Averaging the same blocks gives both doors nearly the same pixels.
    """
    width, height = image.size
    request = target
    if region is not None:
        orientation = orientation_of(image)
        upright = _upright((width, height), orientation)
        request = _draft_request(region(upright), upright, orientation)
    scale = min(width // request[0], height // request[1])
    factor = next(s for s in (8, 4, 2, 1) if scale >= s)
    if factor == 1:
        return image, None
    return image.reduce(factor), (0, 0, width / factor, height / factor)


def _region_box(
    image: Image.Image, box: Any, orientation: int, region: Region, upright: tuple[int, int]
) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """The decoded image turned upright, and ``region.box`` in its pixels.

    ``box`` is the part of the decoded image that holds the whole picture (a
    JPEG draft can have a few extra pixels), or None for all of it.
    """
    valid = image.size if box is None else (box[2] - box[0], box[3] - box[1])
    if orientation != 1:
        image = turn_upright(image, orientation)
        valid = _upright(valid, orientation)
    fx, fy = valid[0] / upright[0], valid[1] / upright[1]
    left, top, right, bottom = region.box
    return image, (left * fx, top * fy, right * fx, bottom * fy)


def _shrink(
    image: Image.Image, target: tuple[int, int], box: Any, display: bool, cropping: bool
) -> Image.Image:
    """Reduce a work-mode image to ``target`` (from ``box`` of it, when given)."""
    if image.size == target and not (cropping and box is not None):
        return image
    if display:
        return image.resize(target, Image.Resampling.BOX, box=box, reducing_gap=_REDUCING_GAP)
    width, height = image.size if box is None else (box[2] - box[0], box[3] - box[1])
    factor = int(min(width // target[0], height // target[1]))
    # For counting colors, an evenly spread sample of the pixels (nearest
    # neighbour) keeps only colors the image has and costs far less than a
    # box filter.
    sampled = image.resize(target, Image.Resampling.NEAREST, box=box)
    if factor < 2 or image.mode not in _AVERAGED_MODES:
        return sampled
    # At twice the working size or more, blocks of factor x factor pixels are
    # averaged first, as a JPEG's reduced DCT decode does: a large PNG and a
    # smaller copy of it then give nearly the same colors (issue 18 §2).
    if box is not None:  # whole pixels, inside the image
        left, top, right, bottom = (int(round(v)) for v in box)
        box = (max(0, left), max(0, top), min(image.width, right), min(image.height, bottom))
    blocks = image.reduce(factor, box=box).resize(target, Image.Resampling.NEAREST)
    return _edges_sampled(blocks, sampled)


# Modes whose blocks are averaged before sampling (see _shrink); with alpha
# an average would bleed transparent pixels' colors into opaque ones.
_AVERAGED_MODES = ("RGB", "L")
# A block average farther than this from the sampled pixel (levels of 255,
# in some channel; about a third of the range, so a block that is a third
# another color counts) mixes different areas (an edge, a thin line, a fine
# pattern): the working pixel keeps the sample, a color the image has.
_EDGE_LEVELS = 80
_EDGE_TABLE = [255 if level > _EDGE_LEVELS else 0 for level in range(256)]


def _edges_sampled(averaged: Image.Image, sampled: Image.Image) -> Image.Image:
    """``averaged``, with ``sampled``'s pixel wherever the two differ by more
    than ``_EDGE_LEVELS`` in some channel (same size and mode, RGB or L)."""
    difference = ImageChops.difference(averaged, sampled)
    if difference.mode == "RGB":
        red, green, blue = difference.split()
        difference = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return Image.composite(sampled, averaged, difference.point(_EDGE_TABLE))


def _prepare(
    image: Image.Image,
    label: str,
    limits: LoadLimits,
    limit: int | None,
    *,
    owned: bool,
    display: bool = False,
    region: RegionPlan | None = None,
    opened: bool = False,
) -> LoadedImage:
    """Opened (not decoded) image -> LoadedImage. Never changes a caller's image
    beyond loading its pixels; ``owned`` images may be drafted. With ``region``,
    only that part of the image is sampled, at its own working size. ``opened``:
    the image was opened here from a file or bytes and nobody else holds its
    pixels, so a working image that is the decoded image itself needs no copy."""
    width, height = image.size
    if width * height == 0:
        raise EmptyImageError(f"{label}: image has no pixels")
    check_pixel_count(width, height, limits.max_image_pixels, label)
    target = working_size((width, height), limit)
    box, chosen = None, None
    with _pillow(label, "decode image"):
        if owned and (region is not None or target != (width, height)):
            box, chosen = _draft(image, target, region)
        if _not_decoded(image):
            check_decode_bytes(image, label, limits.max_decode_bytes)
        image.load()
        orientation = orientation_of(image)
        profile = image.info.get("icc_profile")
        levels = None
        if image.mode.startswith("I") or image.mode == "F":
            levels = gray_range(image, label)  # of the whole image, before reducing
        decoded, turn = image, orientation
        if not owned and not display and image.format == "JPEG":
            decoded, box = _reduced_like_draft(image, target, region)
        if region is not None:
            upright = _upright((width, height), orientation)
            chosen = chosen or region(upright)
            decoded, box = _region_box(decoded, box, orientation, chosen, upright)
            target, turn = chosen.size, 1
        reduced, box = _reduced_first(decoded, target, box, display)
        work = _shrink(to_work_mode(reduced, levels), target, box, display, region is not None)
    icc = "none"
    if profile:
        with _pillow(label, "apply color profile"):
            work, icc = apply_icc(work, profile)
    with _pillow(label, "convert image"):
        if work.mode == "LA":
            work = work.convert("RGBA")
        elif work.mode != "RGB" and work.mode != "RGBA":
            work = work.convert("RGB")
        work = turn_upright(work, turn)
        if work is image:
            # Detach the result: an owned image's file is closed next, and a
            # caller's image (or one sharing an array's memory) must never be
            # handed back for mutation. An image opened here shares its
            # decoded pixels with a new plain image instead of copying them:
            # closing the file object releases only its own reference.
            work = image._new(image.im) if opened else image.copy()
    # The result is upright sRGB: the source's EXIF orientation, ICC profile
    # and XMP no longer describe it, and would turn or convert it a second
    # time if it were loaded again (render.figure of a loaded image).
    work.info = {}
    return LoadedImage(
        image=work,
        original_size=_upright((width, height), orientation),
        format=image.format,
        icc=icc,
    )


def check_header_segments(stream: IO[bytes], label: str) -> None:
    """Public form of the metadata-flood check, for a seekable binary stream.

    Raises
    ------
    ImageLoadError
        A JPEG or PNG with more than :data:`MAX_HEADER_SEGMENTS` segments
        before its image data.
    """
    try:
        decode_bounds.check_floods(stream, label)
        _count_segments(stream, label)
    except PaletteError:
        raise
    except (OSError, ValueError):  # unseekable or broken: Pillow decides
        return


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _open_image(stream: IO[bytes]) -> Image.Image:
    """``PIL.Image.open(stream)``, importing only the JPEG or PNG plugin for those two.

    ``Image.open`` on a stream first imports five plugins (BMP, GIF, JPEG, PPM
    and PNG, with ``fractions`` and ``decimal``): 3-5 ms of a command line's
    start. A stream that starts with a JPEG or PNG signature is opened here
    by that plugin's public opener (``JpegImagePlugin.jpeg_factory``, which
    also recognises MPO files, or ``PngImagePlugin.PngImageFile``), then
    checked by Pillow's decompression-bomb rule, as ``Image.open`` does;
    anything else, or a file its opener rejects, goes to ``Image.open``,
    which then decides exactly as before (same image, same error).

    Raises
    ------
    PIL.Image.DecompressionBombError
        More than ``2 * PIL.Image.MAX_IMAGE_PIXELS`` pixels (a
        ``DecompressionBombWarning`` above ``MAX_IMAGE_PIXELS``), as ``Image.open``.
    Exception
        Whatever ``Image.open`` raises for the stream.
    """
    import struct

    try:
        stream.seek(0)
        head = stream.read(len(_PNG_SIGNATURE))
        stream.seek(0)
    except (AttributeError, OSError, ValueError):  # unseekable: Pillow copies it
        return Image.open(stream)
    opener: Callable[[IO[bytes]], Image.Image]
    if head[:3] == b"\xff\xd8\xff":
        from PIL import JpegImagePlugin

        opener = JpegImagePlugin.jpeg_factory
    elif head == _PNG_SIGNATURE:
        from PIL import PngImagePlugin

        opener = PngImagePlugin.PngImageFile
    else:
        return Image.open(stream)
    try:
        image = opener(stream)
    except (SyntaxError, IndexError, TypeError, struct.error):  # Image.open tries the rest
        stream.seek(0)
        return Image.open(stream)
    limit = Image.MAX_IMAGE_PIXELS
    pixels = max(1, image.width) * max(1, image.height)
    if limit is not None and pixels > limit:
        bound = 2 * limit if pixels > 2 * limit else limit
        message = (
            f"Image size ({pixels} pixels) exceeds limit of {bound} pixels, "
            "could be decompression bomb DOS attack."
        )
        if pixels > 2 * limit:
            raise Image.DecompressionBombError(message)
        warnings.warn(message, Image.DecompressionBombWarning, stacklevel=2)
    return image


def _load_stream(
    stream: IO[bytes],
    label: str,
    limits: LoadLimits,
    limit: int | None,
    display: bool,
    region: RegionPlan | None = None,
) -> LoadedImage:
    check_header_segments(stream, label)
    with _pillow(label, "read image header"):
        image = _open_image(stream)
    try:
        return _prepare(
            image, label, limits, limit, owned=True, display=display, region=region, opened=True
        )
    finally:
        image.close()


def load_image(
    source: ImageSource,
    options: LoadLimits,
    max_pixels: int | None = None,
    *,
    display: bool = False,
    region: RegionPlan | None = None,
) -> LoadedImage:
    """Read a source into an upright 8-bit sRGB(A) image at working size.

    Parameters
    ----------
    source
        One of:

        * a path (str or ``os.PathLike``) to a file in any format Pillow reads;
        * an ``http://`` or ``https://`` URL (str), fetched by
          :func:`palettekit.fetch.fetch_url`;
        * bytes, bytearray or memoryview holding an image file;
        * a binary file object (read to its end, at most ``options.max_bytes``);
        * a ``PIL.Image.Image`` (never modified; its current frame is used);
        * a numpy array (H, W) or (H, W, C), C = 1 (gray), 2 (gray, alpha),
          3 (RGB) or 4 (RGBA), of uint8, uint16 (16-bit), bool, float in
          [0, 1], or another integer dtype holding values in [0, 255].

        Animations and multi-page files give their first frame.
    options : LoadLimits
        An :class:`~palettekit.options.Options`, or anything with its
        ``max_pixels``, ``max_image_pixels``, ``max_decode_bytes``,
        ``max_bytes``, ``timeout`` and ``block_private_urls``.
    max_pixels : int or None
        Overrides ``options.max_pixels`` (e.g. to load a display-size image).
    display : bool
        How the image is reduced to its working size: False (for counting
        colors) samples the nearest pixel, True (for showing the image)
        averages with a box filter.
    region : callable, optional
        Given the upright original (width, height), returns the
        :class:`Region` to load: only that part of the image is sampled, at
        the size it says, from the full-resolution (or reduced JPEG) decode,
        never from an already shrunk image. Not with ``display``.

    Returns
    -------
    LoadedImage
        ``image`` is "RGB" or "RGBA", sRGB, upright, of size
        ``working_size(original_size, max_pixels)``.

    Raises
    ------
    ImageNotFoundError
        No such file, or a directory.
    UnsupportedImageError
        Empty file or data, not an image, not a regular file.
    ImageTooLargeError
        More pixels than ``max_image_pixels`` (checked from the header,
        before decoding), more bytes than ``max_bytes`` (a file, bytes, a
        file object or a download alike), or out of memory.
    FetchError, FetchTimeoutError
        A URL could not be fetched, or is not http(s).
    ImageLoadError
        Unreadable (permission), truncated or corrupt data, a failing file
        object.
    EmptyImageError
        The image has no pixels.
    OptionsError
        The source is of an unsupported type, or an array of unsupported
        shape, dtype or values.
    """
    label = source_label(source)
    if region is not None and display:
        raise ValueError("load_image: a region is sampled for counting colors, not for display")
    # Pillow's warnings stay silenced for the whole load: the six steps below
    # that call Pillow each enter _quiet_pillow, and nested entries only count
    # (no warning filter added and removed six times per image).
    with _quiet_pillow():
        return _load_image(source, options, label, max_pixels, display, region)


def _load_image(
    source: ImageSource,
    options: LoadLimits,
    label: str,
    max_pixels: int | None,
    display: bool,
    region: RegionPlan | None,
) -> LoadedImage:
    limit = options.max_pixels if max_pixels is None else max_pixels
    if isinstance(source, Image.Image):
        return _prepare(source, label, options, limit, owned=False, display=display, region=region)
    if isinstance(source, np.ndarray):
        image = array_to_image(source, label, options.max_image_pixels)
        return _prepare(image, label, options, limit, owned=True, display=display, region=region)
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if isinstance(text, bytes):
            text = os.fsdecode(text)
        if is_url(text) and not os.path.exists(text):
            from .fetch import fetch_with_options

            data = fetch_with_options(text, options)
            if not data:
                raise UnsupportedImageError(f"{label}: empty response")
            return _load_stream(io.BytesIO(data), label, options, limit, display, region)
        with open_path(text, label) as handle:
            check_byte_count(os.fstat(handle.fileno()).st_size, options.max_bytes, label)
            return _load_stream(handle, label, options, limit, display, region)
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise UnsupportedImageError(f"{label}: empty data")
        check_byte_count(memoryview(source).nbytes, options.max_bytes, label)
        return _load_stream(io.BytesIO(source), label, options, limit, display, region)
    if hasattr(source, "read"):
        data = read_file_object(source, options.max_bytes, label)
        if not data:
            raise UnsupportedImageError(f"{label}: empty file object")
        return _load_stream(io.BytesIO(data), label, options, limit, display, region)
    raise OptionsError(
        f"cannot read an image from {type(source).__name__}: expected a path, URL, bytes, "
        "binary file object, PIL image or numpy array"
    )
