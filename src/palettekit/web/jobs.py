"""The work one request asks for, run in a worker process: plain functions of bytes.

Each job takes the image's bytes, a label for messages and ``meta.source``,
and a validated :class:`~palettekit.options.Options`, and returns the bytes or
text to send back. :func:`web_job` is what the server hands a worker process
(:class:`~palettekit.web.queue.WorkerPool`) once :func:`preflight`, the
header check, has passed in another: the palette and its rendering, with plain
data in and out. Palettes are kept in a
small LRU cache in the server, keyed by the image's digest, label and
options, so that a download of the CSS or the bar after the JSON does not
cluster the same image again.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from ..options import Options
from ..palette import Palette

__all__ = [
    "PaletteCache",
    "preflight",
    "palette_job",
    "export_job",
    "bar_job",
    "figure_job",
    "preview_job",
    "PREVIEW_PIXELS",
    "named_bytes",
    "web_job",
    "check_figure_size",
    "FIGURE_MAX_PIXELS",
]

PREVIEW_PIXELS = 2_000_000
"""Largest size of the image ``POST /api/preview`` sends back, in pixels."""

FIGURE_MAX_PIXELS = 24_000_000
"""Largest figure ``POST /api/figure.png`` draws, bounded as ``width x (width + bar_height)``
pixels: a 4096-pixel-wide square image with a 1,500-pixel bar fits, 4096 x 4096 of bar
(34 megapixels, 260 MB while drawn) does not."""


def check_figure_size(render: Mapping[str, Any]) -> None:
    """Refuse a figure larger than :data:`FIGURE_MAX_PIXELS` before any work is done.

    ``render`` holds the request's ``width`` and ``bar_height`` where given
    (the others take :func:`palettekit.render.figure`'s defaults).

    Raises
    ------
    OptionsError
        ``width x (width + bar_height)`` is over the limit.
    """
    import inspect

    from ..errors import OptionsError
    from ..render import figure

    defaults = inspect.signature(figure).parameters
    width = int(render.get("width", defaults["width"].default))
    bar_height = int(render.get("bar_height", defaults["bar_height"].default))
    pixels = width * (width + bar_height)
    if pixels > FIGURE_MAX_PIXELS:
        raise OptionsError(
            f"a figure of width {width} and bar_height {bar_height} takes up to {pixels} "
            f"pixels, more than the limit of {FIGURE_MAX_PIXELS}; lower width or bar_height"
        )


def named_bytes(data: bytes, label: str) -> io.BytesIO:
    """A binary stream over ``data`` whose ``name`` is ``label`` (shown in ``meta.source``)."""
    stream = io.BytesIO(data)
    stream.name = label
    return stream


def preflight(data: bytes, label: str, options: Options) -> None:
    """Refuse, from the header alone, what is not an image or declares too many
    pixels or too much decoding memory.

    The server runs it on its own small thread pool before a request takes
    a clustering worker, so a flood of non-images and decompression bombs
    never queues for one; and never on the event loop: reading a header is
    cheap for honest files but not for all (Pillow parses JPEG markers and
    PNG chunks in Python, and a file can hold millions of them). Everything
    it lets through is still fully checked by :func:`palettekit.extract`.

    Raises
    ------
    UnsupportedImageError
        Pillow does not recognise the data as an image.
    ImageTooLargeError
        The header declares more than ``options.max_image_pixels`` pixels.
    """
    from PIL import Image, UnidentifiedImageError

    from ..errors import ImageLoadError, ImageTooLargeError, UnsupportedImageError
    from ..load import check_decode_bytes, check_header_segments

    # No warnings.catch_warnings() here: it swaps process-wide state and this
    # runs beside worker threads. Pillow's DecompressionBombWarning is only
    # seen as an exception when the filters say "error"; either way the size
    # check below decides.
    stream = io.BytesIO(data)
    check_header_segments(stream, label)
    try:
        image = Image.open(stream)
    except UnidentifiedImageError:
        raise UnsupportedImageError(
            f"{label}: not an image, or a format Pillow cannot read"
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"{label}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a broken header is the decoder's to report
        raise ImageLoadError(f"{label}: cannot read header ({exc})") from None
    with image:
        width, height = image.size
        if width * height > options.max_image_pixels:
            raise ImageTooLargeError(
                f"{label}: {width}x{height} = {width * height} pixels exceeds the limit of "
                f"{options.max_image_pixels}"
            )
        if image.format != "JPEG":  # a JPEG is judged at the scale it is drafted to, later
            check_decode_bytes(image, label, options.max_decode_bytes)


class PaletteCache:
    """A thread-safe LRU cache of palettes, at most ``size`` entries."""

    def __init__(self, size: int = 128):
        self.size = size
        self._entries: OrderedDict[tuple[str, str, Options], Palette] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(data: bytes, label: str, options: Options) -> tuple[str, str, Options]:
        return (hashlib.sha256(data).hexdigest(), label, options)

    def get(self, key: tuple[str, str, Options]) -> Palette | None:
        with self._lock:
            palette = self._entries.get(key)
            if palette is not None:
                self._entries.move_to_end(key)
            return palette

    def put(self, key: tuple[str, str, Options], palette: Palette) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = palette
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def palette_job(
    data: bytes, label: str, options: Options, cache: PaletteCache | None = None
) -> Palette:
    """Extract the palette of an encoded image.

    Parameters
    ----------
    data : bytes
        The encoded image, at most ``options.max_bytes`` long.
    label : str
        Name of the source, for messages and ``meta.source``.
    options : Options
        Validated options, the server's limits applied.
    cache : PaletteCache, optional
        Where to look the palette up first, and keep it after.

    Raises
    ------
    palettekit.errors.PaletteError
        Any error of :func:`palettekit.extract`.
    """
    from ..pipeline import extract

    key = PaletteCache.key(data, label, options) if cache is not None else None
    if cache is not None and key is not None:
        cached = cache.get(key)
        if cached is not None:
            return cached
    palette = extract(named_bytes(data, label), options=options, warn=False)
    if cache is not None and key is not None:
        cache.put(key, palette)
    return palette


def export_job(
    data: bytes, label: str, options: Options, fmt: str, cache: PaletteCache | None = None
) -> str | bytes:
    """The palette of an image in a registered format (``"json"``, ``"css"``, ``"gpl"`` ...),
    as :func:`palettekit.formats.export` writes it with the format's defaults
    (``"json"`` is the CLI's ``--format json``)."""
    from ..formats import export

    palette = palette_job(data, label, options, cache)
    return export(palette, fmt)


def bar_job(
    data: bytes,
    label: str,
    options: Options,
    render: Mapping[str, Any],
    cache: PaletteCache | None = None,
) -> bytes:
    """PNG of the palette bar (:func:`palettekit.render.palette_bar`) of an image.

    ``render`` holds ``width``, ``height`` and ``labels`` as given by the
    request (already validated); the others keep render's defaults.
    """
    from ..render import palette_bar, png_bytes

    palette = palette_job(data, label, options, cache)
    return png_bytes(palette_bar(palette, **render))


def figure_job(
    data: bytes,
    label: str,
    options: Options,
    render: Mapping[str, Any],
    cache: PaletteCache | None = None,
    palette: Palette | None = None,
) -> bytes:
    """PNG of the figure (:func:`palettekit.render.figure`): the image, upright, with its bar.

    The image is decoded once more at a display size no larger than the
    working size allowed by ``options.max_pixels`` times four, so a figure of a
    huge photo costs what a palette of it costs.
    """
    from ..load import load_image
    from ..render import figure, png_bytes

    if palette is None:
        palette = palette_job(data, label, options, cache)
    display_pixels = None if options.max_pixels is None else options.max_pixels * 4
    loaded = load_image(named_bytes(data, label), options, max_pixels=display_pixels, display=True)
    return png_bytes(figure(loaded.image, palette, **render))


def preview_job(data: bytes, label: str, options: Options) -> tuple[bytes, str]:
    """The image as the server read it, for the page to show: upright, sRGB, at most
    :data:`PREVIEW_PIXELS` pixels (box-filtered), as JPEG, or PNG when it has
    transparency.

    Returns
    -------
    (bytes, str)
        The encoded image and its media type.
    """
    from ..load import load_image

    loaded = load_image(named_bytes(data, label), options, max_pixels=PREVIEW_PIXELS, display=True)
    stream = io.BytesIO()
    if loaded.image.mode == "RGBA":
        loaded.image.save(stream, "PNG", compress_level=3)
        return stream.getvalue(), "image/png"
    loaded.image.save(stream, "JPEG", quality=88)
    return stream.getvalue(), "image/jpeg"


def web_job(
    kind: str,
    data: bytes,
    label: str,
    options: Options,
    extra: Mapping[str, Any],
    palette: Palette | None = None,
) -> tuple[Palette | None, bytes | tuple[bytes, str] | None]:
    """One request's work, as a worker process runs it: extract, render.

    Parameters
    ----------
    kind : {"palette", "bar", "figure", "preview"}
        The route.
    data : bytes
        The encoded image.
    label : str
        Name of the source, for messages and ``meta.source``.
    options : Options
        Validated options, the server's limits applied.
    extra : mapping
        The render sizes for "bar" and "figure" (nothing for the others).
    palette : Palette, optional
        The image's palette when the server has it already (then the image is
        decoded again only for a figure or a preview).

    Returns
    -------
    (Palette or None, result)
        The palette (None for a preview) and what the route sends: PNG
        bytes, the preview's bytes and media type, or None for "palette"
        (the server exports the palette itself: formats registered in its
        process, by a plugin or at run time, are known there only).

    The server has run :func:`preflight` on the bytes first, in a worker of
    its own with a shorter deadline.
    """
    if kind == "preview":
        return None, preview_job(data, label, options)
    if palette is None:
        palette = palette_job(data, label, options)
    if kind == "palette":  # exported by the server, whose format registry it is
        return palette, None
    if kind == "bar":
        from ..render import palette_bar, png_bytes

        return palette, png_bytes(palette_bar(palette, **extra))
    return palette, figure_job(data, label, options, extra, palette=palette)
