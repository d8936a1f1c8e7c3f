"""What the command line writes to the terminal: messages, colors, the color table.

Errors and warnings are one line each on standard error, ``palettekit: error:
...``; colors follow ``--color``, ``NO_COLOR`` and ``FORCE_COLOR``.
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any

from ..palette import Palette
from ..text import one_line
from .exit_status import _CliError

PROG = "palettekit"

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_BLOCK = " " * 6


def _print_error(message: str) -> None:
    print(f"{PROG}: error: {one_line(message)}", file=sys.stderr, flush=True)


def _print_warning(message: str) -> None:
    print(f"{PROG}: warning: {one_line(message)}", file=sys.stderr, flush=True)


def _isatty(stream: IO[Any]) -> bool:
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
    return _isatty(sys.stdout if stream is None else stream)


def _terminal_text(palette: Palette) -> str:
    """A summary line, then one line per color: a truecolor swatch, hex, share, name."""
    from ..text import format_share

    shares = [format_share(s.share) for s in palette]
    width = max(len(text) for text in shares)
    lines = [f"{_BOLD}{_summary(palette)}{_RESET}"]
    for swatch, share in zip(palette, shares, strict=True):
        r, g, b = swatch.rgb
        block = f"\x1b[48;2;{r};{g};{b}m{_BLOCK}{_RESET}"
        lines.append(f"{block}  {swatch.hex}  {share.rjust(width)}  {one_line(swatch.name)}")
    return "\n".join(lines) + "\n"


def _summary(palette: Palette) -> str:
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


def _print_timings(palette: Palette) -> None:
    timings = palette.meta.get("timings") or {}
    stages = ", ".join(f"{name} {ms:.1f} ms" for name, ms in timings.items())
    total = sum(timings.values())
    source = one_line(str(palette.meta.get("source", "image")))
    print(f"{PROG}: timings: {source}: {stages}, total {total:.1f} ms", file=sys.stderr, flush=True)


def _write_stdout(payload: str | bytes) -> None:
    """Text as the terminal's encoding allows; bytes and machine formats as UTF-8 bytes."""
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
        raise _CliError("standard output cannot take binary data; use -o FILE")
    sys.stdout.flush()
    buffer.write(payload)
    buffer.flush()
