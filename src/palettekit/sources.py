"""Image sources to bytes: one URL test, one label, one reader of paths and files, the limits.

A source is a path (str or PathLike), an http(s) URL, bytes, or a binary file
object. Every byte read counts against ``Options.max_bytes``, whatever the
source: a file larger than the limit is refused from its size before it is
read, a file object or download once the limit is passed.
"""

from __future__ import annotations

import os
import re
import stat
from typing import IO, Any

import numpy as np
from PIL import Image

from .display_text import one_line, reason_of
from .errors import (
    ImageLoadError,
    ImageNotFoundError,
    ImageTooLargeError,
    OptionsError,
    UnsupportedImageError,
)

__all__ = [
    "READ_CHUNK",
    "is_url",
    "source_label",
    "open_path",
    "check_byte_count",
    "read_file_object",
    "source_bytes",
]

READ_CHUNK = 1 << 20
"""Bytes asked of a file object per read."""

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://|^data:", re.IGNORECASE)


def is_url(text: str) -> bool:
    """True if ``text`` is written as a URL (``scheme://...`` or ``data:``), not a path.

    Only http(s) URLs are fetched; :mod:`palettekit.fetch` refuses the other
    schemes with a message that names them. A path that exists wins over a
    URL of the same spelling: callers check ``os.path.exists`` first.
    """
    return _URL_RE.match(text) is not None


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
        if is_url(text):
            from .fetch import display_url  # an I/O edge: not imported by this lower layer

            return display_url(text)
        return one_line(text, 160, escape=True)
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


def open_path(text: str, label: str) -> IO[bytes]:
    """Open a regular, non-empty file for binary reading.

    Raises
    ------
    ImageNotFoundError
        No such file, or a directory.
    UnsupportedImageError
        Not a regular file (a FIFO or device), or empty.
    ImageLoadError
        Permission denied or another OS error.
    """
    try:
        kind = os.stat(text).st_mode
        # A FIFO would block until a writer comes, a device may never end:
        # only regular files are opened.
        handle = open(text, "rb") if stat.S_ISREG(kind) else None  # noqa: SIM115
    except (FileNotFoundError, NotADirectoryError):
        raise ImageNotFoundError(f"{label}: no such file") from None
    except PermissionError:
        raise ImageLoadError(f"{label}: permission denied") from None
    except (OSError, ValueError) as exc:
        raise ImageLoadError(f"{label}: cannot open ({reason_of(exc)})") from None
    if handle is None:
        if stat.S_ISDIR(kind):
            raise ImageNotFoundError(f"{label}: is a directory, not an image file")
        raise UnsupportedImageError(f"{label}: not a regular file")
    try:
        empty = os.fstat(handle.fileno()).st_size == 0
    except OSError:
        empty = False
    if empty:
        handle.close()
        raise UnsupportedImageError(f"{label}: empty file")
    return handle


def check_byte_count(size: int, max_bytes: int, label: str) -> None:
    """The same byte limit for files and bytes as for downloads and file objects."""
    if size > max_bytes:
        raise ImageTooLargeError(
            f"{label}: {size} bytes is more than the limit of {max_bytes} (option max_bytes)"
        )


def read_file_object(stream: Any, max_bytes: int, label: str) -> bytes:
    """Every byte of a caller's binary file object, at most ``max_bytes``."""
    chunks: list[bytes] = []
    size = 0
    while True:  # a pipe or socket may return less than asked for
        try:
            chunk = stream.read(min(READ_CHUNK, max_bytes + 1 - size))
        except Exception as exc:  # the caller's object may raise anything
            raise ImageLoadError(f"{label}: reading failed ({reason_of(exc)})") from None
        if isinstance(chunk, str):
            raise ImageLoadError(
                f"{label}: file object is in text mode (read() returned str); open it with 'rb'"
            )
        if chunk is None:
            raise ImageLoadError(f"{label}: file object returned None (non-blocking stream?)")
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise ImageLoadError(f"{label}: file object returned {type(chunk).__name__}, not bytes")
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise ImageTooLargeError(f"{label}: more than {max_bytes} bytes (option max_bytes)")
        chunks.append(bytes(chunk))


def source_bytes(source: Any, options: Any, label: str) -> bytes:
    """The encoded bytes of a path, URL, bytes-like or file-object source.

    Parameters
    ----------
    source
        A path, an http(s) URL, bytes-like, or a binary file object.
    options : Options
        ``max_bytes`` bounds what is read; ``timeout`` and
        ``block_private_urls`` apply to URLs.
    label : str
        The source's name in messages.

    Raises
    ------
    ImageLoadError
        (and subclasses) The source cannot be read, or is larger than ``max_bytes``.
    OptionsError
        ``source`` is of another type.
    """
    if isinstance(source, (str, os.PathLike)):
        text = os.fsdecode(os.fspath(source))
        if is_url(text) and not os.path.exists(text):
            from .fetch import fetch_with_options

            return fetch_with_options(text, options)
        with open_path(text, label) as handle:
            check_byte_count(os.fstat(handle.fileno()).st_size, options.max_bytes, label)
            data = handle.read(options.max_bytes + 1)
        check_byte_count(len(data), options.max_bytes, label)
        return data
    if isinstance(source, (bytes, bytearray, memoryview)):
        check_byte_count(memoryview(source).nbytes, options.max_bytes, label)
        return bytes(source)
    if hasattr(source, "read"):
        return read_file_object(source, options.max_bytes, label)
    raise OptionsError(f"cannot read an image from {type(source).__name__}")
