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
  covers the working size; everything is then reduced to it, by sampling the
  nearest pixel (for counting colors) or with a box filter premultiplied by
  alpha, so transparent pixels' colors do not bleed (for display);
* bytes read from a file object are capped (``Options.max_bytes``); URLs are
  fetched with a total deadline and a byte cap (:mod:`palettekit.fetch`).

Then colors are made comparable: every Pillow mode becomes 8-bit RGB or RGBA
(high bit depths scaled, not clipped), an embedded ICC profile is converted to
sRGB, and the EXIF orientation is applied.

Every failure raises a :mod:`palettekit.errors` class with a one-line message
that starts with the source's label.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Protocol, Union

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import (
    EmptyImageError,
    ImageLoadError,
    ImageTooLargeError,
    OptionsError,
    PaletteError,
    UnsupportedImageError,
)
from .fetch import display_url
from .sources import check_byte_count, is_url, open_path, read_file_object
from .text import one_line, reason_of

__all__ = ["ImageSource", "LoadedImage", "load_image", "working_size", "source_label"]

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


_EXIF_ORIENTATION = 0x0112


# Pillow's reduce step before the final box filter: reduce by an integer
# factor while the result stays at least this many times the target size.
_REDUCING_GAP = 2.0

# Modes the resize and ICC steps work in; everything else is converted first.
_WORK_MODES = ("RGB", "RGBA", "L", "LA", "CMYK")


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
        """(H, W, 3) or (H, W, 4) uint8 copy of the pixels, sRGB(A) in [0, 255]."""
        return np.array(self.image, dtype=np.uint8)


# --- labels and messages -------------------------------------------------------------


def source_label(source: object) -> str:
    """A short, one-line human name for a source, for messages and ``meta``.

    Paths are given as written, URLs without their user name and password,
    in-memory sources by type and size. Control characters are escaped and
    long names shortened, so a label never spans lines.
    """
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if isinstance(text, bytes):
            text = os.fsdecode(text)
        return display_url(text) if is_url(text) else one_line(text, 160, escape=True)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    if isinstance(source, Image.Image):
        return f"<PIL image {source.mode} {source.size[0]}x{source.size[1]}>"
    if isinstance(source, np.ndarray):
        return f"<array {'x'.join(map(str, source.shape))} {source.dtype}>"
    name = getattr(source, "name", None)
    if isinstance(name, str):
        return one_line(name, 160, escape=True)
    return f"<{type(source).__name__}>"


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
# good. Instead one filter entry, recognisable by its identity, is inserted
# while at least one load is in progress and removed by the last one out;
# filters that anyone else adds meanwhile are left alone. While it is in
# place, warnings raised from Pillow's modules (or by Pillow on behalf of
# this one) are ignored in every thread.
_QUIET_MODULES = re.compile(r"(PIL|palettekit\.load)(\.|$)")
_QUIET_ENTRY = ("ignore", None, Warning, _QUIET_MODULES, 0)
_quiet_lock = threading.Lock()
_quiet_users = 0


def _warning_filters() -> list[Any]:
    return warnings.filters  # type: ignore[return-value]  # a list, typed as a Sequence


def _filters_changed() -> None:
    changed = getattr(warnings, "_filters_mutated", None)  # drops per-module caches
    if changed is not None:
        changed()


@contextmanager
def _quiet_pillow() -> Iterator[None]:
    """Ignore Pillow's warnings for the duration, thread-safely (see above)."""
    global _quiet_users
    with _quiet_lock:
        if _quiet_users == 0:
            _warning_filters().insert(0, _QUIET_ENTRY)
            _filters_changed()
        _quiet_users += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_users -= 1
            if _quiet_users == 0:
                filters = _warning_filters()
                for index, entry in enumerate(filters):
                    if entry is _QUIET_ENTRY:
                        del filters[index]
                        _filters_changed()
                        break


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


# --- numpy arrays --------------------------------------------------------------------


def _array_to_uint8(array: np.ndarray, label: str) -> npt.NDArray[np.uint8]:
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


