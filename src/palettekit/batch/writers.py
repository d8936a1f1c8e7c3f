"""Results files that never lose finished work: JSON Lines, CSV, Parquet.

Every writer appends each record as soon as it arrives, so a crash loses at
most the records still in flight. ``resume=True`` reads what an interrupted
run left, repairs a torn tail, and reports the sources already done so the
run can skip them: after any number of interruptions each source appears
exactly once.

- JSON Lines (``.jsonl``, ``.ndjson``, anything else by default): one JSON
  object per line. Each record goes out in one ``write`` call; the file is
  fsynced at least every second and on close. On resume a last line without
  its newline, or unparsable lines at the end (zeros after a power loss), are
  cut off; a bad line followed by good ones is an error.
- CSV (``.csv``): a header, then one row per source; the palette as
  space-separated ``hex`` and ``shares`` columns and a ``names`` column
  separated by ``|`` (names such as "olive green" have spaces). Same tail
  repair.
- One run at a time: each writer locks its output (:mod:`.lock`) before it
  touches it, and a second run on the same output is refused at once.
- Parquet (``.parquet``): a *directory* of part files (a Parquet dataset, read
  with ``pyarrow.parquet.read_table(path)`` or ``pandas.read_parquet(path)``).
  Rows are buffered and written as a part when ``rows_per_part`` rows are
  waiting or ``part_seconds`` have passed, each part to a temporary name,
  fsynced, then renamed into place: a part is either whole or absent. An
  interruption loses only the buffered rows, which resume runs again.
"""

from __future__ import annotations

import array
import csv
import io
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._io import sync_directory
from ..display_text import one_line
from ..errors import ResultsFileError, require_extra
from .expand import source_digest
from .lock import OutputLock
from .results import LEGACY_RECORD_KEYS, RECORD_KEYS, record_source

__all__ = [
    "RESULTS_FORMATS",
    "PARQUET_SUFFIXES",
    "CSV_SUFFIXES",
    "CSV_COLUMNS",
    "ResumeState",
    "ResultsWriter",
    "JsonlWriter",
    "CsvWriter",
    "ParquetWriter",
    "results_format_of",
    "open_writer",
    "read_records",
]

RESULTS_FORMATS = ("jsonl", "csv", "parquet")
"""The kinds of results file. Their rows are one per source (index, source, ok,
sizes, the palette, error ...), not the palettes of :mod:`palettekit.formats`,
so their writers live here; which suffix names a JSON Lines or CSV file is
the format registry's knowledge."""

PARQUET_SUFFIXES = (".parquet", ".pq")

CSV_SUFFIXES = (".csv",)
"""The suffixes of the format registry's ``csv`` format (a test keeps them equal),
held here so that a batch run does not import the registry and its exporters
(100-350 ms before the first worker could start)."""

CSV_COLUMNS = (
    "index",
    "source",
    "ok",
    "width",
    "height",
    "bytes",
    "k",
    "k_returned",
    "hex",
    "shares",
    "names",
    "distortion",
    "seconds",
    "error_type",
    "error",
    "source_bytes",
)

LEGACY_CSV_COLUMNS = CSV_COLUMNS[:-1]
"""The columns of CSV files written before ``source_bytes`` (still read and resumed)."""

NAME_SEPARATOR = "|"
"""Separates the color names in the CSV ``names`` column."""

_SYNC_SECONDS = 1.0


