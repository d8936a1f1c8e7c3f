"""Text shown to people on one line: messages, labels, names written into files."""

from __future__ import annotations

__all__ = ["one_line", "reason_of", "format_share"]


def one_line(text: str, limit: int | None = None, *, escape: bool = False) -> str:
    """``text`` made safe to show on one line.

    Parameters
    ----------
    text : str
        Any text: an error message, a file name, a URL, a color name.
    limit : int, optional
        Longest result, in characters (at least 3).
    escape : bool
        False (messages, names written into files): every unprintable
        character (line breaks, tabs, other controls) becomes a space, runs
        of spaces become one, and a text longer than ``limit`` is cut at its
        end with "…". True (labels of paths and URLs, which a user must be
        able to recognise): unprintable characters are written as Python
        escapes (``\\n``), and a text longer than ``limit`` loses its middle.
    """
    if escape:
        cleaned = "".join(
            ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
        )
        if limit is not None and len(cleaned) > limit:
            keep = (limit - 1) // 2
            cleaned = f"{cleaned[:keep]}…{cleaned[-keep:]}"
        return cleaned
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat


def reason_of(exc: BaseException) -> str:
    """``"TypeName: message"`` of an exception, escaped onto one line (at most 200 chars)."""
    text = str(exc)
    return one_line(
        f"{type(exc).__name__}: {text}" if text else type(exc).__name__, 200, escape=True
    )


def format_share(share: float) -> str:
    """A share as a percentage with one decimal: ``0.3123 -> "31.2%"``.

    Non-zero shares never print as 0.0% or 100.0%: they show as ``"<0.1%"``
    and ``">99.9%"``.
    """
    text = f"{share * 100.0:.1f}"
    if share > 0 and text == "0.0":
        return "<0.1%"
    if share < 1 and text == "100.0":
        return ">99.9%"
    return f"{text}%"
