"""What the command line writes for a person: message lines, colors, the swatch table.

Errors, warnings and timings are one line each on standard error, starting
``palettekit: error:``, ``palettekit: warning:`` or ``palettekit: timings:``;
a message that spans lines is joined into one. Colors follow ``--color``,
``NO_COLOR`` and ``FORCE_COLOR`` (:func:`use_color`). Machine formats never
pass through here: they are the format registry's bytes, written as they are.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, TYPE_CHECKING, Any

from ..display_text import one_line
from .exit_status import CliError

if TYPE_CHECKING:
    from ..palette import Palette

PROG = "palettekit"
"""The program's name, which starts every message line."""

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_BLOCK = " " * 6


def print_error(message: str) -> None:
    """``palettekit: error: <message>`` on standard error, as one line."""
    print(f"{PROG}: error: {one_line(message)}", file=sys.stderr, flush=True)


def print_warning(message: str) -> None:
    """``palettekit: warning: <message>`` on standard error, as one line."""
    print(f"{PROG}: warning: {one_line(message)}", file=sys.stderr, flush=True)


def terminal_columns() -> int:
    """The terminal's width in columns, as ``shutil.get_terminal_size().columns``.

    ``COLUMNS`` if it is a positive integer, else the size of the terminal on
    ``sys.__stdout__``, else 80. The same rule as shutil's, without importing
    shutil (with bz2, lzma and fnmatch: 1-3 ms of every command line's start).
    """
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's RawDescriptionHelpFormatter, its width from :func:`terminal_columns`.

    argparse makes a formatter for every flag it adds; its default one imports
    shutil to ask the terminal's width.
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def isatty(stream: IO[Any]) -> bool:
    """Whether ``stream`` is a terminal; False for a closed stream or one without isatty."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def use_color(mode: str = "auto", stream: IO[Any] | None = None, environ: Any = None) -> bool:
    """Whether to write ANSI colors to ``stream``.

    ``mode`` "always" or "never" decides. Otherwise (``"auto"``): no color if
    ``NO_COLOR`` is set to any non-empty value (no-color.org); color if
    ``FORCE_COLOR`` is non-empty and not ``"0"``; no color if ``TERM=dumb``;
    else color exactly when ``stream`` (default stdout) is a terminal.
    """
    if mode == "always":
        return True
    if mode == "never":
        return False
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    force = env.get("FORCE_COLOR")
    if force and force != "0":
        return True
    if env.get("TERM") == "dumb":
        return False
    return isatty(sys.stdout if stream is None else stream)


def swatch_table(palette: Palette) -> str:
    """A summary line, then one line per color: a truecolor swatch, hex, share, name."""
    from ..display_text import format_share

    shares = [format_share(s.share) for s in palette]
    width = max(len(text) for text in shares)
    lines = [f"{_BOLD}{summary_line(palette)}{_RESET}"]
    for swatch, share in zip(palette, shares, strict=True):
        r, g, b = swatch.rgb
        block = f"\x1b[48;2;{r};{g};{b}m{_BLOCK}{_RESET}"
        lines.append(f"{block}  {swatch.hex}  {share.rjust(width)}  {one_line(swatch.name)}")
    return "\n".join(lines) + "\n"


def summary_line(palette: Palette) -> str:
    """``photo.jpg: 5 colors (k=5), 577x433 px of 768x512, distortion 2.31``."""
    meta = palette.meta
    count = len(palette)
    noun = ("theme " if meta.get("kind") == "theme" else "") + ("color" if count == 1 else "colors")
    parts = [f"{count} {noun} (k={meta.get('k', count)})"]
    working, original = meta.get("working_size"), meta.get("original_size")
    if working and original:
        size = f"{working[0]}x{working[1]} px"
        if tuple(working) != tuple(original):
            size += f" of {original[0]}x{original[1]}"
        parts.append(size)
    transparent = meta.get("transparent_share")
    if transparent:
        parts.append(f"{transparent:.0%} transparent")
    if meta.get("distortion") is not None:
        parts.append(f"distortion {meta['distortion']:.2f}")
    source = one_line(str(meta.get("source", "image")))
    return f"{source}: {', '.join(parts)}"


def print_timings(palette: Palette) -> None:
    """``palettekit: timings: <source>: load 1.2 ms, ..., total 9.8 ms`` on standard error."""
    timings = palette.meta.get("timings") or {}
    stages = ", ".join(f"{name} {ms:.1f} ms" for name, ms in timings.items())
    total = sum(timings.values())
    source = one_line(str(palette.meta.get("source", "image")))
    print(f"{PROG}: timings: {source}: {stages}, total {total:.1f} ms", file=sys.stderr, flush=True)


def write_stdout(payload: str | bytes) -> None:
    """Write ``payload`` to standard output and flush it.

    Text goes as the stream's encoding allows (characters it cannot encode
    become ``?``); bytes go to the binary buffer unchanged.

    Raises
    ------
    CliError
        Bytes, when standard output has no binary buffer.
    """
    if isinstance(payload, str):
        try:
            sys.stdout.write(payload)
        except UnicodeEncodeError:
            encoding = sys.stdout.encoding or "ascii"
            sys.stdout.write(payload.encode(encoding, "replace").decode(encoding))
        sys.stdout.flush()
        return
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        raise CliError("standard output cannot take binary data; use -o FILE")
    sys.stdout.flush()
    buffer.write(payload)
    buffer.flush()
