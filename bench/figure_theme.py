"""The README's side-by-side figure: an image with its palette and its theme.

    python bench/figure_theme.py [IMAGE] [--k 5] [--out docs/macaws-theme.png]

Left: ``palettekit.extract(IMAGE, k)`` (the default palette, k-means); right:
``palettekit.extract(IMAGE, k, kind="theme")``; each drawn by
``palettekit.render.figure`` under a one-line caption.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

import palettekit  # noqa: E402
from palettekit import render  # noqa: E402

_CAPTION_HEIGHT = 34
_GAP = 8


def side_by_side(image: str, k: int, width: int = 640) -> Image.Image:
    panels = []
    for kind, caption in (
        ("palette", f"palette (default): k-means, k={k}"),
        ("theme", f'theme: kind="theme", k={k}'),
    ):
        palette = palettekit.extract(image, k=k, kind=kind)
        card = render.figure(image, palette, width=width, bar_height=64)
        panel = Image.new("RGB", (card.width, card.height + _CAPTION_HEIGHT), "white")
        panel.paste(card, (0, _CAPTION_HEIGHT))
        draw = ImageDraw.Draw(panel)
        draw.text(
            (16, _CAPTION_HEIGHT - 4),
            caption,
            fill=(40, 40, 40),
            font=ImageFont.load_default(size=18),
            anchor="ls",
        )
        panels.append(panel)
    out = Image.new(
        "RGB",
        (sum(p.width for p in panels) + _GAP, max(p.height for p in panels)),
        "white",
    )
    out.paste(panels[0], (0, 0))
    out.paste(panels[1], (panels[0].width + _GAP, 0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("image", nargs="?", default=str(REPO / "examples" / "macaws.png"))
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", default=str(REPO / "docs" / "macaws-theme.png"))
    args = parser.parse_args()
    render.save_png(side_by_side(args.image, args.k), args.out)
    print(args.out)


if __name__ == "__main__":
    main()
