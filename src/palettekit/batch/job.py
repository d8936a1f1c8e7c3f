"""A whole batch run: sources -> results file, with resume, progress and a summary."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import BatchInterrupted
from ..options import Options
from .expand import source_digest
from .runner import iter_results
from .writers import open_writer

__all__ = ["BatchSummary", "write_results", "Progress"]


@dataclass
class BatchSummary:
    """Counts of a batch run.

    Attributes
    ----------
    output : str
        The results file.
    ok, failed : int
        Sources done in this run, successful and failed.
    resumed_ok, resumed_failed : int
        Records already in the file when the run started (``resume=True``).
    seconds : float
        Wall time of this run.
    interrupted : bool
        The run was stopped (Ctrl-C) before the end of the sources.
    repaired_bytes : int
        Bytes of a torn last record cut off on resume.
    """

    output: str
    ok: int = 0
    failed: int = 0
    resumed_ok: int = 0
    resumed_failed: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    repaired_bytes: int = 0

    @property
    def total_failed(self) -> int:
        """Failed sources in the results file, this run and earlier ones."""
        return self.failed + self.resumed_failed

    @property
    def exit_code(self) -> int:
        """0 when every source in the file succeeded, 3 when some failed."""
        return 3 if self.total_failed else 0

    def line(self) -> str:
        """One-line human summary."""
        done = self.ok + self.failed
        rate = done / self.seconds if self.seconds > 0 else 0.0
        parts = [f"{done} source{'s' if done != 1 else ''} in {self.seconds:.1f} s ({rate:.1f}/s)"]
        parts.append(f"{self.ok} ok, {self.failed} failed")
        if self.resumed_ok or self.resumed_failed:
            parts.append(
                f"{self.resumed_ok + self.resumed_failed} already done "
                f"({self.resumed_failed} failed)"
            )
        text = "; ".join(parts)
        if self.interrupted:
            text = "interrupted after " + text + "; continue with --resume"
        elif self.total_failed:
            text += f"; failures have error_type and error in {self.output}"
        return text


def _format_eta(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


class Progress:
    """Progress display: a tqdm bar on a terminal, else periodic log lines.

    Parameters
    ----------
    mode : {"auto", "bar", "log", "none"}
        "auto": a bar when ``stream`` is a terminal and tqdm is installed,
        else log lines.
    stream
        Where to write (default ``sys.stderr``).
    interval : float
        Seconds between log lines.
    """

    def __init__(
        self,
        mode: str = "auto",
        *,
        stream: Any = None,
        interval: float = 10.0,
        initial: int = 0,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.total: int | None = None
        self.done = 0
        self.failed = 0
        self.initial = initial
        self._start = time.monotonic()
        self._last_log = self._start
        self._bar: Any = None
        if mode == "auto":
            is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
            mode = "log"
            if is_tty:
                try:
                    import tqdm  # noqa: F401

                    mode = "bar"
                except ImportError:
                    self._say("for a progress bar: pip install 'palettekit[batch]' (tqdm)")
        self.mode = mode
        if mode == "bar":
            from ..errors import require_extra

            tqdm = require_extra("tqdm", "batch", "--progress bar").tqdm

            self._bar = tqdm(
                total=None, initial=initial, file=self.stream, unit="img", dynamic_ncols=True
            )

    def _say(self, text: str) -> None:
        print(f"palettekit: {text}", file=self.stream, flush=True)

    def set_total(self, total: int) -> None:
        """Total number of sources (including those done before a resume)."""
        self.total = total
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()

    def set_initial(self, initial: int) -> None:
        """Sources already done before this run (resume)."""
        self.initial = initial
        if self._bar is not None:
            self._bar.n = initial
            self._bar.refresh()

    def update(self, ok: bool) -> None:
        self.done += 1
        if not ok:
            self.failed += 1
        if self._bar is not None:
            self._bar.update(1)
            if not ok:
                self._bar.set_postfix(failed=self.failed, refresh=False)
        elif self.mode == "log":
            now = time.monotonic()
            if now - self._last_log >= self.interval:
                self._last_log = now
                self._say(self.status())

    def status(self) -> str:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        rate = self.done / elapsed
        done = self.done + self.initial
        text = f"{done}" + (f"/{self.total}" if self.total is not None else "") + " done"
        text += f" ({self.failed} failed), {rate:.1f}/s"
        if self.total is not None and rate > 0:
            text += f", ETA {_format_eta(max(self.total - done, 0) / rate)}"
        return text

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def write_results(
    sources: Iterable[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    options: Options | None = None,
    *,
    workers: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    fmt: str | None = None,
    client: Any = None,
    progress: Progress | None = None,
    max_in_flight: int | None = None,
    writer_options: dict[str, Any] | None = None,
    on_resume: Callable[[BatchSummary], None] | None = None,
) -> BatchSummary:
    """Extract every source and append one record per source to ``output``.

    Parameters
    ----------
    sources
        Paths or URLs, consumed lazily (see
        :func:`~palettekit.batch.expand.expand_sources` for directories,
        globs and list files). Duplicates should be removed beforehand.
    output
        Results file: ``.jsonl`` (default), ``.csv``, or ``.parquet`` (a
        directory of parts; needs ``palettekit[parquet]``).
    options : Options, optional
        Extraction options for every source.
    workers : int, optional
        Local worker processes (default all cores; 0 = this process).
    resume : bool
        Continue an existing results file: repair a torn tail, skip the
        sources it has, append the rest.
    overwrite : bool
        Replace an existing results file. Without ``resume`` or
        ``overwrite``, an existing file is an error.
    fmt : {"jsonl", "csv", "parquet"}, optional
        Format, instead of choosing by suffix.
    client : dask.distributed.Client, optional
        Run on a Dask cluster instead of local processes.
    progress : Progress, optional
        Progress display, updated per result.
    on_resume : callable, optional
        Called once with the summary after the existing file was read.

    Returns
    -------
    BatchSummary

    Raises
    ------
    ResultsFileError
        The output cannot be written or resumed. Records written before the
        error are kept, and the file ends on a complete record.
    BatchInterrupted
        Ctrl-C (KeyboardInterrupt): the results finished so far are written
        and the file is closed cleanly; ``.summary`` has the counts.
    """
    start = time.monotonic()
    writer = open_writer(output, fmt, **(writer_options or {}))
    state = writer.open(resume=resume, overwrite=overwrite)
    summary = BatchSummary(
        output=os.fspath(output),
        resumed_ok=state.ok,
        resumed_failed=state.failed,
        repaired_bytes=state.repaired_bytes,
    )
    if on_resume is not None:
        on_resume(summary)
    done = state.done
    skip = (lambda source: source_digest(source) in done) if len(done) else None
    try:
        for result in iter_results(
            sources,
            options,
            workers=workers,
            ordered=False,
            skip=skip,
            client=client,
            max_in_flight=max_in_flight,
        ):
            writer.write(result.to_record())
            if result.ok:
                summary.ok += 1
            else:
                summary.failed += 1
            if progress is not None:
                progress.update(result.ok)
    except KeyboardInterrupt:
        summary.interrupted = True
        summary.seconds = time.monotonic() - start
        writer.close()
        raise BatchInterrupted(summary) from None
    finally:
        if progress is not None:
            progress.close()
        writer.close()
    summary.seconds = time.monotonic() - start
    return summary
