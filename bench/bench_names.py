"""Cost and fit of naming colors with the xkcd survey names (issue 9, part 3).

Usage::

    python bench/bench_names.py                    # CQ100 palettes from ../shared/corpus
    python bench/bench_names.py --corpus DIR --k 8

Reports, on this machine:

- the one-time cost of reading the name table (fresh interpreter, the
  median of several runs), and what ``import palettekit`` costs before and
  after (the table must not be read at import);
- the cost of naming one palette (``nearest_names`` on the k colors of each
  CQ100 palette, median over images) beside the CSS lookup it replaced, and
  of ``Palette.to_dict`` (families and CSS names of all colors at once);
- over a grid of 262,144 sRGB colors: how often the overall nearest survey
  name already says the color's family, and the distance to the chosen name
  (with and without the family constraint).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import palettekit  # noqa: E402
from palettekit.colorspace import srgb_to_oklab  # noqa: E402
from palettekit.families import family_indices  # noqa: E402
from palettekit.names import nearest_css_names, nearest_names, survey_names  # noqa: E402


def best_ms(function, repeat: int = 200, rounds: int = 7) -> float:
    """Fastest of ``rounds`` means over ``repeat`` calls, in ms (the machine is shared)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            function()
        best = min(best, (time.perf_counter() - start) / repeat)
    return best * 1e3


def fresh_process_ms(code: str, runs: int = 7) -> float:
    """Median wall time of ``code`` in a fresh interpreter, as it prints it."""
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": str(ROOT / "src")},
        )
        times.append(float(out.stdout))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--k", type=int, default=8)
    args = parser.parse_args()

    load = fresh_process_ms(
        "import time, palettekit.names as n; t = time.perf_counter(); n.survey_names(); "
        "print((time.perf_counter() - t) * 1e3)"
    )
    print(f"name table: {len(survey_names().names)} names, first read {load:.1f} ms (median)")
    read_at_import = subprocess.run(
        [
            sys.executable,
            "-c",
            "import palettekit, palettekit.names as n; print(n.survey_names.cache_info().currsize)",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "src")},
    ).stdout.strip()
    print(f"read at import: {'yes' if read_at_import != '0' else 'no'}")

    images = sorted((args.corpus / "cq100").glob("*.png"))
    if images:
        survey, css, to_dict = [], [], []
        for path in images:
            palette = palettekit.extract(str(path), k=args.k)
            lab = np.array([s.oklab for s in palette])
            survey.append(best_ms(lambda lab=lab: nearest_names(lab)))
            css.append(best_ms(lambda lab=lab: nearest_css_names(lab)))
            to_dict.append(best_ms(lambda p=palette: p.to_dict(), repeat=50))
        print(
            f"per palette (k={args.k}, {len(images)} CQ100 images, median): "
            f"survey names {statistics.median(survey):.3f} ms, "
            f"CSS names {statistics.median(css):.3f} ms, "
            f"Palette.to_dict {statistics.median(to_dict):.3f} ms"
        )
    else:
        print(f"no CQ100 images under {args.corpus}: per-palette cost skipped")

    levels = np.arange(0, 256, 4)
    levels[-1] = 255
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3)
    lab = srgb_to_oklab(grid / 255.0)
    table = survey_names()
    family = family_indices(lab)
    _, chosen = nearest_names(lab, family)
    nearest = np.empty(len(lab))
    nearest_index = np.empty(len(lab), dtype=np.intp)
    for start in range(0, len(lab), 4096):
        block = lab[start : start + 4096]
        d2 = ((block[:, None, :] - table.oklab[None, :, :]) ** 2).sum(-1)
        nearest_index[start : start + 4096] = d2.argmin(axis=1)
        nearest[start : start + 4096] = np.sqrt(d2.min(axis=1))
    agrees = table.says_family[nearest_index, family]
    print(
        f"grid of {len(lab):,} sRGB colors: the nearest name says the family for "
        f"{agrees.mean():.1%}; distance to the name, median / p99 / max: "
        f"nearest {np.median(nearest):.4f} / {np.percentile(nearest, 99):.4f} / "
        f"{nearest.max():.4f}, chosen {np.median(chosen):.4f} / "
        f"{np.percentile(chosen, 99):.4f} / {chosen.max():.4f}"
    )


if __name__ == "__main__":
    main()