def _array_to_image(array: np.ndarray, label: str, max_image_pixels: int) -> Image.Image:
    """(H, W), (H, W, 1|2|3|4) array -> an "L", "LA", "RGB" or "RGBA" image."""
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 2, 3, 4):
        raise OptionsError(f"{label}: array must have shape (H, W) or (H, W, C) with C in 1..4")
    height, width = array.shape[:2]
    if height == 0 or width == 0:
        raise EmptyImageError(f"{label}: image has no pixels")
    _check_pixel_count(width, height, max_image_pixels, label)
    data = _array_to_uint8(array, label)
    if data.shape[2] == 1:
        data = data[:, :, 0]
    return Image.fromarray(np.ascontiguousarray(data))


# --- modes, color management, orientation ---------------------------------------------


def _check_pixel_count(width: int, height: int, limit: int, label: str) -> None:
    if width * height > limit:
        raise ImageTooLargeError(
            f"{label}: {width}x{height} = {width * height} pixels exceeds the limit of "
            f"{limit} (option max_image_pixels)"
        )


_STATS_BAND_PIXELS = 1 << 16
"""Pixels per band when a wide-sample image's statistics are gathered (256 KB a band)."""


@dataclass(frozen=True)
class _GrayRange:
    """Smallest and largest sample of a wide gray image ("I;16*", "I" or "F")."""

    low: float
    high: float


