"""One source's outcome in a batch: how it is computed and handed back in order.

:func:`extract_one` is the work of a batch, the same on the local process pool
(:mod:`palettekit.batch.runner`) and on a Dask cluster
(:mod:`palettekit.batch.dask_runner`); :class:`ResultOrderer` gives results
back in input order for both.
"""

from __future__ import annotations

import os
import time
import warnings
from collections import deque
from dataclasses import dataclass
from typing import Any

from ..display_text import one_line
from ..options import Options
from ..sources import is_url

__all__ = [
    "BatchResult",
    "extract_one",
    "ResultOrderer",
    "default_workers",
    "source_file_bytes",
    "RECORD_KEYS",
    "record_source",
    "source_text",
    "valid_text",
]


@dataclass(frozen=True)
class BatchResult:
    """The outcome for one source of a batch.

    Attributes
    ----------
    index : int
        Position of the source in the input stream (0-based, duplicates
        dropped).
    source : str
        The source as given or found.
    palette : dict or None
        ``Palette.to_dict()`` (schema ``palettekit.palette/2``, without
        timings) of a successful extraction, else None.
    error_type : str or None
        Class name of the exception for a failed source (e.g.
        ``"ImageNotFoundError"``), else None.
    error : str or None
        One-line message of that exception, else None.
    seconds : float
        Wall time spent on this source in the worker, >= 0.
    file_bytes : int or None
        Size in bytes of a local file source, None for URLs or missing files.
    """

    index: int
    source: str
    palette: dict[str, Any] | None
    error_type: str | None = None
    error: str | None = None
    seconds: float = 0.0
    file_bytes: int | None = None

    @property
    def ok(self) -> bool:
        """True when a palette was extracted."""
        return self.palette is not None

    def to_record(self) -> dict[str, Any]:
        """The flat row written to results files (same keys for every row,
        :data:`RECORD_KEYS`, in that order; all text valid Unicode).

        Keys: index, source, ok, width, height, bytes, k, k_returned,
        colors (list of {hex, rgb, share, count, oklab, name}), distortion,
        warnings, seconds, error_type, error, source_bytes. A source whose
        name is not valid UTF-8 (a file name in another encoding) has its
        undecodable bytes written as ``\\xNN`` escapes in ``source`` and its
        exact bytes, hexadecimal, in ``source_bytes`` (None otherwise); see
        :func:`record_source`.
        """
        meta: dict[str, Any] = self.palette["meta"] if self.palette else {}
        size = meta.get("original_size") or [None, None]
        source, source_bytes = source_text(self.source)
        return {
            "index": self.index,
            "source": source,
            "ok": self.ok,
            "width": size[0],
            "height": size[1],
            "bytes": self.file_bytes,
            "k": meta.get("k"),
            "k_returned": meta.get("k_returned"),
            "colors": self.palette["colors"] if self.palette else None,
            "distortion": meta.get("distortion"),
            "warnings": [valid_text(w) for w in meta.get("warnings", [])] if self.palette else None,
            "seconds": round(self.seconds, 6),
            "error_type": self.error_type,
            "error": None if self.error is None else valid_text(self.error),
            "source_bytes": source_bytes,
        }


RECORD_KEYS = (
    "index",
    "source",
    "ok",
    "width",
    "height",
    "bytes",
    "k",
    "k_returned",
    "colors",
    "distortion",
    "warnings",
    "seconds",
    "error_type",
    "error",
    "source_bytes",
)
"""The keys of a results record, in the order they are written."""

LEGACY_RECORD_KEYS = RECORD_KEYS[:-1]
"""The keys of records written before ``source_bytes`` (still read and resumed)."""


def _raw(text: str) -> bytes:
    """The bytes a source string stands for (undecodable bytes of a file name
    are lone surrogates, as :func:`os.fsdecode` makes them)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # surrogates that stand for no byte
        return text.encode("utf-8", "surrogatepass")


def valid_text(text: str) -> str:
    """``text`` as valid Unicode: undecodable bytes become ``\\xNN`` escapes."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _raw(text).decode("utf-8", "backslashreplace")
    return text


def source_text(source: str) -> tuple[str, str | None]:
    """(valid text, hexadecimal bytes or None) of a source, losslessly."""
    text = valid_text(source)
    return (text, None) if text is source else (text, _raw(source).hex())


def record_source(record: dict[str, Any]) -> str:
    """The source of a results record as :func:`~palettekit.batch.expand.expand_sources`
    gave it: from ``source_bytes`` when present, else ``source``."""
    raw = record.get("source_bytes")
    if isinstance(raw, str) and raw:
        return bytes.fromhex(raw).decode("utf-8", "surrogateescape")
    return str(record["source"])


def source_file_bytes(source: str) -> int | None:
    """Size in bytes of a file source; None for a URL or a file that cannot be read."""
    if is_url(source):
        return None
    try:
        return os.stat(source).st_size
    except (OSError, ValueError):
        return None


def extract_one(index: int, source: str, options: Options) -> BatchResult:
    """Extract one source, turning any exception into a failed result.

    Pure with respect to the process: warnings are recorded in the palette's
    meta, never emitted.
    """
    from ..pipeline import extract

    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            palette = extract(source, options=options, warn=False)
        data = palette.to_dict()
        return BatchResult(
            index,
            source,
            data,
            seconds=time.perf_counter() - start,
            file_bytes=source_file_bytes(source),
        )
    except MemoryError:  # an Exception too: caught first, so that it is named
        return BatchResult(
            index, source, None, "MemoryError", "out of memory", time.perf_counter() - start
        )
    except Exception as exc:  # one bad source must not stop the run
        message = one_line(str(exc)) or type(exc).__name__
        return BatchResult(
            index,
            source,
            None,
            error_type=type(exc).__name__,
            error=message,
            seconds=time.perf_counter() - start,
            file_bytes=source_file_bytes(source),
        )


def default_workers() -> int:
    """Number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class ResultOrderer:
    """Hands results back in submission order when asked to."""

    def __init__(self, ordered: bool) -> None:
        self.ordered = ordered
        self.submitted: deque[int] = deque()
        self.waiting: dict[int, BatchResult] = {}

    def submit(self, index: int) -> None:
        if self.ordered:
            self.submitted.append(index)

    def done(self, result: BatchResult) -> list[BatchResult]:
        if not self.ordered:
            return [result]
        self.waiting[result.index] = result
        out = []
        while self.submitted and self.submitted[0] in self.waiting:
            out.append(self.waiting.pop(self.submitted.popleft()))
        return out

    @property
    def held(self) -> int:
        return len(self.waiting)
