"""bench/run.py's report: --quick shows the quality ratios of its subset without judging them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def bench_run():
    spec = importlib.util.spec_from_file_location("bench_run_for_tests", BENCH / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:  # bench's own colorspace, tools
            del sys.modules[name]


def report(bench_run, quick: bool) -> str:
    images = [f"img{i}.png" for i in range(10)]
    results = {
        "palettekit": bench_run.ToolResult(
            "palettekit", "palettekit", small_ms={i: 10.0 for i in images}, large_ms={"L": 20.0}
        ),
        "recipe_fixed": bench_run.ToolResult(
            "recipe_fixed", "fixed recipe", small_ms={i: 100.0 for i in images}
        ),
    }
    for key in ("floor_draft", "floor_eighth", "floor_full"):
        results[key] = bench_run.ToolResult(
            key, key, is_floor=True, small_ms={i: 5.0 for i in images}, large_ms={"L": 12.0}
        )
    # palettekit's distortion 20% above the recipe's on every image: misses <= 0.98
    quality = {
        image: {
            "palettekit": {f"d{k}": 6.0 for k in (5, 8, 16)},
            "recipe_fixed": {f"d{k}": 5.0 for k in (5, 8, 16)},
        }
        for image in images
    }
    labels = ["palettekit x.png", "python -c 'import numpy'"]
    ctx = {
        "plan": bench_run.Plan(quick, images, ["L"]),
        "results": results,
        "quality": quality,
        "started": "now",
        "elapsed": 1.0,
        "max_pixels": 250_000,
        "draft_scale_large": 4,
        # the CLI takes 3x the imports: misses <= 2x in either mode
        "cli": {
            "labels": labels,
            "ms": {labels[0]: 300.0, labels[1]: 100.0},
            "problems": [],
            "runs": 15,
            "image": "x.png",
        },
    }
    return bench_run.build_report(ctx)


def target_rows(text: str) -> dict[str, str]:
    rows = {}
    for line in text.split("## Targets", 1)[1].split("## ", 1)[0].splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("target", "---"):
            rows[cells[0]] = cells[3]
    return rows


def test_quick_mode_does_not_judge_the_quality_targets_of_its_subset(bench_run):
    rows = target_rows(report(bench_run, quick=True))
    quality = {name: result for name, result in rows.items() if "fixed recipe" in name}
    assert len(quality) == 3
    assert set(quality.values()) == {"not judged (--quick subset)"}
    cli = [result for name, result in rows.items() if name.startswith("CLI")]
    assert cli == ["**FAIL**"]  # measured in full in both modes: judged


def test_full_mode_judges_every_target(bench_run):
    rows = target_rows(report(bench_run, quick=False))
    assert [r for n, r in rows.items() if "fixed recipe" in n] == ["**FAIL**"] * 3
    assert [r for n, r in rows.items() if n.startswith("CLI")] == ["**FAIL**"]