def _gray_range(image: Image.Image, label: str) -> _GrayRange:
    """The range of a decoded "I;16*", "I" or "F" image, read in bands.

    A whole-image ``np.asarray`` would copy the image (4 bytes a pixel, and
    the int64/float64 arithmetic on it 8 more); bands of about a million
    pixels keep the extra memory at a few MB.

    Raises
    ------
    UnsupportedImageError
        A float image with a NaN or infinite sample (refused like a float
        array with one, so that an image and its array agree).
    """
    width, height = image.size
    rows = max(1, _STATS_BAND_PIXELS // max(1, width))
    low, high = math.inf, -math.inf
    for top in range(0, height, rows):
        band = np.asarray(image.crop((0, top, width, min(height, top + rows))))
        if image.mode == "F" and not np.isfinite(band).all():
            raise UnsupportedImageError(
                f"{label}: float image contains NaN or infinity "
                "(only finite samples can be read as colors)"
            )
        low = min(low, float(band.min()))
        high = max(high, float(band.max()))
    return _GrayRange(low, high)


def _gray_to_l(image: Image.Image, levels: _GrayRange) -> Image.Image:
    """A high bit depth gray image ("I;16*", "I", "F") -> "L", scaled, not clipped.

    The rules are those of arrays (see :func:`_array_to_uint8`), extended to
    values an array would be refused for:

    * "I;16*": 16-bit, [0, 65535] -> [0, 255];
    * "I" (32-bit integers): values in [0, 255] are kept as they are (an
      int32 array gives the same colors); values in [0, 65535] are read as
      16-bit; anything else is stretched from its minimum to its maximum;
    * "F": values in [0, 1] are scaled by 255 (a float array gives the same
      colors), in [0, 255] kept, anything else stretched.

    ``levels`` is the range of the whole image, so that a reduced image is
    scaled exactly as its original would be. Works on the (small) reduced
    image: one float64 copy of it at most.
    """
    values = np.asarray(image)
    lo, hi = levels.low, levels.high
    # One float64 or int64 copy, changed in place: temporaries of a
    # megapixel image cost 8 MB each.
    if image.mode == "F":
        data = values.astype(np.float64)
        if lo >= 0.0 and hi <= 1.0:
            data *= 255.0
        elif lo < 0.0 or hi > 255.0:
            data -= lo
            data *= 255.0 / max(hi - lo, 1e-300)
        np.clip(data, 0, 255, out=data)
        data += 0.5
        np.floor(data, out=data)
        return Image.fromarray(data.astype(np.uint8))
    wide = values.astype(np.int64)
    if image.mode == "I" and lo >= 0 and hi <= 255:
        pass
    elif lo < 0 or hi > 65535:
        span = max(int(hi) - int(lo), 1)
        wide -= int(lo)
        wide *= 255
        wide += span // 2
        wide //= span
    else:
        wide *= 255
        wide += 32767
        wide //= 65535
    return Image.fromarray(wide.astype(np.uint8))


def _to_work_mode(image: Image.Image, levels: _GrayRange | None = None) -> Image.Image:
    """Any Pillow mode -> one of "RGB", "RGBA", "L", "LA", "CMYK" (8 bits).

    Palette and single-color transparency (PNG tRNS, GIF) become an alpha
    channel. May return ``image`` itself. ``levels``: the range of the
    original of a reduced "I*" or "F" image (measured on ``image`` if None).
    """
    mode = image.mode
    if mode in ("RGB", "L") and "transparency" in image.info:
        return image.convert(mode + "A" if mode == "L" else "RGBA")
    if mode in _WORK_MODES:
        return image
    if mode == "1":
        return image.convert("L")
    if mode == "P":
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if mode == "La":
        return image.convert("LA")
    if mode.startswith("I") or mode == "F":
        return _gray_to_l(image, levels or _gray_range(image, "image"))
    # PA, RGBa, RGBX, YCbCr, LAB, HSV, ...
    return image.convert("RGBA" if mode in ("PA", "RGBa") else "RGB")


def _profile_mode(image_mode: str, color_space: str) -> str | None:
    """The mode pixels must be in for a profile's color space, or None."""
    if color_space == "RGB" and image_mode in ("RGB", "L"):
        return "RGB"
    if color_space == "GRAY" and image_mode == "L":
        return "L"
    if color_space == "CMYK" and image_mode == "CMYK":
        return "CMYK"
    return None


def _apply_icc(image: Image.Image, profile: bytes) -> tuple[Image.Image, str]:
    """Convert an image in a work mode from its embedded profile to sRGB.

    Returns the image converted to "RGB" or "RGBA" and "converted"; the image
    unchanged and "srgb" when the profile is an sRGB profile (checked once
    per distinct profile: the transform moves no color by more than one
    level); or the image unchanged and "ignored" when the profile is broken or
    does not fit the image's mode. A bad profile never makes an image
    unreadable.
    """
    from PIL import ImageCms

    alpha = image.getchannel("A") if image.mode in ("RGBA", "LA") else None
    base = image.convert(image.mode[:-1]) if alpha is not None else image
    key = (hashlib.sha256(profile).digest(), base.mode)
    if _IS_SRGB.get(key):
        return image, "srgb"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        mode = _profile_mode(base.mode, source.profile.xcolor_space.strip())
        if mode is None:
            return image, "ignored"
        if base.mode != mode:
            base = base.convert(mode)
        transform = ImageCms.buildTransform(source, _srgb_profile(), mode, "RGB")
        if key not in _IS_SRGB:
            _remember_srgb(key, _is_identity(transform, mode))
            if _IS_SRGB[key]:
                return image, "srgb"
        converted = ImageCms.applyTransform(base, transform)
    except Exception:  # lcms reports broken profiles in several ways
        return image, "ignored"
    if converted is None:  # pragma: no cover - only for inPlace=True
        return image, "ignored"
    if alpha is not None:
        converted.putalpha(alpha)
    return converted, "converted"


_IS_SRGB: dict[tuple[bytes, str], bool] = {}
"""Profile digest and mode -> whether converting to sRGB changes nothing."""


def _remember_srgb(key: tuple[bytes, str], verdict: bool) -> None:
    if len(_IS_SRGB) >= 256:
        _IS_SRGB.clear()
    _IS_SRGB[key] = verdict


def _is_identity(transform: Any, mode: str) -> bool:
    """Whether ``transform`` (``mode`` -> RGB) maps a 16x16x16 RGB grid to
    itself within one level (only RGB profiles can be sRGB)."""
    from PIL import ImageCms

    if mode != "RGB":
        return False
    levels = np.linspace(0, 255, 16).round().astype(np.uint8)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1)
    probe = Image.fromarray(np.ascontiguousarray(grid.reshape(64, 64, 3)))
    moved = np.asarray(ImageCms.applyTransform(probe, transform), dtype=np.int16)
    return bool(np.abs(moved - np.asarray(probe, dtype=np.int16)).max() <= 1)


