"""The command line's entry point: ``main``, the parser and its subcommands.

``main`` parses the arguments, runs the chosen command, and turns what it
raises into an exit status and one line on standard error. The commands live
beside it:

* :mod:`.extract` -- ``palettekit extract IMAGE...``; ``palettekit IMAGE...``
  is short for it.
* :mod:`.batch`, :mod:`.search` and :mod:`.serve` add ``batch``, ``search``
  and ``serve``; they reuse :func:`add_extract_options` and
  :func:`options_from_args` (:mod:`.flags`). ``extract`` does not even import
  them: they are imported when the command line may name one of them.
* :mod:`.terminal` writes what a person reads (errors, warnings, colors);
  :mod:`.exit_status` holds the statuses.

Exit status: 0 success, 1 input or runtime error, 2 usage error (bad
arguments or option values), 3 partial failure of a batch, 130 interrupted
(Ctrl+C), 141 standard output closed early (``| head``). Errors are one line
on standard error, ``palettekit: error: <source or file>: <problem>``; no
traceback unless ``--debug`` is given.

Only argparse, os and sys are imported at module level besides the palettekit
core; exporters and renderers are imported when used, so the command starts
about as fast as ``import numpy, PIL.Image``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from ..display_text import one_line
from ..errors import ExportError, OptionsError, PaletteError
from . import extract
from .exit_status import (
    EXIT_BROKEN_PIPE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    CliError,
)
from .flags import add_extract_options, options_from_args
from .terminal import PROG, HelpFormatter, print_error, use_color

__all__ = [
    "main",
    "build_parser",
    "add_extract_options",
    "options_from_args",
    "use_color",
    "EXIT_OK",
    "EXIT_ERROR",
    "EXIT_USAGE",
    "EXIT_PARTIAL",
    "EXIT_INTERRUPTED",
    "EXIT_BROKEN_PIPE",
]


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line: ``palettekit: error: ...``."""

    commands: dict[str, argparse.ArgumentParser]

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{PROG}: error: {one_line(message)} (see '{self.prog} --help')\n")


_TOP_DESCRIPTION = """\
The dominant colors of images and their shares, by weighted k-means in Oklab.

'palettekit IMAGE...' is short for 'palettekit extract IMAGE...'."""


_TOP_EPILOG = """\
exit status:
  0 success, 1 input or runtime error, 2 usage error, 3 some sources of a
  batch failed, 130 interrupted, 141 output pipe closed early

environment:
  NO_COLOR     (any non-empty value) no color codes in the output
  FORCE_COLOR  (non-empty, not 0) color codes even when the output is not a terminal

Run 'palettekit COMMAND --help' for the options of a command."""


def _version_text() -> str:
    import numpy
    import PIL

    python = ".".join(map(str, sys.version_info[:3]))
    return (
        f"{PROG} {__version__} (Python {python}, numpy {numpy.__version__}, "
        f"Pillow {PIL.__version__})"
    )


def build_parser(*, adapters: bool = True) -> _Parser:
    """The ``palettekit`` parser: ``extract``, plus ``batch``, ``search`` and ``serve`` if
    ``adapters``.

    Its ``commands`` attribute maps each command name to its parser.
    """
    parser = _Parser(
        prog=PROG,
        description=_TOP_DESCRIPTION,
        epilog=_TOP_EPILOG,
        formatter_class=HelpFormatter,
        allow_abbrev=False,
    )
    parser.commands = {}
    parser.add_argument("--version", action="version", version=_version_text())
    parser.add_argument("--debug", action="store_true", help="show the traceback of every error")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands", required=True
    )
    extract.add_parser(subparsers)
    if adapters:
        from . import batch, search, serve

        for command in (batch, search, serve):
            command.add_parser(subparsers)
    parser.commands = dict(subparsers.choices)
    return parser


def _looks_like_source(token: str) -> bool:
    """True if ``token`` cannot be a command name: a path, a URL, or ``-``."""
    return token == extract.STDIN or any(ch in token for ch in "./\\:") or os.sep in token


def _parser_and_argv(argv: list[str]) -> tuple[_Parser, list[str]]:
    """The parser to use, and ``argv`` with ``extract`` inserted for the shorthand.

    ``palettekit IMAGE...`` means ``palettekit extract IMAGE...`` when the first
    argument (after ``--debug``) is an extract option, a path or a URL, or a
    name that is no command but an existing file. The other commands' modules
    are imported only when the command may be theirs, so ``extract`` starts fast.
    """
    position = 0
    while position < len(argv) and argv[position] == "--debug":
        position += 1
    if position == len(argv) or argv[position] in ("-h", "--help", "--version"):
        return build_parser(), argv
    first = argv[position]
    shorthand = argv[:position] + ["extract"] + argv[position:]
    if first == "extract":
        return build_parser(adapters=False), argv
    if first.startswith("-") or _looks_like_source(first):
        return build_parser(adapters=False), shorthand
    parser = build_parser()
    if first not in parser.commands and os.path.exists(first):
        return parser, shorthand
    return parser, argv


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (never raises SystemExit).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default ``sys.argv[1:]``). Without
        it (the ``palettekit`` command, ``python -m palettekit``), the objects of
        the modules imported so far are moved out of the garbage collector's
        reach first (:func:`gc.freeze`): they live until the process ends, and
        the collector would scan them again at every full collection and at
        exit.
    """
    if argv is None:
        import gc

        gc.freeze()
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    try:
        parser, arguments = _parser_and_argv(arguments)
        args = parser.parse_args(arguments)
        debug = bool(getattr(args, "debug", False))
        run = getattr(args, "run", None)
        if run is None:
            raise CliError(f"command {args.command!r} has no handler", EXIT_ERROR)
        return int(run(args))
    except SystemExit as exc:  # argparse (usage, --help, --version) or an adapter
        return _status_of_system_exit(exc)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except CliError as exc:
        _print_traceback(debug)
        # One raised from another exception reports an unexpected failure.
        hint = "" if debug or exc.__cause__ is None else " (run with --debug for the traceback)"
        print_error(str(exc) + hint)
        return exc.code
    except (OptionsError, ExportError) as exc:
        _print_traceback(debug)
        print_error(str(exc))
        return EXIT_USAGE
    except PaletteError as exc:
        _print_traceback(debug)
        print_error(str(exc))
        return EXIT_ERROR
    except Exception as exc:
        _print_traceback(debug)
        hint = "" if debug else " (run with --debug for the traceback)"
        print_error(f"unexpected {type(exc).__name__}: {exc}{hint}")
        return EXIT_ERROR


def _print_traceback(debug: bool) -> None:
    """With --debug, the traceback of the exception being handled, before its one line."""
    if debug:
        import traceback

        traceback.print_exc()


def _status_of_system_exit(exc: SystemExit) -> int:
    if exc.code is None:
        return EXIT_OK
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return EXIT_ERROR


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at devnull so the exit flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
