"""Flat graphics with known colors: country flags rendered from flag-icons.

    python bench/bench_flags.py [--package DIR] [--out FILE] [--json FILE]

Every flag of flag-icons (``bench/flagset.py`` says how it is fetched,
rendered at 480 x 360 and how its designed colors and the excluded flags are
determined) is given to ``palettekit.extract`` twice:

* at k = n, the number of designed colors: a designed color is **found**
  when a palette color lies within :data:`FOUND_DISTANCE` = 0.04 of it in
  Oklab (of it or of a spelling merged into it, e.g. ``#000001`` for black);
  the flag passes when every designed color is found;
* at ``k="auto"``: the flag passes when exactly n colors come back.

The report gives both pass rates over the benchmark flags, the chosen k
against n, and every failure. Requirement (issue 9): both rates 100 %.
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

FOUND_DISTANCE = 0.04


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def oklab(rgb: list[tuple[int, int, int]] | np.ndarray) -> np.ndarray:
    return srgb_to_oklab(np.asarray(rgb, dtype=np.float64).reshape(-1, 3) / 255.0)


def missing_colors(flag: flagset.Flag, palette_rgb: list[tuple[int, int, int]]) -> list[dict]:
    """Designed colors with no palette color within FOUND_DISTANCE."""
    palette_lab = oklab(palette_rgb)
    missing = []
    for rgb, share, aliases in zip(flag.designed, flag.designed_shares, flag.aliases, strict=True):
        spellings = oklab([rgb, *aliases])
        distance = np.linalg.norm(spellings[:, None, :] - palette_lab[None, :, :], axis=2)
        nearest = float(distance.min())
        if nearest > FOUND_DISTANCE:
            missing.append(
                {"color": flagset.hex_color(rgb), "share": share, "nearest_distance": nearest}
            )
    return missing


def evaluate(flag: flagset.Flag, kind: str, jpeg_quality: int | None = None) -> dict:
    image = flagset.render(flag.svg)
    source: np.ndarray | bytes = image
    if jpeg_quality is not None:  # a .jpg file, as a user would have it
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, "JPEG", quality=jpeg_quality)
        source = buffer.getvalue()
    options = {} if kind == "palette" else {"kind": kind}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        at_n = palettekit.extract(source, k=flag.n_colors, **options)
        auto = palettekit.extract(source, k="auto", **options)
    elapsed = (time.perf_counter() - start) * 1000.0
    at_n_rgb = [swatch.rgb for swatch in at_n.swatches]
    missing = missing_colors(flag, at_n_rgb)
    return {
        "code": flag.code,
        "name": flag.name,
        "designed": [flagset.hex_color(c) for c in flag.designed],
        "designed_shares": [round(s, 5) for s in flag.designed_shares],
        "palette_at_n": [flagset.hex_color(c) for c in at_n_rgb],
        "missing_at_n": missing,
        "all_found": not missing,
        "auto_k": len(auto.swatches),
        "auto_palette": [flagset.hex_color(s.rgb) for s in auto.swatches],
        "auto_reason": auto.meta["auto_k"]["reason"],
        "auto_exact": len(auto.swatches) == flag.n_colors,
        "ms": round(elapsed, 1),
    }


def report(
    results: list[dict], flags: list[flagset.Flag], kind: str, jpeg_quality: int | None = None
) -> str:
    excluded = [f for f in flags if f.excluded]
    reasons = Counter(reason for f in excluded for reason in f.excluded)
    n = len(results)
    found = sum(r["all_found"] for r in results)
    exact = sum(r["auto_exact"] for r in results)
    lines = [
        f"# Flags: designed colors found (kind={kind})",
        "",
        f"flag-icons {flagset.FLAG_ICONS_VERSION}, {len(flags)} flags, rendered at "
        f"{flagset.RENDER_SIZE[0]}x{flagset.RENDER_SIZE[1]} with cairosvg"
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
        "",
        "By number of designed colors n:",
        "",
        "| n | flags | all found at k = n | auto exact | auto k chosen |",
        "|---|---|---|---|---|",
    ]
    by_n: dict[int, list[dict]] = {}
    for r in results:
        by_n.setdefault(len(r["designed"]), []).append(r)
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
            f"- `{r['code']}` {r['name']}: n={len(r['designed'])}, missed {missed}; "
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
            f"- `{r['code']}` {r['name']}: n={len(r['designed'])}, auto {r['auto_k']} "
            f"({r['auto_reason']}): {' '.join(r['auto_palette'])}; designed {shares}"
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
    parser.add_argument("--out", help="write the Markdown report here")
    parser.add_argument("--json", help="write per-flag results here")
    args = parser.parse_args(argv)

    flags_dir = flagset.flag_icons_dir(args.package, args.cache)
    log(f"analysing the flags in {flags_dir} ...")
    flags = flagset.all_flags(flags_dir)
    if args.codes:
        wanted = set(args.codes.split(","))
        flags = [f for f in flags if f.code in wanted]
    results = []
    for flag in flags:
        if flag.excluded:
            continue
        results.append(evaluate(flag, args.kind, args.jpeg))
    text = report(results, flags, args.kind, args.jpeg)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