_SRGB_PROFILE: Any = None


def _srgb_profile() -> Any:
    global _SRGB_PROFILE
    if _SRGB_PROFILE is None:
        from PIL import ImageCms

        _SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return _SRGB_PROFILE


def _orientation(image: Image.Image) -> int:
    """EXIF orientation 1..8 (1 when absent or unreadable)."""
    try:
        with _quiet_pillow():
            value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # unreadable EXIF is no reason to refuse the image
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


# --- what decoding will cost ---------------------------------------------------------

_WEBP_BYTES_PER_PIXEL = 16
"""Peak bytes a pixel while Pillow decodes a WebP: libwebp's animation decoder
keeps two RGBA canvases, hands over a copy, which Pillow copies into the
image (measured: 765 MB for a 7000x7000 lossless WebP). Pillow offers no
reduced-size WebP decode, so WebPs are bounded by this estimate instead."""

_TIFF_ROWS_PER_STRIP = 278
_TIFF_BITS_PER_SAMPLE = 258
_TIFF_TILE_WIDTH = 322
_TIFF_TILE_LENGTH = 323


def _bytes_per_pixel(mode: str) -> int:
    """Bytes Pillow stores a pixel of ``mode`` in (1, 2 or 4)."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def _tiff_buffer_bytes(image: Image.Image) -> int:
    """Bytes of the one strip or tile libtiff decodes into before Pillow unpacks it."""
    tags = getattr(image, "tag_v2", None)
    if tags is None:
        return 0
    width, height = image.size
    try:
        bits = tags.get(_TIFF_BITS_PER_SAMPLE, (8,))
        bits_per_pixel = sum(bits) if isinstance(bits, tuple) else int(bits) * len(image.getbands())
        if _TIFF_TILE_WIDTH in tags and _TIFF_TILE_LENGTH in tags:
            columns, rows = int(tags[_TIFF_TILE_WIDTH]), int(tags[_TIFF_TILE_LENGTH])
        else:
            columns, rows = width, int(tags.get(_TIFF_ROWS_PER_STRIP, height))
    except (TypeError, ValueError):  # a broken tag: assume one strip of the whole image
        return width * height * 16
    return max(0, min(rows, height)) * max(0, columns) * max(1, bits_per_pixel) // 8


def decode_bytes(image: Image.Image) -> int:
    """Estimated peak bytes of decoding an opened, not yet loaded, image.

    The size (after any JPEG draft) times the bytes a pixel of the mode
    Pillow decodes into, plus a TIFF's strip or tile buffer; a WebP costs
    about :data:`_WEBP_BYTES_PER_PIXEL` a pixel. Conversions afterwards work
    on the reduced image and add little.
    """
    width, height = image.size
    pixels = width * height
    if image.format == "WEBP":
        return pixels * _WEBP_BYTES_PER_PIXEL
    cost = pixels * _bytes_per_pixel(image.mode)
    if image.format == "TIFF":
        cost += _tiff_buffer_bytes(image)
    if image.format in _COMPOSITED_FORMATS and _frame_index(image) > 0:
        cost += pixels * _COMPOSITE_BYTES_PER_PIXEL
    return cost


_COMPOSITED_FORMATS = ("GIF", "PNG", "FLI")
_COMPOSITE_BYTES_PER_PIXEL = 9
"""A frame after the first of a GIF, APNG or FLI animation is drawn onto the
previous one: Pillow keeps that canvas, makes a new one in RGB(A) and decodes the
frame itself into a third (measured: 12.5 bytes a pixel in all;
a 6000x6000 three-frame GIF peaked at 496 MB)."""


def _frame_index(image: Image.Image) -> int:
    try:
        return int(image.tell())
    except Exception:  # an image without frames
        return 0


def frame_decode_bytes(image: Image.Image) -> int:
    """Estimated peak bytes of decoding a frame after the first of ``image``
    (an opened animation), for choosing how many frames to use."""
    width, height = image.size
    if image.format == "WEBP":
        return width * height * _WEBP_BYTES_PER_PIXEL
    extra = _COMPOSITE_BYTES_PER_PIXEL if image.format in _COMPOSITED_FORMATS else 0
    return width * height * (4 + extra)


def check_decode_bytes(image: Image.Image, label: str, limit: int) -> None:
    """Refuse an image whose decoding would take more than ``limit`` bytes.

    Raises
    ------
    ImageTooLargeError
        ``decode_bytes(image) > limit``.
    """
    needed = decode_bytes(image)
    if needed > limit:
        width, height = image.size
        raise ImageTooLargeError(
            f"{label}: decoding this {width}x{height} {image.format or ''} image in mode "
            f"{image.mode} would take about {_megabytes(needed)}, more than the limit of "
            f"{_megabytes(limit)} (option max_decode_bytes)".replace("  ", " ")
        )


def _not_decoded(image: Image.Image) -> bool:
    """Whether ``load()`` still has to decode ``image`` (an opened file or a new
    frame), as opposed to an image whose pixels are already in memory."""
    return bool(getattr(image, "tile", None)) or getattr(image, "_im", False) is None


def _megabytes(count: int) -> str:
    return f"{count / 1e6:.0f} MB" if count >= 10**6 else f"{count} bytes"


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
    needs_conversion = image.mode not in _WORK_MODES or "transparency" in image.info
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
        orientation = _orientation(image)  # a JPEG's EXIF is read with its header
        chosen = region(_upright((width, height), orientation))
        request = _draft_request(chosen, _upright((width, height), orientation), orientation)
    if request == (width, height):
        return None, chosen
    drafted = image.draft(image.mode, request)
    return (drafted[1] if drafted is not None else None), chosen


def _turn_upright(image: Image.Image, orientation: int) -> Image.Image:
    """``image`` turned by an EXIF ``orientation`` (1..8), by Pillow's ``exif_transpose``."""
    if orientation == 1:
        return image
    image.getexif()[_EXIF_ORIENTATION] = orientation
    return ImageOps.exif_transpose(image)


