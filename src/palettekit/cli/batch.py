"""``palettekit batch``: the palettes of many images into a results file.

Nothing heavy is imported at module level; the batch package is imported
when the command runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
from typing import Any

from .exit_status import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_PARTIAL, EXIT_USAGE
from .terminal import PROG, print_error

__all__ = ["add_parser", "run_batch"]


_NO_IMAGE_FOUND = ": no image file found"


def _error(message: str) -> int:
    print_error(message)
    return EXIT_ERROR


def _note(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


_DESCRIPTION = (
    "Extract the palette of every source into a results file (JSON Lines by default, "
    ".csv, or .parquet), in parallel, never losing finished work. Sources: files, "
    "directories (recursive, image files only), glob patterns, http(s) URLs, "
    "@listfile (one path or URL per line) or - (standard input). Exit status 0 when "
    "every source succeeded, 3 when some failed (their rows hold the error)."
)


def add_parser(subparsers: Any) -> None:
    """Register the ``batch`` subcommand (``run=run_batch``)."""
    from .flags import add_extract_options

    batch = subparsers.add_parser(
        "batch",
        help="extract the palettes of many images into a results file",
        description=_DESCRIPTION,
    )
    batch.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="files, dirs, globs, URLs, @list, -"
    )
    batch.add_argument("-o", "--output", required=True, metavar="RESULTS", help="results file")
    _add_run_flags(batch)
    add_extract_options(batch)
    batch.set_defaults(run=run_batch)


def _add_run_flags(batch: argparse.ArgumentParser) -> None:
    """How the run goes: workers, resuming, the results format, Dask, progress."""
    batch.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: all cores; 0 runs in this process)",
    )
    batch.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run: skip the sources already in RESULTS",
    )
    batch.add_argument("--overwrite", action="store_true", help="replace an existing RESULTS")
    batch.add_argument(
        "--results-format",
        dest="results_format",
        choices=("jsonl", "csv", "parquet"),
        default=None,
        help="results format (default: by the suffix of RESULTS, else jsonl)",
    )
    batch.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="run on a Dask cluster (scheduler address, or 'local' for a LocalCluster); "
        "needs palettekit[dask]",
    )
    batch.add_argument(
        "--progress",
        choices=("auto", "bar", "log", "none"),
        default="auto",
        help="progress display (default: a bar on a terminal, else a log line every 10 s)",
    )


# --- batch -----------------------------------------------------------------------------


def _count_in_background(specs: list[str], progress: Any) -> None:
    """Set the progress total once a second expansion has counted the sources."""
    from ..batch.expand import expand_sources

    def count() -> None:
        try:
            total = sum(1 for _ in expand_sources(specs))
        except Exception:
            return
        progress.set_total(total)

    threading.Thread(target=count, name="palettekit-count", daemon=True).start()


def _usage_problem(args: argparse.Namespace, specs: list[str]) -> str | None:
    """What is wrong with the flags and sources together, or None."""
    if args.workers is not None and args.workers < 0:
        return f"--workers must be >= 0, got {args.workers}"
    if args.resume and args.overwrite:
        return "--resume and --overwrite exclude each other"
    if sum(1 for s in specs if s in ("-", "@-")) > 1:
        return "standard input can be read only once"
    for spec in specs:
        if spec.startswith("@") and spec != "@-" and not os.path.isfile(spec[1:]):
            return f"cannot read list file {spec[1:]}: no such file"
    return None


def _resume_reporter(progress: Any) -> Any:
    """The ``on_resume`` callback: a note on what a resumed run found, and the progress start."""

    def on_resume(summary: Any) -> None:
        already = summary.resumed_ok + summary.resumed_failed
        if already or summary.repaired_bytes:
            cut = (
                f", cut {summary.repaired_bytes} bytes of a torn last record"
                if summary.repaired_bytes
                else ""
            )
            _note(f"resuming {summary.output}: {already} source(s) already done{cut}")
        progress.set_initial(already)

    return on_resume


def _write(args: argparse.Namespace, sources: Any, options: Any, progress: Any) -> Any:
    """Run the batch (locally, or on the Dask cluster of ``--dask``); return its summary."""
    from ..batch.job import write_results

    cluster: contextlib.AbstractContextManager[Any]
    if args.dask:
        from ..batch.dask_runner import dask_client

        cluster = dask_client(args.dask, workers=args.workers)
    else:
        cluster = contextlib.nullcontext(None)
    with cluster as client:  # with a client, the local worker count is unused
        return write_results(
            sources,
            args.output,
            options,
            workers=args.workers,
            resume=args.resume,
            overwrite=args.overwrite,
            fmt=args.results_format,
            client=client,
            progress=progress,
            on_resume=_resume_reporter(progress),
        )


def _final_status(report: Any, summary: Any) -> int:
    """Print the expansion notes and the summary line; return the exit status."""
    for note in report.notes():
        if not note.endswith(_NO_IMAGE_FOUND):
            _note(note)
    _note(summary.line())
    if report.empty_specs:
        # A directory or pattern that names no image fails like a missing file:
        # the whole run if nothing else was there, else as a partial failure.
        for spec in report.empty_specs:
            _error(f"{spec}{_NO_IMAGE_FOUND}")
        anything = summary.ok + summary.failed + summary.resumed_ok + summary.resumed_failed
        return EXIT_PARTIAL if anything else EXIT_ERROR
    return int(summary.exit_code)


def run_batch(args: argparse.Namespace) -> int:
    """``palettekit batch``: check the flags, expand the sources, write the results;
    return the exit code."""
    from ..batch.expand import ExpansionReport, expand_sources
    from ..batch.job import Progress
    from ..errors import BatchError, BatchInterrupted, PaletteError
    from .flags import options_from_args

    try:
        options = options_from_args(args)
    except PaletteError as exc:
        _error(str(exc))
        return EXIT_USAGE
    specs = [str(s) for s in args.sources]
    problem = _usage_problem(args, specs)
    if problem is not None:
        return _error(problem)
    report = ExpansionReport()
    sources = expand_sources(specs, report)
    progress = Progress(args.progress)
    if not any(s in ("-", "@-") for s in specs) and progress.mode != "none":
        _count_in_background(specs, progress)
    try:
        summary = _write(args, sources, options, progress)
    except BatchInterrupted as stop:
        _note(stop.summary.line())
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _note("interrupted")
        return EXIT_INTERRUPTED
    except (BatchError, PaletteError) as exc:
        return _error(str(exc))
    return _final_status(report, summary)
