"""``palettekit search``: rank the images of a batch results file by color or palette.

Nothing heavy is imported at module level: the search index and numpy are
imported when the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .exit_status import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from .terminal import PROG, print_error

__all__ = ["add_parser", "run_search"]

_DESCRIPTION = (
    "Rank the images of a results file. --color: by how much of each image is close "
    "to the query colors (score = sum of shares x exp(-(dE/sigma)^2), dE the Oklab "
    "distance to the nearest query color). --like: by palette distance to an image "
    "(earth mover's distance in Oklab with shares, greedy transport approximation). "
    "A compact index RESULTS.index is built on first use and rebuilt when RESULTS "
    "changes."
)


def _error(message: str) -> int:
    print_error(message)
    return EXIT_ERROR


def _note(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def add_parser(subparsers: Any) -> None:
    """Register the ``search`` subcommand (``run=run_search``)."""
    search = subparsers.add_parser(
        "search",
        help="rank the images of a results file by color or palette similarity",
        description=_DESCRIPTION,
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


def format_table(hits: list[Any], score_name: str) -> str:
    """The hits as a text table: rank, score, source and colors with their shares."""
    from ..display_text import one_line

    lines = [f"{'rank':>4}  {score_name:>8}  source  colors"]
    for hit in hits:
        colors = " ".join(f"{h}:{s:.0%}" for h, s in zip(hit.hex, hit.shares, strict=False))
        source = one_line(hit.source, escape=True)  # a name may hold terminal controls
        lines.append(f"{hit.rank:>4}  {hit.score:>8.4f}  {source}  {colors}")
    return "\n".join(lines)


def _usage_problem(args: argparse.Namespace) -> tuple[str, int] | None:
    """What is wrong with the flags, and the exit status it gives; None if nothing."""
    from ..errors import PaletteError
    from ..search import query_color

    if args.top < 1:
        return f"--top must be >= 1, got {args.top}", EXIT_ERROR
    if args.like is not None and (args.sigma is not None or args.match_all):
        return "--sigma and --all apply to --color searches only", EXIT_ERROR
    for color in args.color or ():
        try:
            query_color(color)
        except PaletteError as exc:
            return f"argument --color: {exc} (see 'palettekit search --help')", EXIT_USAGE
    return None


def _like_query(index: Any, like: str) -> tuple[Any, Any]:
    """The Oklab colors and shares of ``--like``: its row in the index, else its palette."""
    import numpy as np

    row = index.find_source(like)
    if row is not None:
        shares = np.asarray(index.shares[:, row])
        keep = shares > 0
        return np.asarray(index.lab[:, :, row]).T[keep], shares[keep]
    from ..options import Options
    from ..pipeline import extract

    palette = extract(like, options=Options(k=index.meta.get("k") or 5), warn=False)
    return np.array([s.oklab for s in palette]), np.array(palette.shares)


def _search(args: argparse.Namespace) -> tuple[list[Any], str]:
    """The hits of the search the flags ask for, and the name of their score."""
    from ..search import DEFAULT_SIGMA, open_index, search_colors, search_like

    index = open_index(args.results, index_path=args.index, rebuild=args.rebuild_index, log=_note)
    if args.color:
        sigma = DEFAULT_SIGMA if args.sigma is None else args.sigma
        mode = "all" if args.match_all else "any"
        return search_colors(index, args.color, top=args.top, sigma=sigma, mode=mode), "score"
    query_lab, query_shares = _like_query(index, args.like)
    return search_like(index, query_lab, query_shares, top=args.top), "distance"


def run_search(args: argparse.Namespace) -> int:
    """``palettekit search``: returns the exit code."""
    from ..errors import PaletteError

    problem = _usage_problem(args)
    if problem is not None:
        print_error(problem[0])
        return problem[1]
    try:
        hits, score_name = _search(args)
    except PaletteError as exc:
        return _error(str(exc))
    except OSError as exc:
        return _error(f"{exc.strerror or exc}")
    if args.json:
        print(json.dumps([h.to_dict(score_name) for h in hits], ensure_ascii=False, indent=2))
    else:
        print(format_table(hits, score_name))
    return EXIT_OK
