"""Write the committed flag test set, tests/data/flags/.

    python bench/make_flag_tests.py [--package DIR] [--out tests/data/flags]

The set is every benchmark flag of ``bench/flagset.py`` with at most 6
designed colors (``flagset.in_test_set``), rendered at 480 x 360, leaving out
a flag whose render is identical to an earlier one's (by code: ``fr`` is
kept as ``bl``, ``us`` as ``um``, ...). PNGs are lossless: indexed when the
render has at most 256 colors and that is smaller, RGB otherwise. Writes ``<code>.png`` for each and
``flags.json``: the source and license, the rules, and per flag its designed
colors (largest area first), their areas and the merged spellings
(aliases). ``LICENSE`` holds flag-icons' MIT license text.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import flagset  # noqa: E402

RULES = {
    "render": "cairosvg, 480x360, anti-aliased, composited on white",
    "declared_colors": "fill, stroke, stop-color, flood-color, color (attributes and style), "
    "plus black, the SVG default fill",
    "same_color": f"declared colors closer than {flagset.SAME_COLOR} in Oklab are one color "
    "(single linkage); the value of the member with the largest area, the others as aliases",
    "area": "share of the render's pixels that are the color exactly (every channel within "
    f"{flagset.EXACT_TOLERANCE}; the nearest color if several): interiors, not edges",
    "designed": f"area >= {flagset.MIN_DESIGNED_SHARE:.1%}",
    "excluded": "gradient, pattern, image or filter elements; partly transparent paint changing "
    f"more than {flagset.MAX_TRANSPARENCY_SHARE:.1%} of the render; more than "
    f"{flagset.MAX_DECLARED_COLORS} declared colors or more than "
    f"{flagset.MAX_UNDESIGNED_SHARE:.0%} of the render in declared colors under the threshold "
    "(emblem)",
    "test_set": f"benchmark flags with at most {flagset.TEST_MAX_COLORS} designed colors, "
    "renders identical to an earlier flag's (sorted by code) left out",
}


def _save_png(image: np.ndarray, path: Path) -> None:
    """Save losslessly, as an indexed PNG when the render has at most 256
    colors and that is smaller (the same pixels, about a third less)."""
    rgb = Image.fromarray(image)
    buffer = io.BytesIO()
    rgb.save(buffer, "PNG", optimize=True)
    best = buffer.getvalue()
    keys = (image[..., 0].astype(np.int32) << 16) | (image[..., 1].astype(np.int32) << 8)
    keys |= image[..., 2]
    colors, index = np.unique(keys.ravel(), return_inverse=True)
    if colors.size <= 256:
        indexed = Image.fromarray(index.reshape(keys.shape).astype(np.uint8), "P")
        palette = np.stack([colors >> 16, (colors >> 8) & 255, colors & 255], axis=1)
        indexed.putpalette(palette.astype(np.uint8).ravel().tolist())
        buffer = io.BytesIO()
        indexed.save(buffer, "PNG", optimize=True)
        again = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
        if np.array_equal(again, image) and len(buffer.getvalue()) < len(best):
            best = buffer.getvalue()
    path.write_bytes(best)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", help="an unpacked flag-icons package (default: npm pack)")
    parser.add_argument("--cache", help="where npm pack puts the package")
    parser.add_argument("--out", default=str(BENCH_DIR.parent / "tests" / "data" / "flags"))
    args = parser.parse_args(argv)

    flags_dir = flagset.flag_icons_dir(args.package, args.cache)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    seen: dict[str, str] = {}
    entries = []
    for flag in flagset.all_flags(flags_dir):
        if not flagset.in_test_set(flag):
            continue
        image = flagset.render(flag.svg)
        digest = hashlib.sha1(image.tobytes()).hexdigest()
        if digest in seen:
            print(f"{flag.code}: same image as {seen[digest]}, left out", file=sys.stderr)
            continue
        seen[digest] = flag.code
        _save_png(image, out / f"{flag.code}.png")
        entries.append(
            {
                "code": flag.code,
                "name": flag.name,
                "file": f"{flag.code}.png",
                "designed": [flagset.hex_color(c) for c in flag.designed],
                "shares": [round(s, 5) for s in flag.designed_shares],
                "aliases": [[flagset.hex_color(c) for c in a] for a in flag.aliases],
            }
        )
    license_text = (flags_dir.parent.parent / "LICENSE").read_text()
    (out / "LICENSE").write_text(license_text)
    document = {
        "source": flagset.ATTRIBUTION,
        "license": "MIT, see LICENSE in this folder",
        "generated_by": "bench/make_flag_tests.py",
        "rules": RULES,
        "flags": entries,
    }
    # One flag per line: readable in a diff, and a fifth of the indented size.
    text = json.dumps({**document, "flags": []}, indent=1)
    rows = ",\n  ".join(json.dumps(entry) for entry in entries)
    text = text.replace('"flags": []', '"flags": [\n  ' + rows + "\n ]")
    (out / "flags.json").write_text(text + "\n")
    total = sum(p.stat().st_size for p in out.iterdir())
    print(f"{len(entries)} flags, {total / 1e6:.2f} MB in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
