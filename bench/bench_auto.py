"""k="auto" and the background detector: cost, choices, stability, accuracy.

    python bench/bench_auto.py [--corpus ../shared/corpus] [--repeat 3] [--out FILE]

1. **Cost of k="auto"** on CQ100: per image, the median over ``--repeat``
   runs of ``extract(path, k=8)`` and of ``extract(path, k="auto")`` (decode
   included, runs interleaved so machine load hits both alike). Target: the
   total time of auto is at most 3x that of k=8.
2. **Choices**: the k chosen per CQ100 image, why, and the distortion; and
   on synthetic flat graphics (2 to 7 flat colors, anti-aliased edges, some
   with a small accent) the k chosen against the number of colors drawn.
3. **Stability**: the same seed gives the same palette (checked on every
   image); across seeds 0-4 the chosen k varies by at most this much.
4. **Background detector** on the synthetic product shots of
   tests/synthetic_shots.py (16 with a backdrop, 6 scenes without): detected
   / missed / false alarms, mask IoU against the truth, color error; and the
   CQ100 images in which a backdrop is found.

Keep runs small: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent / "tests"))

import palettekit  # noqa: E402
from palettekit.autok import JND, min_pairwise_distance  # noqa: E402
from palettekit.background import detect_background  # noqa: E402
from palettekit.colorspace import srgb_to_oklab  # noqa: E402
from palettekit.load import load_image  # noqa: E402
from palettekit.options import Options  # noqa: E402
from synthetic_shots import synthetic_set  # noqa: E402

TARGET_RATIO = 3.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(function) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function()
    return (time.perf_counter() - start) * 1000.0, result


def flat_graphics() -> list[tuple[str, np.ndarray, int]]:
    """Synthetic flat illustrations: (name, image, number of flat colors)."""
    palettes = [
        [(250, 250, 245), (200, 30, 40)],
        [(255, 255, 255), (20, 60, 140), (240, 180, 0)],
        [(30, 30, 30), (230, 230, 230), (0, 150, 136), (233, 30, 99)],
        [(245, 240, 230), (40, 40, 60), (220, 90, 50), (90, 160, 70), (60, 120, 200)],
        [(255, 255, 255), (0, 0, 0), (255, 0, 0), (0, 200, 0), (0, 0, 255), (255, 200, 0)],
        [
            (250, 248, 240),
            (30, 40, 80),
            (200, 60, 60),
            (60, 160, 120),
            (250, 190, 60),
            (120, 80, 160),
            (150, 150, 150),
        ],
    ]
    out = []
    rng = np.random.default_rng(0)
    for n, colors in enumerate(palettes):
        big = Image.new("RGB", (1600, 1000), colors[0])
        draw = ImageDraw.Draw(big)
        for i, color in enumerate(colors[1:]):
            x0, y0 = rng.integers(0, 1200), rng.integers(0, 700)
            w, h = rng.integers(200, 600), rng.integers(150, 400)
            if i % 2:
                draw.ellipse((x0, y0, x0 + w, y0 + h), fill=color)
            else:
                draw.rectangle((x0, y0, x0 + w, y0 + h), fill=color)
        # Some text-like strokes in the first foreground color.
        for j in range(8):
            draw.line((100 + 150 * j, 900, 180 + 150 * j, 960), fill=colors[1], width=10)
        image = np.asarray(big.resize((800, 500), Image.Resampling.BOX))
        out.append((f"flat-{len(colors)}-colors-{n}", image, len(colors)))
    return out


def bench_cost(paths: list[Path], repeat: int) -> tuple[list[dict], float, float]:
    rows = []
    for path in paths:
        fixed_ms, auto_ms = [], []
        auto = None
        for _ in range(repeat):
            ms, _ = timed(lambda path=path: palettekit.extract(path, k=8))
            fixed_ms.append(ms)
            ms, auto = timed(lambda path=path: palettekit.extract(path, k="auto"))
            auto_ms.append(ms)
        assert isinstance(auto, palettekit.Palette)
        again = palettekit.extract(path, k="auto")
        rows.append(
            {
                "name": path.stem,
                "fixed_ms": statistics.median(fixed_ms),
                "auto_ms": statistics.median(auto_ms),
                "k": auto.meta["k"],
                "k_returned": len(auto),
                "reason": auto.meta["auto_k"]["reason"],
                "distortion": auto.meta["distortion"],
                "same_run_to_run": again == auto,
                "min_distance": min_pairwise_distance([s.oklab for s in auto]),
            }
        )
        log(f"  {path.stem}: k={rows[-1]['k']} {rows[-1]['auto_ms']:.0f} ms")
    total_fixed = sum(r["fixed_ms"] for r in rows)
    total_auto = sum(r["auto_ms"] for r in rows)
    return rows, total_fixed, total_auto


def bench_seeds(paths: list[Path], seeds: range) -> dict[str, list[int]]:
    ks = {}
    for path in paths:
        ks[path.stem] = [palettekit.extract(path, k="auto", seed=seed).meta["k"] for seed in seeds]
    return ks


def bench_background(corpus_paths: list[Path]) -> tuple[list[str], list[str]]:
    lines = []
    shots = synthetic_set()
    hits = misses = false_alarms = true_negatives = 0
    ious, color_errors, times = [], [], []
    for shot in shots:
        ms, background = timed(lambda shot=shot: detect_background(shot.image))
        times.append(ms)
        if shot.backdrop is None:
            if background is None:
                true_negatives += 1
            else:
                false_alarms += 1
            continue
        if background is None:
            misses += 1
            continue
        hits += 1
        mask = background.mask  # type: ignore[attr-defined]
        ious.append(float((mask & shot.backdrop).sum() / (mask | shot.backdrop).sum()))
        truth = srgb_to_oklab(shot.image[shot.backdrop].mean(axis=0) / 255.0)
        color_errors.append(float(np.linalg.norm(np.asarray(background.oklab) - truth)))  # type: ignore[attr-defined]
    n_with = sum(s.backdrop is not None for s in shots)
    lines += [
        f"| backdrops detected | {hits} / {n_with} |",
        f"| backdrops missed | {misses} |",
        f"| scenes without backdrop, correctly none | {true_negatives} / {len(shots) - n_with} |",
        f"| false alarms | {false_alarms} |",
        f"| mask IoU, mean (min) | {statistics.mean(ious):.4f} ({min(ious):.4f}) |" if ious else "",
        f"| color error (Oklab), mean (max) | {statistics.mean(color_errors):.4f} "
        f"({max(color_errors):.4f}) |"
        if color_errors
        else "",
        f"| time per 240x180 shot, median | {statistics.median(times):.1f} ms |",
    ]
    found = []
    options = Options()
    for path in corpus_paths:
        array = load_image(path, options).to_array()
        background = detect_background(array)
        if background is not None:
            found.append(f"{path.stem} ({background.hex}, share {background.share:.2f})")
    return [line for line in lines if line], found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=BENCH_DIR.parent.parent / "shared" / "corpus"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    paths = sorted((args.corpus / "cq100").glob("*.png"))
    if not paths:
        raise SystemExit(f"no CQ100 images under {args.corpus / 'cq100'}")
    warnings.simplefilter("ignore")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    log("cost and choices on CQ100 ...")
    palettekit.extract(paths[0], k=8)  # warm up imports and caches
    rows, total_fixed, total_auto = bench_cost(paths, args.repeat)
    ratio = total_auto / total_fixed
    log("stability across seeds ...")
    seed_ks = bench_seeds(paths[::5], range(5))
    log("flat graphics ...")
    flats = [(name, palettekit.extract(image, k="auto"), n) for name, image, n in flat_graphics()]
    log("background ...")
    background_lines, found = bench_background(paths)

    ks = [r["k"] for r in rows]
    out = [
        '# k="auto" and background detection',
        "",
        f"CQ100: {len(paths)} images; medians of {args.repeat} interleaved runs; "
        f"load average at start {load:.2f}.",
        "",
        '## Cost of k="auto" (extract from the file path, decode included)',
        "",
        "| | total | mean per image |",
        "|---|---|---|",
        f"| k=8 | {total_fixed:.0f} ms | {total_fixed / len(rows):.1f} ms |",
        f'| k="auto" | {total_auto:.0f} ms | {total_auto / len(rows):.1f} ms |',
        f"| ratio (target <= {TARGET_RATIO:g}) | **{ratio:.2f}x** "
        f"({'ok' if ratio <= TARGET_RATIO else 'MISSED'}) | per image: median "
        f"{statistics.median(r['auto_ms'] / r['fixed_ms'] for r in rows):.2f}x, max "
        f"{max(r['auto_ms'] / r['fixed_ms'] for r in rows):.2f}x |",
        "",
        "## Chosen k on CQ100",
        "",
        f"k chosen: min {min(ks)}, median {statistics.median(ks):g}, max {max(ks)}; "
        f"histogram: " + ", ".join(f"{k}: {ks.count(k)}" for k in sorted(set(ks))) + ".",
        "Same palette run to run (same seed): "
        f"{sum(r['same_run_to_run'] for r in rows)} / {len(rows)}.",
        f"Smallest distance between two colors of a palette: "
        f"{min(r['min_distance'] for r in rows):.4f} (JND {JND}).",
        "",
        "| image | k | returned | reason | distortion | k=8 ms | auto ms |",
        "|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| {r['name']} | {r['k']} | {r['k_returned']} | {r['reason']} | {r['distortion']:.2f} | "
        f"{r['fixed_ms']:.0f} | {r['auto_ms']:.0f} |"
        for r in rows
    ]
    spreads = {name: max(v) - min(v) for name, v in seed_ks.items()}
    out += [
        "",
        "## Stability across seeds 0-4 (every 5th CQ100 image)",
        "",
        "| image | k for seeds 0..4 |",
        "|---|---|",
    ]
    out += [f"| {name} | {', '.join(map(str, v))} |" for name, v in seed_ks.items()]
    out += ["", f"Largest spread of k across seeds: {max(spreads.values())}.", ""]
    out += [
        "## Flat graphics (synthetic, anti-aliased)",
        "",
        "| image | colors drawn | k chosen | returned |",
        "|---|---|---|---|",
    ]
    out += [f"| {name} | {n} | {p.meta['k']} | {len(p)} |" for name, p, n in flats]
    out += [
        "",
        "## Background detector (tests/synthetic_shots.py)",
        "",
        "| measure | value |",
        "|---|---|",
        *background_lines,
        "",
        f"CQ100 images with a backdrop found: {', '.join(found) if found else 'none'}.",
        "",
    ]
    report = "\n".join(out)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
