"""Command-line adapters: ``palettekit batch`` and ``palettekit search``.

Registered by palettekit.cli through ``ADAPTER_MODULES``; nothing heavy is
imported at module level.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
from typing import Any

from .exit_status import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from .terminal import PROG, print_error

__all__ = ["add_parser", "run_batch", "run_search"]


_NO_IMAGE_FOUND = ": no image file found"


def _error(message: str) -> int:
    print_error(message)
    return EXIT_ERROR


def _note(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def add_parser(subparsers: Any) -> None:
    """Register the ``batch`` and ``search`` subcommands."""
    from .flags import add_extract_options

    batch = subparsers.add_parser(
        "batch",
        help="extract the palettes of many images into a results file",
        description=(
            "Extract the palette of every source into a results file (JSON Lines by default, "
            ".csv, or .parquet), in parallel, never losing finished work. Sources: files, "
            "directories (recursive, image files only), glob patterns, http(s) URLs, "
            "@listfile (one path or URL per line) or - (standard input). Exit status 0 when "
            "every source succeeded, 3 when some failed (their rows hold the error)."
        ),
    )
    batch.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="files, dirs, globs, URLs, @list, -"
    )
    batch.add_argument("-o", "--output", required=True, metavar="RESULTS", help="results file")
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
    add_extract_options(batch)
    batch.set_defaults(run=run_batch)

    search = subparsers.add_parser(
        "search",
        help="rank the images of a results file by color or palette similarity",
        description=(
            "Rank the images of a results file. --color: by how much of each image is close "
            "to the query colors (score = sum of shares x exp(-(dE/sigma)^2), dE the Oklab "
            "distance to the nearest query color). --like: by palette distance to an image "
            "(earth mover's distance in Oklab with shares, greedy transport approximation). "
            "A compact index RESULTS.index is built on first use and rebuilt when RESULTS "
            "changes."
        ),
    )
    search.add_argument(
        "results", metavar="RESULTS", help="results file of palettekit batch (or an index folder)"
    )
    query = search.add_mutually_exclusive_group(required=True)
    query.add_argument(
        "--color",
        action="append",
        metavar="COLOR",
        help="query color: #rrggbb, #rgb or a CSS color name such as red or steelblue (repeatable)",
    )
    query.add_argument(
        "--like", metavar="IMAGE", help="an image (a source of RESULTS, or any image)"
    )
    search.add_argument(
        "--top", type=int, default=20, metavar="N", help="number of results (default 20)"
    )
    search.add_argument(
        "--sigma",
        type=float,
        default=None,
        metavar="DE",
        help="Oklab distance scale of --color (default 0.08)",
    )
    search.add_argument(
        "--all",
        dest="match_all",
        action="store_true",
        help="--color: images must hold every query color",
    )
    search.add_argument("--json", action="store_true", help="print JSON instead of a table")
    search.add_argument(
        "--index", metavar="PATH", default=None, help="index folder (default RESULTS.index)"
    )
    search.add_argument(
        "--rebuild-index", action="store_true", help="rebuild the index even if up to date"
    )
    search.set_defaults(run=run_search)


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


def run_batch(args: argparse.Namespace) -> int:
    """``palettekit batch``: returns the exit code."""
    from ..batch.expand import ExpansionReport, expand_sources
    from ..batch.job import Progress, write_results
    from ..errors import BatchError, BatchInterrupted, PaletteError
    from .flags import options_from_args

    try:
        options = options_from_args(args)
    except PaletteError as exc:
        _error(str(exc))
        return EXIT_USAGE
    if args.workers is not None and args.workers < 0:
        return _error(f"--workers must be >= 0, got {args.workers}")
    if args.resume and args.overwrite:
        return _error("--resume and --overwrite exclude each other")
    specs = [str(s) for s in args.sources]
    from_stdin = [s for s in specs if s in ("-", "@-")]
    if len(from_stdin) > 1:
        return _error("standard input can be read only once")
    for spec in specs:
        if spec.startswith("@") and spec != "@-" and not os.path.isfile(spec[1:]):
            return _error(f"cannot read list file {spec[1:]}: no such file")

    report = ExpansionReport()
    sources = expand_sources(specs, report)
    progress = Progress(args.progress)
    if not from_stdin and progress.mode != "none":
        _count_in_background(specs, progress)

    def on_resume(summary: Any) -> None:
        already = summary.resumed_ok + summary.resumed_failed
        if already or summary.repaired_bytes:
            _note(
                f"resuming {summary.output}: {already} source(s) already done"
                + (
                    f", cut {summary.repaired_bytes} bytes of a torn last record"
                    if summary.repaired_bytes
                    else ""
                )
            )
        progress.set_initial(already)

    try:
        cluster: contextlib.AbstractContextManager[Any]
        if args.dask:
            from ..batch.dask_runner import dask_client

            cluster = dask_client(args.dask, workers=args.workers)
        else:
            cluster = contextlib.nullcontext(None)
        with cluster as client:  # with a client, the local worker count is unused
            summary = write_results(
                sources,
                args.output,
                options,
                workers=args.workers,
                resume=args.resume,
                overwrite=args.overwrite,
                fmt=args.results_format,
                client=client,
                progress=progress,
                on_resume=on_resume,
            )
    except BatchInterrupted as stop:
        _note(stop.summary.line())
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _note("interrupted")
        return EXIT_INTERRUPTED
    except (BatchError, PaletteError) as exc:
        return _error(str(exc))
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
    return summary.exit_code


# --- search ----------------------------------------------------------------------------


def _format_table(hits: list[Any], score_name: str) -> str:
    from ..text import one_line

    lines = [f"{'rank':>4}  {score_name:>8}  source  colors"]
    for hit in hits:
        colors = " ".join(f"{h}:{s:.0%}" for h, s in zip(hit.hex, hit.shares, strict=False))
        source = one_line(hit.source, escape=True)  # a name may hold terminal controls
        lines.append(f"{hit.rank:>4}  {hit.score:>8.4f}  {source}  {colors}")
    return "\n".join(lines)


def run_search(args: argparse.Namespace) -> int:
    """``palettekit search``: returns the exit code."""
    import numpy as np

    from ..errors import PaletteError
    from ..search import DEFAULT_SIGMA, open_index, search_colors, search_like

    if args.top < 1:
        return _error(f"--top must be >= 1, got {args.top}")
    sigma = DEFAULT_SIGMA if args.sigma is None else args.sigma
    if args.like is not None and (args.sigma is not None or args.match_all):
        return _error("--sigma and --all apply to --color searches only")
    from ..search import query_color

    for color in args.color or ():
        try:
            query_color(color)
        except PaletteError as exc:
            _error(f"argument --color: {exc} (see 'palettekit search --help')")
            return EXIT_USAGE
    try:
        index = open_index(
            args.results, index_path=args.index, rebuild=args.rebuild_index, log=_note
        )
        if args.color:
            hits = search_colors(
                index,
                args.color,
                top=args.top,
                sigma=sigma,
                mode="all" if args.match_all else "any",
            )
            score_name = "score"
        else:
            row = index.find_source(args.like)
            if row is not None:
                shares = np.asarray(index.shares[:, row])
                keep = shares > 0
                query_lab = np.asarray(index.lab[:, :, row]).T[keep]
                query_shares = shares[keep]
            else:
                from ..options import Options
                from ..pipeline import extract

                palette = extract(
                    args.like, options=Options(k=index.meta.get("k") or 5), warn=False
                )
                query_lab = np.array([s.oklab for s in palette])
                query_shares = np.array(palette.shares)
            hits = search_like(index, query_lab, query_shares, top=args.top)
            score_name = "distance"
    except PaletteError as exc:
        return _error(str(exc))
    except OSError as exc:
        return _error(f"{exc.strerror or exc}")
    if args.json:
        hits_data = [h.to_dict(score_name) for h in hits]
        print(json.dumps(hits_data, ensure_ascii=False, indent=2))
    else:
        print(_format_table(hits, score_name))
    return EXIT_OK
