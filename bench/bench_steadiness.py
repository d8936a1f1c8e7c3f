# ruff: noqa: E501  (report text lines)
"""Steadiness: the same photo at another size should give the same colors (issue 18 §2).

    python bench/bench_steadiness.py --corpus ../shared/corpus [--quick] [--out bench/results_steadiness.md]

**Sizes.** Each photo is decoded once at full resolution (Pillow, no draft)
and reduced with Pillow's Lanczos filter to 1/2 and 1/4 of its width and
height; the three sizes are written as PNG to a temporary folder, so every
tool reads the same lossless pixels and only the size changes. Upscaling is
not allowed, so each image is used at the sizes it supports:

* ``unsplash/1920x1280/*.jpg``: 1920x1280, 960x640 and 480x320 (the issue's
  sizes);
* ``cq100/*.png`` (768x512): 768x512, 384x256 and 192x128.

**Score.** The colors found at each smaller size are matched one to one to
those found at the largest size (Hungarian matching on Oklab distance,
``scipy.optimize.linear_sum_assignment``; when a tool returns fewer colors
than asked, only as many pairs as the shorter list are matched), and the
score is the mean Oklab distance of the matched pairs x 100 (about 2 is a
just-noticeable difference). A table cell gives the median over every
(image, smaller size) pair and, in brackets, the worst pair.

**Tools** (k = 5 and 8): palettekit's palette (``extract(path, k)``), its
theme (``kind="theme"``), Pylette's OKLab mode and fast-colorthief, the last
two as bench/tools.py calls them (a peer that is not installed shows as "not
installed").

**PIL image against path.** For each 1920x1280 and 3840x2560 JPEG,
``extract(path)`` against ``extract(PIL.Image.open(path))`` (palette and theme,
k = 5 and 8), matched the same way; the report also counts the pairs farther
apart than 0.02 (visibly different colors).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent / "src"))

import tools  # noqa: E402
from colorspace import srgb8_to_oklab  # noqa: E402

import palettekit  # noqa: E402

KS = (5, 8)
SCALES = (1, 2, 4)
VISIBLE = 0.02
RGB = tuple[int, int, int]
Runner = Callable[[str | Image.Image, int], list[RGB]]


def _palettekit(kind: str) -> Callable[[], Runner]:
    def load() -> Runner:
        def run(source: str | Image.Image, k: int) -> list[RGB]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                palette = palettekit.extract(source, k=k, kind=kind)
            return [tuple(int(v) for v in s.rgb) for s in palette]  # type: ignore[misc]

        return run

    return load


def _peer(key: str) -> Callable[[], Runner]:
    def load() -> Runner:
        return tools.TOOLS_BY_KEY[key].load()  # type: ignore[return-value]

    return load


@dataclass
class Entry:
    key: str
    label: str
    load: Callable[[], Runner]
    runner: Runner | None = None
    missing: str = ""
    scores: dict[tuple[str, int], list[tuple[float, str]]] = field(default_factory=dict)


ENTRIES = [
    Entry("palette", "palettekit palette", _palettekit("palette")),
    Entry("theme", "palettekit theme", _palettekit("theme")),
    Entry("pylette_oklab", "Pylette OKLab", _peer("pylette_oklab")),
    Entry("fast_colorthief", "fast-colorthief", _peer("fast_colorthief")),
]


def matched_distance(a: Sequence[RGB], b: Sequence[RGB]) -> tuple[float, int]:
    """Mean Oklab distance of the Hungarian matching of ``a`` to ``b``, and
    how many matched pairs are farther apart than :data:`VISIBLE`."""
    from scipy.optimize import linear_sum_assignment

    lab_a = srgb8_to_oklab(np.asarray(a, dtype=np.float64).reshape(-1, 3))
    lab_b = srgb8_to_oklab(np.asarray(b, dtype=np.float64).reshape(-1, 3))
    cost = np.sqrt(((lab_a[:, None, :] - lab_b[None, :, :]) ** 2).sum(axis=2))
    rows, cols = linear_sum_assignment(cost)
    pairs = cost[rows, cols]
    return float(pairs.mean()), int((pairs > VISIBLE).sum())


def _sizes(path: Path, folder: Path) -> list[tuple[str, Path]]:
    """The image at full size, 1/2 and 1/4, as PNG files in ``folder``."""
    with Image.open(path) as image:
        full = image.convert("RGB")
    out = []
    for scale in SCALES:
        size = (full.width // scale, full.height // scale)
        resized = full if scale == 1 else full.resize(size, Image.Resampling.LANCZOS)
        target = folder / f"{path.stem}-{size[0]}x{size[1]}.png"
        resized.save(target, compress_level=1)
        out.append((f"{size[0]}x{size[1]}", target))
    return out


def measure_sizes(entries: list[Entry], corpus: str, paths: list[Path]) -> None:
    with tempfile.TemporaryDirectory(prefix="steadiness-") as tmp:
        for n, path in enumerate(paths, 1):
            sizes = _sizes(path, Path(tmp))
            print(f"  [{corpus} {n}/{len(paths)}] {path.name}", file=sys.stderr, flush=True)
            for entry in entries:
                if entry.runner is None:
                    continue
                for k in KS:
                    reference = entry.runner(str(sizes[0][1]), k)
                    cell = entry.scores.setdefault((corpus, k), [])
                    for label, size_path in sizes[1:]:
                        score, _ = matched_distance(entry.runner(str(size_path), k), reference)
                        cell.append((100 * score, f"{path.stem} {label}"))
            for _, size_path in sizes:
                size_path.unlink()


@dataclass
class PilRow:
    photo: str
    kind: str
    k: int
    score: float
    visible: int
    n: int


def measure_pil(paths: list[Path]) -> list[PilRow]:
    rows = []
    for path in paths:
        for kind in ("palette", "theme"):
            run = _palettekit(kind)()
            for k in KS:
                from_path = run(str(path), k)
                with Image.open(path) as image:
                    image.load()
                    from_pil = run(image, k)
                score, visible = matched_distance(from_pil, from_path)
                label = f"{path.parent.name}/{path.name}"
                rows.append(PilRow(label, kind, k, 100 * score, visible, len(from_path)))
    return rows


def _cell(values: list[tuple[float, str]]) -> str:
    if not values:
        return "-"
    worst = max(values)
    return f"{statistics.median(v for v, _ in values):.2f} (worst {worst[0]:.1f})"


def report(entries: list[Entry], corpora: dict[str, int], pil: list[PilRow], seconds: float) -> str:
    lines = [
        "# Steadiness across image sizes",
        "",
        "Written by `python bench/bench_steadiness.py"
        + (" --quick" if ARGS.quick else "")
        + "` (see its docstring for the method). Each image at its full size, 1/2 and 1/4 "
        "(Lanczos, lossless PNG); the colors at each smaller size are matched to the full-size "
        "ones (Hungarian matching), score = mean Oklab distance x 100 of the matched pairs "
        "(about 2 is a just-noticeable difference). Cells: median over (image, smaller size) "
        "pairs (worst pair).",
        "",
        f"palettekit {palettekit.__version__}; run took {seconds:.0f} s. The corpus holds 5 of "
        "the 11 Unsplash photos the issue measured (its README lists 11), so the medians here "
        "are over fewer photos; CQ100 adds 50 images at smaller sizes.",
        "",
    ]
    for corpus, count in corpora.items():
        sizes = (
            "1920 px wide (1920x1280 or a little less high), 1/2 and 1/4: about 960 and 480"
            if corpus == "unsplash"
            else "768x512 (or 512x768), 1/2 and 1/4: 384x256 and 192x128"
        )
        lines += [
            f"## {corpus}: {count} images at {sizes}",
            "",
            "| k | " + " | ".join(e.label for e in entries) + " |",
            "|---|" + "--:|" * len(entries),
        ]
        for k in KS:
            cells = [e.missing or _cell(e.scores.get((corpus, k), [])) for e in entries]
            lines.append(f"| {k} | " + " | ".join(cells) + " |")
        lines.append("")
        for e in entries:
            for k in KS:
                values = sorted(e.scores.get((corpus, k), []), reverse=True)[:3]
                if values:
                    worst = ", ".join(f"{name} {v:.1f}" for v, name in values)
                    lines.append(f"- {e.label}, k={k}, worst: {worst}")
        lines.append("")
    if pil:
        lines += [
            "## PIL image against path (same JPEG)",
            "",
            "`extract(PIL.Image.open(path))` against `extract(path)`: the path is decoded at "
            "reduced JPEG scale, the PIL image is used as it is. Score as above; 'visible' counts "
            "matched pairs farther apart than 0.02.",
            "",
            "| photo | kind | k | score | visible |",
            "|---|---|--:|--:|--:|",
        ]
        for row in pil:
            lines.append(
                f"| {row.photo} | {row.kind} | {row.k} | {row.score:.2f} | {row.visible} of {row.n} |"
            )
        lines.append("")
        for kind in ("palette", "theme"):
            for k in KS:
                chosen = [r for r in pil if r.kind == kind and r.k == k]
                lines.append(
                    f"- {kind}, k={k}: median {statistics.median(r.score for r in chosen):.2f}, "
                    f"worst {max(r.score for r in chosen):.2f}, "
                    f"{sum(r.visible for r in chosen)} visible differences in "
                    f"{sum(r.n for r in chosen)} colors"
                )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(BENCH_DIR.parent.parent / "shared" / "corpus"))
    parser.add_argument("--quick", action="store_true", help="10 CQ100 images, 2 photos")
    parser.add_argument("--out", help="write the Markdown report here")
    parser.add_argument("--tools", help="comma-separated keys: " + ",".join(e.key for e in ENTRIES))
    ARGS = parser.parse_args(argv)
    corpus = Path(ARGS.corpus)
    photos = sorted((corpus / "unsplash" / "1920x1280").glob("*.jpg"))
    cq100 = sorted((corpus / "cq100").glob("*.png"))
    if not photos or not cq100:
        print(f"error: no photos or CQ100 images under {corpus}", file=sys.stderr)
        return 2
    if ARGS.quick:
        photos = photos[:2]
        cq100 = cq100[:: max(1, len(cq100) // 10)][:10]
    entries = ENTRIES
    if ARGS.tools:
        wanted = set(ARGS.tools.split(","))
        entries = [e for e in ENTRIES if e.key in wanted]
    for entry in entries:
        try:
            entry.runner = entry.load()
        except ImportError:
            entry.missing = "not installed"
    start = time.perf_counter()
    measure_sizes(entries, "unsplash", photos)
    measure_sizes(entries, "cq100", cq100)
    large = sorted((corpus / "unsplash" / "3840x2560").glob("*.jpg"))
    pil = measure_pil(photos + (large[:2] if ARGS.quick else large))
    text = report(
        entries, {"unsplash": len(photos), "cq100": len(cq100)}, pil, time.perf_counter() - start
    )
    print(text)
    if ARGS.out:
        Path(ARGS.out).write_text(text + "\n", encoding="utf-8")
    return 0


ARGS = argparse.Namespace(quick=False)

if __name__ == "__main__":
    raise SystemExit(main())