def results_format_of(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """Results format: ``fmt`` if given, else by suffix: :data:`CSV_SUFFIXES`,
    :data:`PARQUET_SUFFIXES`, else JSON Lines."""
    if fmt is not None:
        if fmt not in RESULTS_FORMATS:
            raise ResultsFileError(
                f"unknown results format {fmt!r} (use {', '.join(RESULTS_FORMATS)})"
            )
        return fmt
    suffix = os.path.splitext(os.fspath(path).rstrip("/" + os.sep))[1].lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    return "jsonl"


class DigestSet:
    """A compact set of 64-bit digests: appended, then frozen into a sorted array."""

    def __init__(self) -> None:
        self._pending = array.array("Q")
        self._sorted = np.zeros(0, np.uint64)

    def add(self, digest: int) -> None:
        self._pending.append(digest)

    def _freeze(self) -> None:
        if len(self._pending):
            fresh = np.frombuffer(self._pending, dtype=np.uint64)
            self._sorted = np.unique(np.concatenate([self._sorted, fresh]))
            self._pending = array.array("Q")

    def __contains__(self, digest: object) -> bool:
        self._freeze()
        if not isinstance(digest, int) or self._sorted.shape[0] == 0:
            return False
        value = np.uint64(digest)
        at = int(np.searchsorted(self._sorted, value))
        return at < self._sorted.shape[0] and self._sorted[at] == value

    def __len__(self) -> int:
        self._freeze()
        return int(self._sorted.shape[0])


@dataclass
class ResumeState:
    """What an earlier run left in the results file.

    Attributes
    ----------
    done : DigestSet
        :func:`~palettekit.batch.expand.source_digest` of every source with
        a record (8 bytes per source, so a resume of millions stays small).
    ok, failed : int
        Records of successful and failed sources.
    repaired_bytes : int
        Bytes of a torn tail that were cut off (0 if none).
    """

    done: DigestSet = field(default_factory=lambda: DigestSet())
    ok: int = 0
    failed: int = 0
    repaired_bytes: int = 0

    def add(self, source: str, ok: bool) -> None:
        self.done.add(source_digest(source))
        if ok:
            self.ok += 1
        else:
            self.failed += 1


class ResultsWriter:
    """Base class: ``open()``, then ``write(record)`` per result, then ``close()``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._lock: OutputLock | None = None

    def open(self, *, resume: bool = False, overwrite: bool = False) -> ResumeState:
        """Lock the output, then create, replace or continue it.

        Raises
        ------
        ResultsFileError
            Another run is writing the output, or it cannot be written or
            resumed.
        """
        self._take_lock()
        try:
            return self._open(resume=resume, overwrite=overwrite)
        except BaseException:
            self._drop_lock()
            raise

    def _open(self, *, resume: bool, overwrite: bool) -> ResumeState:
        raise NotImplementedError

    def _take_lock(self) -> None:
        parent = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(parent):
            raise ResultsFileError(f"cannot write {self.path}: no such directory {parent}")
        if self._lock is None:
            self._lock = OutputLock.acquire(self.path)

    def _drop_lock(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def write(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_target(path: str, resume: bool, overwrite: bool) -> bool:
    """Return whether an existing output should be continued."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise ResultsFileError(f"cannot write {path}: no such directory {parent}")
    exists = os.path.lexists(path)
    if exists and not resume and not overwrite:
        raise ResultsFileError(
            f"{path} already exists: pass --resume to continue it or --overwrite to replace it"
        )
    return exists and resume


class _AppendFile(ResultsWriter):
    """A text results file appended one record per ``os.write``."""

    header: bytes = b""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self._fd: int | None = None
        self._size = 0  # bytes of complete records on disk
        self._last_sync = 0.0

    def _open(self, *, resume: bool, overwrite: bool) -> ResumeState:
        continuing = _check_target(self.path, resume, overwrite)
        state = ResumeState()
        if continuing and os.path.isdir(self.path):
            raise ResultsFileError(f"{self.path} is a directory, not a results file")
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        if not continuing:
            flags |= os.O_TRUNC
        try:
            if continuing:
                state = self._scan_and_repair()
            self._fd = os.open(self.path, flags, 0o666)
            self._size = os.fstat(self._fd).st_size
        except OSError as exc:
            if isinstance(exc, ResultsFileError):
                raise
            raise ResultsFileError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        if self._size == 0 and self.header:
            self._append(self.header)
        self._last_sync = time.monotonic()
        return state

    def _scan_and_repair(self) -> ResumeState:
        raise NotImplementedError

    def _encode(self, record: dict[str, Any]) -> bytes:
        raise NotImplementedError

    def write(self, record: dict[str, Any]) -> None:
        self._append(self._encode(record))
        now = time.monotonic()
        if now - self._last_sync >= _SYNC_SECONDS:
            self._sync()
            self._last_sync = now

    def _append(self, data: bytes) -> None:
        assert self._fd is not None, "open() first"
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as exc:
            # Leave no torn record behind (a full disk, a quota, an I/O error).
            try:
                os.ftruncate(self._fd, self._size)
            except OSError:
                pass
            raise ResultsFileError(
                f"cannot write {self.path}: {exc.strerror or exc}; "
                "the results written so far are kept (continue with --resume)"
            ) from None
        self._size += len(data)

    def _sync(self) -> None:
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            except OSError as exc:
                raise ResultsFileError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        if self._fd is None:
            self._drop_lock()
            return
        fd, self._fd = self._fd, None
        try:
            if os.fstat(fd).st_size > self._size:  # a record cut short by Ctrl-C
                os.ftruncate(fd, self._size)
            os.fsync(fd)
        except OSError:
            pass
        os.close(fd)
        self._drop_lock()


def _truncate(path: str, size: int) -> int:
    current = os.path.getsize(path)
    if current != size:
        with open(path, "r+b") as handle:
            handle.truncate(size)
            handle.flush()
            os.fsync(handle.fileno())
    return current - size


MAX_RECORD_BYTES = 1 << 20
"""Longest line read from a results file. A record of 256 colors with long
names, warnings and a long path is well under 100 KB; a longer line is not
one of ours, and is refused before it is held in memory."""


def _complete_lines(path: str) -> Iterator[tuple[int, bytes]]:
    """(end offset, line) for each newline-terminated line of a file; the
    torn last line (without a newline) is not given.

    Raises
    ------
    ResultsFileError
        A line longer than :data:`MAX_RECORD_BYTES`.
    """
    offset = 0
    with open(path, "rb") as handle:
        for number in range(1, 1 << 62):
            line = handle.readline(MAX_RECORD_BYTES + 1)
            if len(line) > MAX_RECORD_BYTES:
                raise ResultsFileError(
                    f"{path}: line {number} is longer than {MAX_RECORD_BYTES:,} bytes: "
                    "not a palettekit results record (the file is left unchanged)"
                )
            if not line.endswith(b"\n"):
                return
            offset += len(line)
            yield offset, line


_MAX_TORN_BYTES = 4 * 1024 * 1024
"""Longest tail a resume may cut: a torn record is one record, never megabytes."""


def _check_cut(path: str, good_end: int, looks_like_record: Any, where: str) -> None:
    """Refuse to resume unless everything after ``good_end`` is a torn record.

    What a crash can leave after the last complete record: part of one
    record (written by a single ``write``, so without its newline), NUL
    bytes (a power loss, possibly over a newline), or both. A complete line
    is never torn, so any line after ``good_end`` that holds more than NUL
    bytes is refused, and so is a last line that is not the start of a
    record palettekit writes. Anything else means the file is not (or no
    longer only) a results file, and it is left as it is.
    """
    size = os.path.getsize(path)
    if size - good_end > _MAX_TORN_BYTES:
        raise ResultsFileError(
            f"{path}: {where}: {size - good_end} bytes after the last results record; "
            "refusing to resume a file that is not a palettekit results file (left unchanged)"
        )
    with open(path, "rb") as handle:
        handle.seek(good_end)
        cut = handle.read()
    *lines, last = cut.split(b"\n")
    torn = last.strip(b"\0")
    if any(line.strip(b"\0") or not line for line in lines) or (
        torn and not looks_like_record(torn)
    ):
        raise ResultsFileError(
            f"{path}: {where} is not a palettekit results record; refusing to resume "
            "(only a torn last record is repaired; the file is left unchanged)"
        )


_JSONL_HEAD = b'{"index":'
_SOURCE_HEAD = b',"source":"'


def _jsonl_record_start(head: bytes) -> bool:
    """Whether ``head`` (no newline) can be a record palettekit wrote, cut short:
    a prefix of ``{"index":<digits>,"source":"...`` that is not a whole JSON
    text, or a whole record of ours cut just before its newline."""
    if len(head) <= len(_JSONL_HEAD):
        return _JSONL_HEAD.startswith(head)
    if not head.startswith(_JSONL_HEAD):
        return False
    rest = head[len(_JSONL_HEAD) :]
    digits = len(rest) - len(rest.lstrip(b"0123456789"))
    rest = rest[digits:]
    if digits == 0 or not (rest.startswith(_SOURCE_HEAD) or _SOURCE_HEAD.startswith(rest)):
        return False
    try:
        json.loads(head.decode("utf-8", "surrogateescape"))
    except (ValueError, RecursionError):
        return True  # not a whole JSON text: a record cut short
    return _parse_json_record(head) is not None


class JsonlWriter(_AppendFile):
    """JSON Lines results: one compact JSON object per line, UTF-8."""

    def _encode(self, record: dict[str, Any]) -> bytes:
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8", "surrogateescape") + b"\n"

    def _scan_and_repair(self) -> ResumeState:
        state = ResumeState()
        good_end = 0
        bad_line: int | None = None
        lines = 0
        for number, (end, line) in enumerate(_complete_lines(self.path), start=1):
            lines = number
            record = _parse_json_record(line)
            if record is None:
                if bad_line is None:
                    bad_line = number
                continue
            if bad_line is not None:
                raise ResultsFileError(
                    f"{self.path}: line {bad_line} is not a results record, but later lines "
                    "are; refusing to resume a file that was edited or is not a results file"
                )
            state.add(record_source(record), bool(record["ok"]))
            good_end = end
        where = f"line {bad_line if bad_line is not None else lines + 1}"
        _check_cut(self.path, good_end, _jsonl_record_start, where)
        state.repaired_bytes = _truncate(self.path, good_end)
        return state


def _parse_json_record(line: bytes) -> dict[str, Any] | None:
    """The record of a JSON Lines line if palettekit could have written it:
    compact JSON with exactly :data:`~palettekit.batch.results.RECORD_KEYS`
    (or the keys of older files), an int index, a text source and a bool ok;
    else None."""
    if not line.startswith(_JSONL_HEAD):
        return None  # every record starts so: no other line is parsed
    try:
        record = json.loads(line.decode("utf-8", "surrogateescape"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or tuple(record) not in (RECORD_KEYS, LEGACY_RECORD_KEYS):
        return None
    index, source, raw = record["index"], record["source"], record.get("source_bytes")
    if type(index) is not int or index < 0 or not isinstance(source, str):
        return None
    if not isinstance(record["ok"], bool) or not (raw is None or _is_hex(raw)):
        return None
    return record


def _is_hex(text: object) -> bool:
    if not isinstance(text, str) or len(text) % 2:
        return False
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True


def _fmt_float(value: Any) -> str:
    return "" if value is None else repr(float(value))


def _csv_row(record: dict[str, Any], columns: tuple[str, ...] = CSV_COLUMNS) -> list[Any]:
    colors = record.get("colors") or []
    row = []
    for column in columns:
        if column == "hex":
            row.append(" ".join(c["hex"] for c in colors))
        elif column == "shares":
            row.append(" ".join(repr(float(c["share"])) for c in colors))
        elif column == "names":
            row.append(NAME_SEPARATOR.join(c["name"] for c in colors))
        elif column in ("distortion", "seconds"):
            row.append(_fmt_float(record.get(column)))
        elif column == "ok":
            row.append("true" if record.get("ok") else "false")
        else:
            value = record.get(column)
            row.append("" if value is None else value)
    return row


def _csv_header(columns: tuple[str, ...]) -> bytes:
    return (",".join(columns) + "\r\n").encode()


class CsvWriter(_AppendFile):
    """CSV results with a header row (columns :data:`CSV_COLUMNS`; a file
    resumed with the :data:`LEGACY_CSV_COLUMNS` of older files keeps them)."""

    header = _csv_header(CSV_COLUMNS)
    columns: tuple[str, ...] = CSV_COLUMNS

    def _encode(self, record: dict[str, Any]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(_csv_row(record, self.columns))
        return buffer.getvalue().encode("utf-8", "surrogateescape")

    def _scan_and_repair(self) -> ResumeState:
        state = ResumeState()
        good_end = 0
        rows = _csv_rows_with_offsets(self.path)
        first = next(rows, None)
        if first is not None:
            end, header = first
            if tuple(header) not in (CSV_COLUMNS, LEGACY_CSV_COLUMNS):
                raise ResultsFileError(f"{self.path}: not a palettekit CSV results file (header)")
            self.columns = tuple(header)
            self.header = _csv_header(self.columns)
            good_end = end
            bad = False
            for end, row in rows:
                source = _csv_source(row, self.columns)
                if source is None:
                    bad = True
                    continue
                if bad:
                    raise ResultsFileError(
                        f"{self.path}: a malformed row is followed by good rows; refusing to resume"
                    )
                state.add(source, row[2] == "true")
                good_end = end
        if good_end == 0:  # not even the header: only a torn header may be cut
            _check_cut(self.path, 0, self.header.startswith, "the first line")
        else:
            columns = self.columns
            _check_cut(
                self.path,
                good_end,
                lambda head: _csv_row_start(head, columns),
                "the text after the last good row",
            )
        state.repaired_bytes = _truncate(self.path, good_end)
        return state


def _csv_source(row: list[str], columns: tuple[str, ...]) -> str | None:
    """The source of a CSV row palettekit could have written, else None."""
    if len(row) != len(columns) or not row[0].isdigit() or row[2] not in ("true", "false"):
        return None
    raw = row[-1] if columns[-1] == "source_bytes" else ""
    if raw and not _is_hex(raw):
        return None
    return record_source({"source": row[1], "source_bytes": raw or None})


def _csv_row_start(head: bytes, columns: tuple[str, ...] = CSV_COLUMNS) -> bool:
    """Whether ``head`` can be the start of a results row: the index, the
    source, then the start of ``true`` or ``false``, and no more cells than a row has."""
    try:
        cells = next(csv.reader([head.decode("utf-8")]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return False
    if not cells or not cells[0].isdigit() or len(cells) > len(columns):
        return False
    if len(cells) == 1:
        return True
    if len(cells) > 2 and not ("true".startswith(cells[2]) or "false".startswith(cells[2])):
        return False
    return len(cells) <= 3 or cells[2] in ("true", "false")


def _csv_rows_with_offsets(path: str) -> Iterator[tuple[int, list[str]]]:
    """Parse complete CSV rows, with the byte offset just past each row."""
    consumed = [0]

    def lines() -> Iterator[str]:
        for end, line in _complete_lines(path):
            consumed[0] = end
            yield line.decode("utf-8", "surrogateescape")

    reader = csv.reader(lines())
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            return
        yield consumed[0], row


def _parquet_schema(pa: Any) -> Any:
    color = pa.struct(
        [
            ("hex", pa.string()),
            ("rgb", pa.list_(pa.uint8())),
            ("share", pa.float64()),
            ("count", pa.int64()),
            ("oklab", pa.list_(pa.float64())),
            ("name", pa.string()),
        ]
    )
    return pa.schema(
        [
            ("index", pa.int64()),
            ("source", pa.string()),
            ("ok", pa.bool_()),
            ("width", pa.int64()),
            ("height", pa.int64()),
            ("bytes", pa.int64()),
            ("k", pa.int64()),
            ("k_returned", pa.int64()),
            ("colors", pa.list_(color)),
            ("distortion", pa.float64()),
            ("warnings", pa.list_(pa.string())),
            ("seconds", pa.float64()),
            ("error_type", pa.string()),
            ("error", pa.string()),
            ("source_bytes", pa.string()),
        ]
    )


_PART_PREFIX = "part-"
MAX_PART_ROWS = 1_000_000
"""Most rows a Parquet part may hold when it is resumed (parts are written
every ``rows_per_part`` rows, 10,000 by default)."""
_RESUME_BATCH = 65_536
_PART_SUFFIX = ".parquet"


class ParquetWriter(ResultsWriter):
    """A directory of Parquet parts, each finalized atomically (temp + rename)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        rows_per_part: int = 10_000,
        part_seconds: float = 30.0,
    ) -> None:
        super().__init__(path)
        self._pa = require_extra("pyarrow", "parquet", "Parquet results")
        self._pq = require_extra("pyarrow.parquet", "parquet", "Parquet results")
        self._schema = _parquet_schema(self._pa)
        self.rows_per_part = rows_per_part
        self.part_seconds = part_seconds
        self._rows: list[dict[str, Any]] = []
        self._first_row_at = 0.0
        self._next_part = 0
        self._is_open = False

    def _open(self, *, resume: bool, overwrite: bool) -> ResumeState:
        continuing = _check_target(self.path, resume, overwrite)
        state = ResumeState()
        try:
            if os.path.lexists(self.path) and not os.path.isdir(self.path):
                raise ResultsFileError(
                    f"{self.path} is a file; Parquet results are a directory of parts"
                )
            if os.path.isdir(self.path) and not continuing:
                for name in os.listdir(self.path):
                    if name.startswith((_PART_PREFIX, "." + _PART_PREFIX)):
                        os.unlink(os.path.join(self.path, name))
            os.makedirs(self.path, exist_ok=True)
            for name in os.listdir(self.path):
                if name.startswith("." + _PART_PREFIX):  # an unfinished part
                    os.unlink(os.path.join(self.path, name))
            parts = self._parts()
        except OSError as exc:
            if isinstance(exc, ResultsFileError):
                raise
            raise ResultsFileError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        for number, part in parts:
            self._resume_part(part, state)
            self._next_part = max(self._next_part, number + 1)
        self._is_open = True
        return state

    def _resume_part(self, part: str, state: ResumeState) -> None:
        """Add the sources of one part to ``state``, in batches of bounded size.

        Raises
        ------
        ResultsFileError
            The part is unreadable, claims more rows than its bytes can hold
            (every row of ours has a distinct source and timing, so it takes
            at least a byte) or :data:`MAX_PART_ROWS`, or has a row palettekit
            could not have written.
        """
        reader = _open_part(self._pq, part)
        names = set(reader.schema_arrow.names)
        columns = [c for c in ("source", "ok", "source_bytes") if c in names]
        if columns[:2] != ["source", "ok"]:
            raise ResultsFileError(f"{part}: not a palettekit results part (no source or ok)")
        try:
            for batch in reader.iter_batches(batch_size=_RESUME_BATCH, columns=columns):
                for row in batch.to_pylist():
                    source, ok, raw = row["source"], row["ok"], row.get("source_bytes")
                    if not isinstance(source, str) or not isinstance(ok, bool):
                        raise ResultsFileError(
                            f"{part}: a row with source {type(source).__name__} and ok "
                            f"{type(ok).__name__}; not a palettekit results part"
                        )
                    if raw is not None and not _is_hex(raw):
                        raise ResultsFileError(f"{part}: a row with a malformed source_bytes")
                    state.add(record_source(row), ok)
        except ResultsFileError:
            raise
        except Exception as exc:
            raise ResultsFileError(
                f"{part}: unreadable Parquet part ({one_line(str(exc))})"
            ) from None

    def _parts(self) -> list[tuple[int, str]]:
        out = []
        for name in sorted(os.listdir(self.path)):
            if name.startswith(_PART_PREFIX) and name.endswith(_PART_SUFFIX):
                digits = name[len(_PART_PREFIX) : -len(_PART_SUFFIX)]
                if digits.isdigit():
                    out.append((int(digits), os.path.join(self.path, name)))
        return out

    def write(self, record: dict[str, Any]) -> None:
        assert self._is_open, "open() first"
        if not self._rows:
            self._first_row_at = time.monotonic()
        self._rows.append(record)
        if (
            len(self._rows) >= self.rows_per_part
            or time.monotonic() - self._first_row_at >= self.part_seconds
        ):
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one finished part (no-op when none)."""
        if not self._rows:
            return
        name = f"{_PART_PREFIX}{self._next_part:06d}{_PART_SUFFIX}"
        final = os.path.join(self.path, name)
        temp = os.path.join(self.path, "." + name + f".{os.getpid()}.tmp")
        try:
            table = self._pa.Table.from_pylist(self._rows, schema=self._schema)
            with open(temp, "wb") as handle:
                self._pq.write_table(table, handle, compression="zstd")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, final)
            sync_directory(self.path)
        except Exception as exc:  # OSError, or pyarrow's own errors for a full disk
            try:
                os.unlink(temp)
            except OSError:
                pass
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise ResultsFileError(
                f"cannot write {final}: {reason}; earlier parts are kept (continue with --resume)"
            ) from None
        self._next_part += 1
        self._rows = []

    def close(self) -> None:
        try:
            if self._is_open:
                self._is_open = False
                self.flush()
        finally:
            self._drop_lock()


def _open_part(pq: Any, part: str) -> Any:
    """A ``pyarrow.parquet.ParquetFile`` of a part, its row count checked
    against its size before any row is read.

    Raises
    ------
    ResultsFileError
        Unreadable, or more rows than its bytes could hold (each row of ours
        has a distinct source and timing) or than :data:`MAX_PART_ROWS`.
    """
    try:
        reader = pq.ParquetFile(part)
        rows = reader.metadata.num_rows
        size = os.path.getsize(part)
    except Exception as exc:
        raise ResultsFileError(f"{part}: unreadable Parquet part ({one_line(str(exc))})") from None
    if rows > min(MAX_PART_ROWS, size):
        raise ResultsFileError(
            f"{part}: claims {rows:,} rows in {size:,} bytes; not a part palettekit wrote "
            "(the results are left unchanged)"
        )
    return reader


def open_writer(
    path: str | os.PathLike[str],
    fmt: str | None = None,
    **kwargs: Any,
) -> ResultsWriter:
    """A writer for ``path`` in ``fmt`` (default: by suffix)."""
    kind = results_format_of(path, fmt)
    if kind == "csv":
        return CsvWriter(path)
    if kind == "parquet":
        return ParquetWriter(path, **kwargs)
    return JsonlWriter(path)


def _split_names(text: str, count: int) -> list[str]:
    """The names of a CSV row's ``names`` cell. Files written before names
    had spaces separate them by spaces: read those too."""
    if NAME_SEPARATOR in text or count <= 1:
        return text.split(NAME_SEPARATOR) if text else []
    words = text.split()
    return words if len(words) == count else [text]


def _record_from_csv(row: dict[str, str]) -> dict[str, Any]:
    def as_int(text: str) -> int | None:
        return int(text) if text else None

    ok = row["ok"] == "true"
    colors = None
    if ok:
        hexes = row["hex"].split()
        shares = [float(s) for s in row["shares"].split()]
        names = _split_names(row["names"], len(hexes))
        colors = [
            {
                "hex": h,
                "rgb": [int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)],
                "share": s,
                "name": n,
            }
            for h, s, n in zip(hexes, shares, names, strict=False)
        ]
    return {
        "index": int(row["index"]),
        "source": row["source"],
        "ok": ok,
        "width": as_int(row["width"]),
        "height": as_int(row["height"]),
        "bytes": as_int(row["bytes"]),
        "k": as_int(row["k"]),
        "k_returned": as_int(row["k_returned"]),
        "colors": colors,
        "distortion": float(row["distortion"]) if row["distortion"] else None,
        "seconds": float(row["seconds"]) if row["seconds"] else None,
        "error_type": row["error_type"] or None,
        "error": row["error"] or None,
        "source_bytes": row.get("source_bytes") or None,
    }


def read_records(path: str | os.PathLike[str], fmt: str | None = None) -> Iterator[dict[str, Any]]:
    """Stream the records of a results file (any format), torn tail ignored.

    CSV records lack ``count`` and ``oklab`` per color and ``warnings``.

    Raises
    ------
    ResultsFileError
        The file cannot be read or is not a results file.
    """
    path = os.fspath(path)
    kind = results_format_of(path, fmt)
    if not os.path.exists(path):
        raise ResultsFileError(f"{path}: no such results file")
    try:
        if kind == "jsonl":
            for number, (_, line) in enumerate(_complete_lines(path), start=1):
                record = _parse_json_record(line)
                if record is None:
                    raise ResultsFileError(f"{path}: line {number} is not a results record")
                yield record
        elif kind == "csv":
            rows = _csv_rows_with_offsets(path)
            first = next(rows, None)
            if first is None:
                return
            columns = tuple(first[1])
            if columns not in (CSV_COLUMNS, LEGACY_CSV_COLUMNS):
                raise ResultsFileError(f"{path}: not a palettekit CSV results file (header)")
            for _, row in rows:
                if _csv_source(row, columns) is None:
                    raise ResultsFileError(f"{path}: malformed row")
                yield _record_from_csv(dict(zip(columns, row, strict=True)))
        else:
            pq = require_extra("pyarrow.parquet", "parquet", "reading Parquet results")
            writer = ParquetWriter.__new__(ParquetWriter)
            writer.path = path
            for _, part in writer._parts():
                for batch in _open_part(pq, part).iter_batches(batch_size=4096):
                    yield from batch.to_pylist()
    except OSError as exc:
        if isinstance(exc, ResultsFileError):
            raise
        raise ResultsFileError(f"cannot read {path}: {exc.strerror or exc}") from None
