"""Any image source -> an RGB or RGBA Pillow image at a bounded working size.

The cost of an input is bounded before any math: the pixel count is checked
from the header (decompression-bomb guard), JPEGs are decoded at a reduced DCT
scale, everything else is reduced with a box filter, URLs are fetched with a
total deadline and a byte cap.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from struct import error as struct_error
from typing import IO, Any, Union

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import (
    EmptyImageError,
    ImageLoadError,
    ImageNotFoundError,
    ImageTooLargeError,
    OptionsError,
    UnsupportedImageError,
)

__all__ = ["ImageSource", "LoadedImage", "load_image", "working_size", "source_label"]

ImageSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes], Image.Image, np.ndarray]
"""Anything :func:`load_image` accepts."""

_EXIF_ORIENTATION = 0x0112
_TRANSPOSE_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class LoadedImage:
    """An image ready for pixel work.

    Attributes
    ----------
    image : PIL.Image.Image
        Mode "RGB" or "RGBA" (straight alpha), 8 bits per channel, sRGB,
        upright (EXIF orientation applied), at most ``max_pixels`` pixels.
    original_size : tuple of 2 int
        (width, height) of the source as stored, before any reduction.
    format : str or None
        Pillow's format name ("JPEG", "PNG", ...), None for arrays and images.
    icc : str
        "none", "converted" (an embedded profile was converted to sRGB) or
        "ignored" (a profile was present but unusable).
    """

    image: Image.Image
    original_size: tuple[int, int]
    format: str | None
    icc: str = "none"

    def to_array(self) -> np.ndarray:
        """(H, W, 3|4) uint8 copy of the pixels."""
        return np.asarray(self.image)


def source_label(source: object) -> str:
    """A short human name for a source, for messages and ``meta``."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    if isinstance(source, Image.Image):
        return f"<PIL image {source.mode} {source.size[0]}x{source.size[1]}>"
    if isinstance(source, np.ndarray):
        return f"<array {'x'.join(map(str, source.shape))} {source.dtype}>"
    name = getattr(source, "name", None)
    if isinstance(name, str):
        return name
    return f"<{type(source).__name__}>"


def working_size(size: tuple[int, int], max_pixels: int | None) -> tuple[int, int]:
    """Largest (width, height) with the same aspect ratio and at most
    ``max_pixels`` pixels (never upscaled, never below 1x1)."""
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


def _is_url(text: str) -> bool:
    head = text[:8].lower()
    return head.startswith("http://") or head.startswith("https://")


def _has_scheme(text: str) -> bool:
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.isalpha() and len(scheme) > 1


def _read_capped(stream: IO[bytes], max_bytes: int, label: str) -> bytes:
    data = stream.read(max_bytes + 1)
    if not isinstance(data, (bytes, bytearray)):
        raise ImageLoadError(f"{label}: file object returned {type(data).__name__}, not bytes")
    if len(data) > max_bytes:
        raise ImageTooLargeError(f"{label}: more than {max_bytes} bytes")
    return bytes(data)


def _open(source: Any, options: Any, label: str) -> Image.Image:
    """Open (not decode) the source with Pillow, or wrap an in-memory image."""
    if isinstance(source, Image.Image):
        return source
    if isinstance(source, np.ndarray):
        return _array_to_image(source, label)
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if isinstance(text, bytes):
            text = os.fsdecode(text)
        if _is_url(text):
            from .fetch import fetch_url

            data = fetch_url(text, timeout=options.timeout, max_bytes=options.max_bytes)
            return _open_bytes(data, label)
        if _has_scheme(text) and not os.path.exists(text):
            scheme = text.partition("://")[0]
            raise UnsupportedImageError(f"{label}: only http and https URLs are supported, not {scheme}://")
        path = Path(text)
        if path.is_dir():
            raise ImageNotFoundError(f"{label}: is a directory, not an image file")
        if not path.exists():
            raise ImageNotFoundError(f"{label}: no such file")
        try:
            if path.stat().st_size == 0:
                raise UnsupportedImageError(f"{label}: empty file")
            handle = open(path, "rb")  # noqa: SIM115 - Pillow closes it after load
        except PermissionError:
            raise ImageLoadError(f"{label}: permission denied") from None
        except OSError as exc:
            raise ImageLoadError(f"{label}: cannot read ({exc.strerror or exc})") from None
        return _open_stream(handle, label)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _open_bytes(bytes(source), label)
    if hasattr(source, "read"):
        try:
            data = _read_capped(source, options.max_bytes, label)
        except OSError as exc:
            if isinstance(exc, ImageLoadError):
                raise
            raise ImageLoadError(f"{label}: cannot read ({exc})") from None
        return _open_bytes(data, label)
    raise OptionsError(
        f"cannot read an image from {type(source).__name__}: expected a path, URL, bytes, "
        "binary file object, PIL image or numpy array"
    )


def _open_bytes(data: bytes, label: str) -> Image.Image:
    if not data:
        raise UnsupportedImageError(f"{label}: empty data")
    return _open_stream(io.BytesIO(data), label)


