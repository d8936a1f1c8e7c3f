"""Flat graphics with known colors: country flags rendered from flag-icons.

    python bench/bench_flags.py [--package DIR] [--kind KIND] [--size WxH] [--min-share S]
                                [--emblems] [--out FILE] [--json FILE]

Every flag of flag-icons (``bench/flagset.py`` says how it is fetched,
rendered at 480 x 360 and how its designed colors and the excluded flags are
determined) is given to ``palettekit.extract`` twice:

* at k = n, the number of designed colors: a designed color is **found**
  when a palette color lies within :data:`FOUND_DISTANCE` = 0.04 of it in
  Oklab (of it or of a spelling merged into it, e.g. ``#000001`` for black);
  the flag passes when every designed color is found;
* at ``k="auto"``: the flag passes when exactly n colors come back; and
  it is **right** (issue 18's measure) when every designed color is found
  and every returned color is within 0.04 of a color the SVG names.

For ``--kind theme`` designed colors closer than the theme's minimum
distance (0.08 in Oklab; a theme's colors are at least that far apart) are
one color, as in tests/test_flag_images.py: each such group must be found,
and n counts the groups.

``--size 1000x750 --min-share 0.01 --emblems`` checks as issue 18 did:
rendered at 1000 px, designed colors those covering >= 1 %, and the flags
with emblems (many declared colors or much area in small ones) included;
flags with gradients or transparency stay out.

The report gives both pass rates over the benchmark flags, the chosen k
against n, and every failure. Requirement (issue 9): both rates 100 %;
issue 18: >= 99 % found at k = n for both kinds.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import flagset  # noqa: E402

import palettekit  # noqa: E402
from palettekit.colorspace import srgb_to_oklab  # noqa: E402
from palettekit.theme import MIN_DISTANCE as THEME_MIN_DISTANCE  # noqa: E402

FOUND_DISTANCE = 0.04


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def oklab(rgb: list[tuple[int, int, int]] | np.ndarray) -> np.ndarray:
    return srgb_to_oklab(np.asarray(rgb, dtype=np.float64).reshape(-1, 3) / 255.0)


def designed_groups(flag: flagset.Flag, kind: str) -> list[list[int]]:
    """Indices of the designed colors that count as one: each alone for a
    palette; for a theme, colors linked by steps closer than its minimum distance."""
    n = flag.n_colors
    group = list(range(n))
    if kind == "theme" and n:
        lab = oklab(flag.designed)
        close = np.linalg.norm(lab[:, None, :] - lab[None, :, :], axis=2) < THEME_MIN_DISTANCE
        for i in range(n):
            for j in range(i + 1, n):
                if close[i, j] and group[j] != group[i]:
                    old = group[j]
                    group = [group[i] if g == old else g for g in group]
    return [[i for i in range(n) if group[i] == g] for g in sorted(set(group))]


def missing_colors(
    flag: flagset.Flag, palette_rgb: list[tuple[int, int, int]], groups: list[list[int]]
) -> list[dict]:
    """Designed colors (groups) with no palette color within FOUND_DISTANCE."""
    palette_lab = oklab(palette_rgb)
    missing = []
    for members in groups:
        spellings = oklab([rgb for i in members for rgb in [flag.designed[i], *flag.aliases[i]]])
        distance = np.linalg.norm(spellings[:, None, :] - palette_lab[None, :, :], axis=2)
        nearest = float(distance.min())
        if nearest > FOUND_DISTANCE:
            missing.append(
                {
                    "color": "/".join(flagset.hex_color(flag.designed[i]) for i in members),
                    "share": sum(flag.designed_shares[i] for i in members),
                    "nearest_distance": nearest,
                }
            )
    return missing


def evaluate(
    flag: flagset.Flag,
    kind: str,
    jpeg_quality: int | None = None,
    size: tuple[int, int] = flagset.RENDER_SIZE,
) -> dict:
    image = flagset.render(flag.svg, size)
    source: np.ndarray | bytes = image
    if jpeg_quality is not None:  # a .jpg file, as a user would have it
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, "JPEG", quality=jpeg_quality)
        source = buffer.getvalue()
    options = {} if kind == "palette" else {"kind": kind}
    groups = designed_groups(flag, kind)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        at_n = palettekit.extract(source, k=len(groups), **options)
        auto = palettekit.extract(source, k="auto", **options)
    elapsed = (time.perf_counter() - start) * 1000.0
    at_n_rgb = [swatch.rgb for swatch in at_n.swatches]
    missing = missing_colors(flag, at_n_rgb, groups)
    auto_rgb = [swatch.rgb for swatch in auto.swatches]
    declared = oklab(flagset.svg_features(flag.svg.read_text(encoding="utf-8"))[0])
    undeclared = [
        flagset.hex_color(rgb)
        for rgb, lab in zip(auto_rgb, oklab(auto_rgb), strict=True)
        if np.linalg.norm(declared - lab, axis=1).min() > FOUND_DISTANCE
    ]
    return {
        "code": flag.code,
        "name": flag.name,
        "designed": [flagset.hex_color(c) for c in flag.designed],
        "designed_shares": [round(s, 5) for s in flag.designed_shares],
        "n": len(groups),
        "palette_at_n": [flagset.hex_color(c) for c in at_n_rgb],
        "missing_at_n": missing,
        "all_found": not missing,
        "auto_k": len(auto.swatches),
        "auto_palette": [flagset.hex_color(s.rgb) for s in auto.swatches],
        "auto_reason": auto.meta["auto_k"]["reason"],
        "auto_exact": len(auto.swatches) == len(groups),
        "auto_undeclared": undeclared,
        "auto_right": not missing_colors(flag, auto_rgb, groups) and not undeclared,
        "ms": round(elapsed, 1),
    }


def report(
    results: list[dict], flags: list[flagset.Flag], kind: str, jpeg_quality: int | None = None
) -> str:
    excluded = [f for f in flags if f.excluded and f.code not in {r["code"] for r in results}]
    reasons = Counter(reason for f in excluded for reason in f.excluded)
    n = len(results)
    found = sum(r["all_found"] for r in results)
    exact = sum(r["auto_exact"] for r in results)
    right = sum(r["auto_right"] for r in results)
    lines = [
        f"# Flags: designed colors found (kind={kind})",
        "",
        f"flag-icons {flagset.FLAG_ICONS_VERSION}, {len(flags)} flags, rendered at "
        f"{flagset.MEASURE_SIZE[0]}x{flagset.MEASURE_SIZE[1]} with cairosvg, designed colors "
        f"those covering >= {100 * flagset.MIN_DESIGNED_SHARE:g}%"
        + (" (for the theme, colors closer than 0.08 are one)" if kind == "theme" else "")
        + (f", saved as JPEG at quality {jpeg_quality}" if jpeg_quality else "")
        + "; "
        f"{n} in the benchmark, {len(excluded)} excluded ("
        + ", ".join(f"{reason} {count}" for reason, count in sorted(reasons.items()))
        + "; a flag can have several reasons).",
        "",
        "| measure | flags | rate |",
        "|---|---|---|",
        f"| every designed color found at k = n (within {FOUND_DISTANCE} Oklab) "
        f"| {found}/{n} | {100.0 * found / n:.1f}% |",
        f'| k="auto" returns exactly n colors | {exact}/{n} | {100.0 * exact / n:.1f}% |',
        f'| k="auto" right: every designed color found, every color one the SVG names '
        f"| {right}/{n} | {100.0 * right / n:.1f}% |",
        "",
        "By number of designed colors n:",
        "",
        "| n | flags | all found at k = n | auto exact | auto k chosen |",
        "|---|---|---|---|---|",
    ]
    by_n: dict[int, list[dict]] = {}
    for r in results:
        by_n.setdefault(r["n"], []).append(r)
    for count in sorted(by_n):
        group = by_n[count]
        chosen = Counter(r["auto_k"] for r in group)
        lines.append(
            f"| {count} | {len(group)} | {sum(r['all_found'] for r in group)} "
            f"| {sum(r['auto_exact'] for r in group)} | "
            + ", ".join(f"{k}: {c}" for k, c in sorted(chosen.items()))
            + " |"
        )
    times = sorted(r["ms"] for r in results)
    lines += [
        "",
        f"Median time of the two extract calls per flag: {times[len(times) // 2]:.0f} ms.",
        "",
    ]
    lines += ["## Not every designed color found at k = n", ""]
    failures = [r for r in results if not r["all_found"]]
    if not failures:
        lines.append("None.")
    for r in failures:
        missed = ", ".join(
            f"{m['color']} ({100 * m['share']:.1f}%, nearest {m['nearest_distance']:.3f})"
            for m in r["missing_at_n"]
        )
        lines.append(
            f"- `{r['code']}` {r['name']}: n={r['n']}, missed {missed}; "
            f"palette {' '.join(r['palette_at_n'])}"
        )
    lines += ["", '## k="auto" not exact', ""]
    failures = [r for r in results if not r["auto_exact"]]
    if not failures:
        lines.append("None.")
    for r in failures:
        shares = " ".join(
            f"{c} {100 * s:.1f}%" for c, s in zip(r["designed"], r["designed_shares"], strict=True)
        )
        lines.append(
            f"- `{r['code']}` {r['name']}: n={r['n']}, auto {r['auto_k']} "
            f"({r['auto_reason']}): {' '.join(r['auto_palette'])}; designed {shares}"
        )
    lines += ["", '## k="auto" not right', ""]
    failures = [r for r in results if not r["auto_right"]]
    if not failures:
        lines.append("None.")
    for r in failures:
        lines.append(
            f"- `{r['code']}` {r['name']}: auto {' '.join(r['auto_palette'])}"
            + (f"; not in the SVG {' '.join(r['auto_undeclared'])}" if r["auto_undeclared"] else "")
            + f"; designed {' '.join(r['designed'])}"
        )
    lines += ["", "## Excluded flags", ""]
    for reason in sorted(reasons):
        codes = [f.code for f in excluded if reason in f.excluded]
        lines.append(f"- {reason}: {' '.join(codes)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", help="an unpacked flag-icons package (default: npm pack)")
    parser.add_argument("--cache", help="where npm pack puts the package")
    parser.add_argument("--kind", default="palette", help="palettekit kind (default palette)")
    parser.add_argument("--codes", help="comma-separated flag codes (default: all)")
    parser.add_argument(
        "--jpeg", type=int, metavar="QUALITY", help="save each render as JPEG first (Pillow)"
    )
    parser.add_argument(
        "--size", default="480x360", help="render and measure at WxH (default 480x360)"
    )
    parser.add_argument(
        "--min-share",
        type=float,
        default=flagset.MIN_DESIGNED_SHARE,
        help="smallest area of a designed color (default 0.003)",
    )
    parser.add_argument(
        "--emblems", action="store_true", help="include the flags excluded for emblems only"
    )
    parser.add_argument("--out", help="write the Markdown report here")
    parser.add_argument("--json", help="write per-flag results here")
    args = parser.parse_args(argv)

    width, height = (int(v) for v in args.size.lower().split("x"))
    flagset.MEASURE_SIZE = (width, height)  # analyse() measures the areas at this size
    flagset.MIN_DESIGNED_SHARE = args.min_share
    flags_dir = flagset.flag_icons_dir(args.package, args.cache)
    log(f"analysing the flags in {flags_dir} ...")
    flags = flagset.all_flags(flags_dir)
    if args.codes:
        wanted = set(args.codes.split(","))
        flags = [f for f in flags if f.code in wanted]
    results = []
    for flag in flags:
        if flag.excluded and not (args.emblems and set(flag.excluded) == {"emblem"}):
            continue
        results.append(evaluate(flag, args.kind, args.jpeg, (width, height)))
    text = report(results, flags, args.kind, args.jpeg)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