def _region_box(
    image: Image.Image, box: Any, orientation: int, region: Region, upright: tuple[int, int]
) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """The decoded image turned upright, and ``region.box`` in its pixels.

    ``box`` is the part of the decoded image that holds the whole picture (a
    JPEG draft can have a few extra pixels), or None for all of it.
    """
    valid = image.size if box is None else (box[2] - box[0], box[3] - box[1])
    if orientation != 1:
        image = _turn_upright(image, orientation)
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
    # For counting colors, an evenly spread sample of the pixels (nearest
    # neighbour) is as good as their box averages, keeps only colors the
    # image has, and costs far less than a box filter.
    return image.resize(target, Image.Resampling.NEAREST, box=box)


def _prepare(
    image: Image.Image,
    label: str,
    limits: LoadLimits,
    limit: int | None,
    *,
    owned: bool,
    display: bool = False,
    region: RegionPlan | None = None,
) -> LoadedImage:
    """Opened (not decoded) image -> LoadedImage. Never changes a caller's image
    beyond loading its pixels; ``owned`` images may be drafted. With ``region``,
    only that part of the image is sampled, at its own working size."""
    width, height = image.size
    if width * height == 0:
        raise EmptyImageError(f"{label}: image has no pixels")
    _check_pixel_count(width, height, limits.max_image_pixels, label)
    target = working_size((width, height), limit)
    box, chosen = None, None
    with _pillow(label, "decode image"):
        if owned and (region is not None or target != (width, height)):
            box, chosen = _draft(image, target, region)
        if _not_decoded(image):
            check_decode_bytes(image, label, limits.max_decode_bytes)
        image.load()
        orientation = _orientation(image)
        profile = image.info.get("icc_profile")
        levels = None
        if image.mode.startswith("I") or image.mode == "F":
            levels = _gray_range(image, label)  # of the whole image, before reducing
        decoded, turn = image, orientation
        if region is not None:
            upright = _upright((width, height), orientation)
            chosen = chosen or region(upright)
            decoded, box = _region_box(image, box, orientation, chosen, upright)
            target, turn = chosen.size, 1
        reduced, box = _reduced_first(decoded, target, box, display)
        work = _shrink(_to_work_mode(reduced, levels), target, box, display, region is not None)
    icc = "none"
    if profile:
        with _pillow(label, "apply color profile"):
            work, icc = _apply_icc(work, profile)
    with _pillow(label, "convert image"):
        if work.mode == "LA":
            work = work.convert("RGBA")
        elif work.mode != "RGB" and work.mode != "RGBA":
            work = work.convert("RGB")
        work = _turn_upright(work, turn)
        if work is image:
            # Detach the result: an owned image's file is closed next, and a
            # caller's image must never be handed back for mutation.
            work = image.copy()
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