def _open_stream(stream: IO[bytes], label: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(stream)
    except UnidentifiedImageError:
        stream.close()
        raise UnsupportedImageError(f"{label}: not an image, or a format Pillow cannot read") from None
    except Image.DecompressionBombError as exc:
        stream.close()
        raise ImageTooLargeError(f"{label}: {exc}") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        stream.close()
        raise ImageLoadError(f"{label}: cannot read header ({exc})") from None


def _array_to_image(array: np.ndarray, label: str) -> Image.Image:
    if array.ndim == 2:
        array = array[:, :, None].repeat(3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise OptionsError(f"{label}: array must have shape (H, W), (H, W, 3) or (H, W, 4)")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise EmptyImageError(f"{label}: image has no pixels")
    if array.dtype == np.uint8:
        data = array
    elif np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise OptionsError(f"{label}: float array contains NaN or infinity")
        lo, hi = float(array.min()), float(array.max())
        if lo < 0.0 or hi > 1.0:
            raise OptionsError(f"{label}: float array values must be in [0, 1], found [{lo:g}, {hi:g}]")
        data = np.floor(array * 255.0 + 0.5).astype(np.uint8)
    elif array.dtype == np.uint16:
        data = ((array.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    elif array.dtype == np.bool_:
        data = array.astype(np.uint8) * 255
    else:
        raise OptionsError(
            f"{label}: unsupported array dtype {array.dtype} (use uint8, uint16, or float in [0, 1])"
        )
    mode = "RGBA" if data.shape[2] == 4 else "RGB"
    return Image.fromarray(np.ascontiguousarray(data), mode=mode)


def _to_rgb_modes(image: Image.Image) -> Image.Image:
    """Any Pillow mode -> "RGB" or "RGBA" 8-bit, scaling high bit depths."""
    mode = image.mode
    if mode in ("RGB", "RGBA"):
        return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float64)
        if mode == "F":
            finite = values[np.isfinite(values)]
            peak = float(finite.max()) if finite.size else 0.0
            scale = 255.0 if peak <= 1.0 else 1.0
        elif mode == "I" and float(values.max(initial=0)) <= 255:
            scale = 1.0
        else:
            scale = 255.0 / 65535.0
        gray = np.clip(np.nan_to_num(values * scale), 0, 255)
        return Image.fromarray(np.floor(gray + 0.5).astype(np.uint8), mode="L").convert("RGB")
    if mode == "P" and "transparency" in image.info:
        return image.convert("RGBA")
    if mode in ("LA", "La", "PA", "RGBa", "RGBX") or "A" in mode:
        return image.convert("RGBA")
    return image.convert("RGB")


def _apply_icc(image: Image.Image, profile: bytes) -> tuple[Image.Image, str]:
    try:
        from PIL import ImageCms

        source_profile = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        srgb = ImageCms.createProfile("sRGB")
        mode = image.mode
        if mode == "RGBA":
            rgb = ImageCms.profileToProfile(image.convert("RGB"), source_profile, srgb, outputMode="RGB")
            assert rgb is not None
            rgb.putalpha(image.getchannel("A"))
            return rgb, "converted"
        if mode not in ("RGB", "CMYK", "L"):
            return image, "ignored"
        converted = ImageCms.profileToProfile(image, source_profile, srgb, outputMode="RGB")
        assert converted is not None
        return converted, "converted"
    except Exception:  # a broken or unusual profile must not make the image unreadable
        return image, "ignored"


def load_image(source: ImageSource, options: Any, max_pixels: int | None = None) -> LoadedImage:
    """Read a source into an upright 8-bit sRGB(A) image at working size.

    Parameters
    ----------
    source
        A path (str or PathLike), an http(s) URL, bytes, a binary file object,
        a ``PIL.Image.Image``, or a numpy array (H, W[, 3|4]) of uint8, uint16
        or float in [0, 1].
    options : Options
        Reads ``max_pixels``, ``max_image_pixels``, ``max_bytes``, ``timeout``.
    max_pixels : int or None
        Overrides ``options.max_pixels`` (used to load display-size images).

    Raises
    ------
    ImageNotFoundError, UnsupportedImageError, ImageTooLargeError, FetchError,
    ImageLoadError, EmptyImageError, OptionsError
    """
    label = source_label(source)
    limit = options.max_pixels if max_pixels is None else max_pixels
    opened = _open(source, options, label)
    image = opened
    owned = opened is not source
    try:
        original_size = image.size
        width, height = original_size
        if width * height == 0:
            raise EmptyImageError(f"{label}: image has no pixels")
        if width * height > options.max_image_pixels:
            raise ImageTooLargeError(
                f"{label}: {width}x{height} = {width * height} pixels exceeds the limit of "
                f"{options.max_image_pixels} (option max_image_pixels)"
            )
        fmt = image.format
        orientation = 1
        try:
            orientation = int(image.getexif().get(_EXIF_ORIENTATION, 1) or 1)
        except Exception:  # unreadable EXIF is not a reason to refuse the image
            orientation = 1
        icc_profile = image.info.get("icc_profile")
        target = working_size(original_size, limit)
        if fmt == "JPEG" and owned and target != original_size:
            image.draft("RGB" if image.mode != "CMYK" else "CMYK", target)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                image.load()
        except Image.DecompressionBombError as exc:
            raise ImageTooLargeError(f"{label}: {exc}") from None
        except (OSError, ValueError, SyntaxError, EOFError, IndexError, struct_error) as exc:
            raise ImageLoadError(f"{label}: cannot decode image ({exc})") from None
        except MemoryError:
            raise ImageTooLargeError(f"{label}: not enough memory to decode") from None

        icc = "none"
        if icc_profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
            image, icc = _apply_icc(image, icc_profile)
        try:
            image = _to_rgb_modes(image)
        except (OSError, ValueError) as exc:
            raise ImageLoadError(f"{label}: cannot convert mode {image.mode} ({exc})") from None
        if image.size != target:
            image = image.resize(target, Image.Resampling.BOX, reducing_gap=2.0)
        transpose = _TRANSPOSE_FOR_ORIENTATION.get(orientation)
        if transpose is not None:
            image = image.transpose(transpose)
        if image is opened:
            # Detach the result from the source: its file is closed below, and
            # a caller's own image must never be returned for mutation.
            image = image.copy()
        return LoadedImage(image=image, original_size=original_size, format=fmt, icc=icc)
    finally:
        if owned:
            opened.close()


