"""A palette as a self-contained HTML fragment, for Jupyter's ``_repr_html_``.

:meth:`palettekit.Palette._repr_html_` checks the palette and calls
:func:`swatches_to_html`; this module imports nothing of palettekit's but
text helpers, so the value objects may use it without an import loop.

The fragment uses inline ``style`` attributes only (no ``<style>`` element,
no script, no external resource), so notebook viewers that sanitize HTML
still show it. Text inherits the notebook's color and secondary text is
made fainter with opacity; borders are a half-transparent gray. Both read
on light and dark themes alike, and white or black swatches keep a visible
edge on either.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from .display_text import format_share

if TYPE_CHECKING:
    from .palette import Swatch

__all__ = ["swatches_to_html"]

_FONT = "system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
_MONO = "ui-monospace,SFMono-Regular,Menlo,Consolas,'Liberation Mono',monospace"
_EDGE = "rgba(128,128,128,.45)"
_BAR_HEIGHT_PX = 36
_SWATCH_WIDTH_PX = 100
_SWATCH_HEIGHT_PX = 44


def _attr(text: str) -> str:
    return escape(text, quote=True)


def _bar(palette_shares: list[float], hexes: list[str], titles: list[str]) -> str:
    total = sum(palette_shares)
    if total <= 0:
        return ""
    parts = []
    for share, hex_code, title in zip(palette_shares, hexes, titles, strict=True):
        if share <= 0:
            continue
        parts.append(
            f'<div title="{_attr(title)}" '
            f'style="flex:0 0 {share / total * 100:.4f}%;background:{hex_code}"></div>'
        )
    label = "Palette bar: " + ", ".join(
        t for t, s in zip(titles, palette_shares, strict=True) if s > 0
    )
    return (
        f'<div role="img" aria-label="{_attr(label)}" '
        f'style="display:flex;height:{_BAR_HEIGHT_PX}px;border-radius:6px;overflow:hidden;'
        f'box-shadow:0 0 0 1px {_EDGE};margin:2px 1px 12px">' + "".join(parts) + "</div>"
    )


def _title(swatch: Swatch) -> str:
    """``#2b3a4f 50.0% dark blue grey · blue · CSS darkslategray``."""
    head = " ".join(p for p in (swatch.hex, format_share(swatch.share), swatch.name) if p)
    return f"{head} · {swatch.family} · CSS {swatch.css_name}"


def swatches_to_html(swatches: Sequence[Swatch], source: str | None = None) -> str:
    """An HTML fragment showing a palette: the proportional bar, then one
    card per swatch (color block, hex code, share, name). Hovering a swatch
    or a part of the bar shows its family and nearest CSS named color too.

    Parameters
    ----------
    swatches : sequence of Swatch
        Valid swatches (:func:`palettekit.palette.as_palette` checks them).
    source : str or None
        The palette's source on one line, shown in the caption.

    Returns
    -------
    str
        One ``<div>`` with inline styles; every text from the palette
        (names, ``source``) is HTML-escaped.
    """
    swatches = list(swatches)
    titles = [_title(s) for s in swatches]

    caption = f"{len(swatches)} color{'' if len(swatches) == 1 else 's'}"
    if source is not None:
        caption += f" from {source}"

    cards = []
    for swatch, title in zip(swatches, titles, strict=True):
        name = (
            f'<div style="opacity:.7;font-size:12px;overflow-wrap:anywhere">'
            f"{escape(swatch.name)}</div>"
            if swatch.name
            else ""
        )
        cards.append(
            f'<div title="{_attr(title)}" style="width:{_SWATCH_WIDTH_PX}px">'
            f'<div style="height:{_SWATCH_HEIGHT_PX}px;border-radius:6px;'
            f'background:{swatch.hex};box-shadow:inset 0 0 0 1px {_EDGE}"></div>'
            f'<div style="font-family:{_MONO};margin-top:5px">{swatch.hex}</div>'
            f'<div style="font-size:12px">{escape(format_share(swatch.share))}</div>'
            f"{name}</div>"
        )

    body = (
        _bar([s.share for s in swatches], [s.hex for s in swatches], titles)
        + '<div style="display:flex;flex-wrap:wrap;gap:12px 10px">'
        + ("".join(cards) if cards else '<div style="opacity:.7">(no colors)</div>')
        + "</div>"
    )
    return (
        f'<div class="palettekit-palette" style="font-family:{_FONT};font-size:13px;'
        f"line-height:1.35;color:inherit;max-width:{8 * (_SWATCH_WIDTH_PX + 10)}px;"
        f'padding:4px 0">'
        f'<div style="opacity:.7;font-size:12px;margin-bottom:6px">palettekit · '
        f"{escape(caption)}</div>" + body + "</div>"
    )