MAX_HEADER_SEGMENTS = 4096
"""Most JPEG marker segments or PNG chunks before the image data. Real files
have tens (a few hundred with a long ICC profile or much text); Pillow parses
each in Python, so a 19 MB file of 5 million empty COM markers took it 4 s
and 500 MB to open."""


def _count_segments(stream: IO[bytes], label: str) -> None:
    """Refuse a JPEG or PNG with more than :data:`MAX_HEADER_SEGMENTS` segments
    before its image data, walking their lengths only (no parsing). Leaves the
    stream where it was."""
    start = stream.tell()
    try:
        signature = stream.read(8)
        if signature[:2] == b"\xff\xd8":
            count = _jpeg_segments(stream, start + 2)
            kind = "JPEG marker segments"
        elif signature == b"\x89PNG\r\n\x1a\n":
            count = _png_chunks(stream, start + 8)
            kind = "PNG chunks"
        else:
            return
    finally:
        stream.seek(start)
    if count > MAX_HEADER_SEGMENTS:
        raise ImageLoadError(
            f"{label}: more than {MAX_HEADER_SEGMENTS} {kind} before the image data; "
            "refused before parsing (a metadata flood, not a real image)"
        )


def _jpeg_segments(stream: IO[bytes], position: int) -> int:
    """Marker segments from ``position`` to the first start-of-scan (at most the limit + 1)."""
    count = 0
    stream.seek(position)
    while count <= MAX_HEADER_SEGMENTS:
        head = stream.read(4)
        if len(head) < 2 or head[0] != 0xFF:
            return count  # not at a marker: Pillow will judge the file
        marker = head[1]
        if marker == 0xFF:  # fill byte
            stream.seek(stream.tell() - 3)
            continue
        count += 1
        if marker == 0xDA or 0xD0 <= marker <= 0xD9 or marker == 0x01:
            return count  # start of scan, or a marker without a length
        if len(head) < 4:
            return count
        length = int.from_bytes(head[2:4], "big")
        stream.seek(stream.tell() + length - 2)
    return count


def _png_chunks(stream: IO[bytes], position: int) -> int:
    """Chunks from ``position`` to the first IDAT (at most the limit + 1)."""
    count = 0
    stream.seek(position)
    while count <= MAX_HEADER_SEGMENTS:
        head = stream.read(8)
        if len(head) < 8 or head[4:8] in (b"IDAT", b"IEND"):
            return count
        count += 1
        stream.seek(stream.tell() + int.from_bytes(head[:4], "big") + 4)
    return count


def check_header_segments(stream: IO[bytes], label: str) -> None:
    """Public form of the metadata-flood check, for a seekable binary stream.

    Raises
    ------
    ImageLoadError
        A JPEG or PNG with more than :data:`MAX_HEADER_SEGMENTS` segments
        before its image data.
    """
    try:
        _count_segments(stream, label)
    except PaletteError:
        raise
    except (OSError, ValueError):  # unseekable or broken: Pillow decides
        return


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
        image = Image.open(stream)
    try:
        return _prepare(image, label, limits, limit, owned=True, display=display, region=region)
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
    limit = options.max_pixels if max_pixels is None else max_pixels
    if isinstance(source, Image.Image):
        return _prepare(source, label, options, limit, owned=False, display=display, region=region)
    if isinstance(source, np.ndarray):
        image = _array_to_image(source, label, options.max_image_pixels)
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
