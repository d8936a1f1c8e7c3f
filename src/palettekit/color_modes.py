"""Color modes, ICC profiles and orientation: a decoded image -> upright 8-bit sRGB.

Every Pillow mode becomes one of :data:`WORK_MODES` (:func:`to_work_mode`;
high bit depths scaled, not clipped, by :func:`gray_to_l`), an embedded ICC
profile is converted to sRGB (:func:`apply_icc`), and the EXIF orientation
is applied by Pillow's ``ImageOps.exif_transpose`` (:func:`turn_upright`).
:mod:`palettekit.load` runs these steps on the image already reduced to its
working size, so none of them makes a full-size copy.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from .errors import UnsupportedImageError

__all__ = [
    "EXIF_ORIENTATION",
    "WORK_MODES",
    "GrayRange",
    "gray_range",
    "gray_to_l",
    "to_work_mode",
    "apply_icc",
    "orientation_of",
    "turn_upright",
]

EXIF_ORIENTATION = 0x0112
"""The EXIF tag of the orientation (1..8)."""

WORK_MODES = ("RGB", "RGBA", "L", "LA", "CMYK")
"""Modes the resize and ICC steps work in; everything else is converted first."""

_STATS_BAND_PIXELS = 1 << 16
"""Pixels per band when a wide-sample image's statistics are gathered (256 KB a band)."""


@dataclass(frozen=True)
class GrayRange:
    """Smallest and largest sample of a wide gray image ("I;16*", "I" or "F")."""

    low: float
    high: float


def gray_range(image: Image.Image, label: str) -> GrayRange:
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
    return GrayRange(low, high)


def gray_to_l(image: Image.Image, levels: GrayRange) -> Image.Image:
    """A high bit depth gray image ("I;16*", "I", "F") -> "L", scaled, not clipped.

    The rules are those of arrays (see :func:`palettekit.arrays.array_to_uint8`), extended to
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


def to_work_mode(image: Image.Image, levels: GrayRange | None = None) -> Image.Image:
    """Any Pillow mode -> one of "RGB", "RGBA", "L", "LA", "CMYK" (8 bits).

    Palette and single-color transparency (PNG tRNS, GIF) become an alpha
    channel. May return ``image`` itself. ``levels``: the range of the
    original of a reduced "I*" or "F" image (measured on ``image`` if None).
    """
    mode = image.mode
    if mode in ("RGB", "L") and "transparency" in image.info:
        return image.convert(mode + "A" if mode == "L" else "RGBA")
    if mode in WORK_MODES:
        return image
    if mode == "1":
        return image.convert("L")
    if mode == "P":
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if mode == "La":
        return image.convert("LA")
    if mode.startswith("I") or mode == "F":
        return gray_to_l(image, levels or gray_range(image, "image"))
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


def apply_icc(image: Image.Image, profile: bytes) -> tuple[Image.Image, str]:
    """Convert an image in a work mode from its embedded profile to sRGB.

    Returns the image converted to "RGB" or "RGBA" and "converted"; the image
    unchanged and "srgb" when the profile is an sRGB profile (checked once
    per distinct profile: the transform moves no color by more than one
    level); or the image unchanged and "ignored" when the profile is broken or
    does not fit the image's mode. A bad profile never makes an image
    unreadable.
    """
    import hashlib  # here, not at the top: loading OpenSSL costs a command line ~3 ms

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


def orientation_of(image: Image.Image) -> int:
    """EXIF orientation 1..8 (1 when absent or unreadable)."""
    try:
        value = image.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:  # unreadable EXIF is no reason to refuse the image
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def turn_upright(image: Image.Image, orientation: int) -> Image.Image:
    """``image`` turned by an EXIF ``orientation`` (1..8), by Pillow's ``exif_transpose``.

    The orientation is that of the source (read before the image was
    reduced or converted, which may drop its EXIF); 1 returns ``image``.
    """
    if orientation == 1:
        return image
    # Imported here: ImageOps brings ImagePalette, ImageColor and the Gimp palette
    # readers (1-2 ms of a command line's start), and most images need no turn.
    from PIL import ImageOps

    image.getexif()[EXIF_ORIENTATION] = orientation
    return ImageOps.exif_transpose(image)
