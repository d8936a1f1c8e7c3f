# ruff: noqa: E501  (report text lines)
"""palettekit benchmark: speed, palette quality, start-up time and peak memory.

    python bench/run.py --corpus ../shared/corpus [--quick] [--out bench/results.md]

See bench/README.md for what is measured and what each column means.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import colorspace  # noqa: E402
from PIL import Image  # noqa: E402
from tools import TOOLS, TOOLS_BY_KEY, Tool  # noqa: E402

KS = (5, 8, 16)
TIMED_K = 5
# A tool whose first call on an image took under REPEAT_BELOW_MS is timed in
# REPEAT_ROUNDS interleaved rounds on it, and its time there is the median:
# one call of a few milliseconds is at the mercy of whatever ran just before
# it (cold caches, freshly returned memory); slow tools are not.
REPEAT_ROUNDS = 3
REPEAT_BELOW_MS = 1000.0
DE_K = 8
PEERS = [t.key for t in TOOLS if t.key not in ("recipe", "recipe_fixed", "palettekit")]

# Targets (from the project's brief).
TARGET_VS_RECIPE = 0.98
TARGET_VS_PEER = 1.0
TARGET_CLI = 2.0
# Issue 9: against Pylette's Oklab mode, medians over CQ100, at every k in KS.
COVERAGE_PEER = "pylette_oklab"
TARGET_MISSED_VS_PEER = 1.0
TARGET_DISTORTION_VS_COVERAGE_PEER = 0.99
TARGET_MEM_MB = 200.0

# --quick subsets
QUICK_SMALL = 10
QUICK_LARGE = 3
QUICK_SLOW_SMALL = 8  # recipes and extcolors


_T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - _T0:6.0f}s] {msg}", file=sys.stderr, flush=True)


# --- corpus ------------------------------------------------------------------


@dataclass
class Plan:
    quick: bool
    small: list[str]
    large: list[str]
    # tool key -> images it runs on (a subset for slow tools)
    small_for: dict[str, list[str]] = field(default_factory=dict)
    large_for: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def make_plan(corpus: Path, quick: bool, tools: Sequence[Tool]) -> Plan:
    small = sorted(str(p) for p in (corpus / "cq100").glob("*.png"))
    large = sorted(str(p) for p in (corpus / "unsplash" / "3840x2560").glob("*.jpg"))
    if not small:
        raise SystemExit(f"no CQ100 images under {corpus / 'cq100'}")
    if not large:
        raise SystemExit(f"no 3840x2560 JPEGs under {corpus / 'unsplash' / '3840x2560'}")
    plan = Plan(quick, small, large)
    if quick:
        picks = sorted(
            {round(i * (len(small) - 1) / (QUICK_SMALL - 1)) for i in range(QUICK_SMALL)}
        )
        plan.small = [small[i] for i in picks]  # evenly spread over the alphabetical list
        plan.large = large[:QUICK_LARGE]
    for t in tools:
        s, l_ = plan.small, plan.large
        if t.cost == "recipe" and quick:
            s, l_ = plan.small[:QUICK_SLOW_SMALL], plan.large[:1]
        if t.cost == "extcolors":
            s = plan.small[:QUICK_SLOW_SMALL] if quick else s
            l_ = [] if quick else plan.large[:1]
        plan.small_for[t.key] = s
        plan.large_for[t.key] = l_
    if quick:
        plan.notes.append(
            f"--quick: {len(plan.small)} of {len(small)} CQ100 images and {len(plan.large)} of "
            f"{len(large)} large photos; both recipes on {len(plan.small[:QUICK_SLOW_SMALL])} CQ100 "
            f"images and {len(plan.large[:1])} large photo only (marked †). Quality ratios are taken "
            "over the images both tools ran on."
        )
    ext = [t for t in tools if t.cost == "extcolors"]
    if ext:
        plan.notes.append(
            "extcolors takes ~40 s per 10 MP photo (pure-Python pixel loop): run on "
            + (
                f"{QUICK_SLOW_SMALL} CQ100 images and no large photo in --quick"
                if quick
                else "1 large photo only"
            )
            + " (marked †)."
        )
    return plan


# --- decode floors -------------------------------------------------------------


def draft_scale(size: tuple[int, int], min_pixels: int) -> int:
    """Largest JPEG DCT scale denominator (8, 4, 2, 1) keeping >= min_pixels."""
    w, h = size
    for s in (8, 4, 2, 1):
        if math.ceil(w / s) * math.ceil(h / s) >= min_pixels:
            return s
    return 1


def _floor_full(path: str, k: int) -> tuple[int, int]:
    with Image.open(path) as im:
        im.load()
        return im.size


def _make_floor_draft(min_pixels: int | None, fixed_scale: int | None) -> Callable:
    def run(path: str, k: int) -> tuple[int, int]:
        with Image.open(path) as im:
            w, h = im.size
            s = fixed_scale or draft_scale((w, h), min_pixels or 1)
            im.draft("RGB", (math.ceil(w / s), math.ceil(h / s)))
            im.load()
            return im.size

    return run


# --- timing ------------------------------------------------------------------------


@dataclass
class ToolResult:
    key: str
    label: str
    version: str = ""
    status: str = "ok"  # ok | not installed | failed to load: ...
    is_floor: bool = False
    small_ms: dict[str, float] = field(default_factory=dict)
    large_ms: dict[str, float] = field(default_factory=dict)
    palettes: dict[str, dict[int, list]] = field(default_factory=dict)  # image -> k -> palette
    errors: list[str] = field(default_factory=list)
    meta_small: list[dict] = field(default_factory=list)
    meta_large: list[dict] = field(default_factory=list)


def _timed(fn: Callable, path: str, k: int) -> tuple[float, object]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn(path, k)
    return (time.perf_counter() - t0) * 1000.0, out


def _warm_file(path: str) -> None:
    with open(path, "rb") as f:
        while f.read(1 << 20):
            pass


def time_tools(
    runners: dict[str, Callable],
    results: dict[str, ToolResult],
    images: list[str],
    allowed: dict[str, list[str]],
    size: str,
    with_quality_runs: bool,
) -> None:
    keys = list(runners)
    for i, img in enumerate(images):
        _warm_file(img)
        name = Path(img).name
        rot = i % len(keys)
        order = keys[rot:] + keys[:rot]  # rotate so no tool always runs first
        line = []
        for key in order:
            if img not in allowed.get(key, images):
                continue
            res = results[key]
            run = runners[key]
            tool = TOOLS_BY_KEY.get(key)
            k_first = max(KS) if (tool and tool.k_independent and with_quality_runs) else TIMED_K
            try:
                ms, pal = _timed(run, img, k_first)
            except Exception as exc:  # a peer failing is a result, not a crash
                res.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                continue
            (res.small_ms if size == "small" else res.large_ms)[img] = ms
            line.append(f"{key}={ms:.0f}")
            if res.is_floor:
                continue
            meta = getattr(run, "meta", None)
            if meta is not None:
                (res.meta_small if size == "small" else res.meta_large).append(dict(meta))
            if not with_quality_runs:
                continue
            pals = res.palettes.setdefault(img, {})
            if tool and tool.k_independent:
                for k in KS:
                    pals[k] = list(pal)[:k]
                continue
            pals[TIMED_K] = list(pal)[:TIMED_K]
            for k in KS:
                if k == TIMED_K:
                    continue
                try:
                    pals[k] = list(run(img, k))[:k]
                except Exception as exc:
                    res.errors.append(f"{name} k={k}: {type(exc).__name__}: {exc}")
        times: dict[str, list[float]] = {}  # tool key -> its timed calls on this image
        for key in order:
            ms_map = results[key].small_ms if size == "small" else results[key].large_ms
            if img in ms_map:
                times[key] = [ms_map[img]]
        for round_index in range(1, REPEAT_ROUNDS):
            rot = (i + round_index) % len(keys)
            for key in keys[rot:] + keys[:rot]:
                if key not in times or times[key][0] >= REPEAT_BELOW_MS:
                    continue
                tool = TOOLS_BY_KEY.get(key)
                k_first = (
                    max(KS) if (tool and tool.k_independent and with_quality_runs) else TIMED_K
                )
                try:
                    ms, _ = _timed(runners[key], img, k_first)
                except Exception:  # it ran once already; an error here is noise, not a result
                    continue
                times[key].append(ms)
        for key, calls in times.items():
            ms_map = results[key].small_ms if size == "small" else results[key].large_ms
            ms_map[img] = statistics.median(calls)
        line = [f"{key}={statistics.median(calls):.0f}" for key, calls in times.items()]
        log(f"  [{size} {i + 1}/{len(images)}] {name}: " + " ".join(line))


# --- quality -----------------------------------------------------------------------


def _quality_one(
    job: tuple[str, dict[str, dict[int, list]]],
) -> tuple[str, dict[str, dict[str, float]]]:
    import metrics

    img, pals = job
    ref = metrics.load_reference(img)
    out: dict[str, dict[str, float]] = {}
    for key, by_k in pals.items():
        row: dict[str, float] = {}
        for k, pal in by_k.items():
            row[f"d{k}"] = metrics.distortion(ref, pal)
            row[f"m{k}"] = metrics.missed_area(ref, pal)
            row[f"n{k}"] = float(len(pal))
            if k == DE_K:
                row[f"de{k}"] = metrics.mean_ciede2000(ref, pal)
        out[key] = row
    return img, out


def compute_quality(
    results: dict[str, ToolResult], images: list[str]
) -> dict[str, dict[str, dict]]:
    """image -> tool -> {d5, d8, d16, de8, n5, ...}; two worker processes."""
    jobs = []
    for img in images:
        pals = {k: r.palettes[img] for k, r in results.items() if img in r.palettes}
        jobs.append((img, pals))
    out: dict[str, dict[str, dict]] = {}
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes=min(2, os.cpu_count() or 1)) as pool:
        for n, (img, q) in enumerate(pool.imap_unordered(_quality_one, jobs), 1):
            out[img] = q
            if n % 8 == 0 or n == len(jobs):
                log(f"  quality {n}/{len(jobs)}")
    return out


# --- fresh-process measures ------------------------------------------------------------


def _cli_command() -> tuple[list[str], str]:
    exe = shutil.which("palettekit")
    if exe:
        return [exe], "palettekit"
    return [sys.executable, "-m", "palettekit"], "python -m palettekit"


def _instructions(cmd: list[str], env: dict[str, str]) -> float | None:
    """Instructions the process executes (valgrind's callgrind), or None without valgrind.

    Unlike times, the count does not depend on what else the machine runs: the
    number to compare on a busy machine (the hash seed is fixed, as the
    collector's timing depends on it slightly)."""
    import re

    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    p = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        env={**env, "PYTHONHASHSEED": "0"},
    )
    found = re.search(r"Collected : (\d+)", p.stderr)
    return float(found.group(1)) if found else None


def measure_cli(
    image: str, runs: int, baseline_src: str | None = None, instructions: bool = False
) -> dict:
    """Fresh processes, interleaved: the CLI on ``image`` and the imports it is compared with.

    ``ms`` holds the median wall time of each command, ``cpu_ms`` the median CPU
    time (user + system) of the process, which load on the machine inflates
    less. With ``baseline_src`` (the ``src`` folder of another checkout, its
    compiled modules built) the CLI command also runs on that code, through
    PYTHONPATH, in the same rounds. With ``instructions``, ``instructions``
    holds each command's instruction count (see :func:`_instructions`).
    """
    import resource

    pk_cmd, pk_label = _cli_command()
    extract_args = ["extract", image, "-k", "5", "--format", "json"]
    cmds = {
        pk_label + " extract IMG -k 5 --format json": pk_cmd + extract_args,
        'python -c "import numpy, PIL.Image"': [sys.executable, "-c", "import numpy, PIL.Image"],
        'python -c "import palettekit"': [sys.executable, "-c", "import palettekit"],
    }
    envs: dict[str, dict[str, str]] = {label: dict(os.environ) for label in cmds}
    if pk_label == "palettekit":
        label = "python -m palettekit extract IMG -k 5 --format json"
        cmds[label] = [sys.executable, "-m", "palettekit", *extract_args]
        envs[label] = dict(os.environ)
    if baseline_src:
        label = "python -m palettekit extract IMG -k 5 --format json, baseline code"
        cmds[label] = [sys.executable, "-m", "palettekit", *extract_args]
        envs[label] = {**os.environ, "PYTHONPATH": str(Path(baseline_src).resolve())}
    out: dict = {"image": Path(image).name, "runs": runs, "ms": {}, "cpu_ms": {}, "problems": []}
    times: dict[str, list[float]] = {label: [] for label in cmds}
    cpu: dict[str, list[float]] = {label: [] for label in cmds}
    # A regular `pip install` byte-compiles the package; an editable install
    # under PYTHONDONTWRITEBYTECODE=1 (as on this machine) never does, and
    # would then pay for compiling every module on every run. Compile it once,
    # as an installed package would be (numpy and Pillow already are).
    import compileall

    import palettekit

    compileall.compile_dir(str(Path(palettekit.__file__).parent), quiet=1)
    if baseline_src:
        compileall.compile_dir(str(Path(baseline_src) / "palettekit"), quiet=1)
    # One untimed run each (page cache, .pyc), then interleaved timed runs.
    for label, cmd in cmds.items():
        p = subprocess.run(
            cmd, capture_output=True, text=True, cwd=tempfile.gettempdir(), env=envs[label]
        )
        if p.returncode != 0:
            out["problems"].append(f"`{label}` exited {p.returncode}: {p.stderr.strip()[-300:]}")
        elif "extract" in label:
            try:
                data = json.loads(p.stdout)
                out["cli_output_ok"] = bool(data)
            except json.JSONDecodeError:
                out["problems"].append(f"`{label}` did not print JSON: {p.stdout[:200]!r}")
    for _ in range(runs):
        for label, cmd in cmds.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, cwd=tempfile.gettempdir(), env=envs[label])
            times[label].append((time.perf_counter() - t0) * 1000.0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            cpu[label].append(used * 1000.0)
    out["ms"] = {label: statistics.median(v) for label, v in times.items()}
    out["cpu_ms"] = {label: statistics.median(v) for label, v in cpu.items()}
    if instructions:
        counts = {label: _instructions(cmd, envs[label]) for label, cmd in cmds.items()}
        out["instructions"] = {k: v for k, v in counts.items() if v is not None}
    out["labels"] = list(cmds)
    return out


def make_big_jpegs(src: str, tmp: Path, want_12mp: bool) -> dict[str, str]:
    out = {}
    with Image.open(src) as im:
        im = im.convert("RGB")
        sizes = {"24MP": (6000, 4000)}
        if want_12mp:
            sizes["12MP"] = (4242, 2828)
        for name, size in sizes.items():
            p = tmp / f"upscaled_{name}.jpg"
            im.resize(size, Image.Resampling.BICUBIC).save(p, quality=90)
            out[name] = str(p)
    return out


def measure_memory(tool: str, image: str, tracemalloc: bool = False, timeout: float = 600) -> dict:
    cmd = [sys.executable, str(BENCH_DIR / "measure_one.py"), tool, image, "-k", "5"]
    if tracemalloc:
        cmd.append("--tracemalloc")
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["?"])[-1][:300]}
    return json.loads(p.stdout.strip().splitlines()[-1])


# --- summaries -------------------------------------------------------------------------


def med(values) -> float:
    vals = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(vals) if vals else float("nan")


def fmt(x: float, nd: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.{nd}f}"


def fmt_ms(x: float) -> str:
    if x is None or math.isnan(x):
        return "–"
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.0f}"
    return f"{x:.1f}"


def common_ratio(a: dict[str, float], b: dict[str, float]) -> tuple[float, int]:
    """median(a) / median(b) over the keys both have."""
    keys = [k for k in a if k in b and not math.isnan(a[k]) and not math.isnan(b[k])]
    if not keys:
        return float("nan"), 0
    return med(a[k] for k in keys) / med(b[k] for k in keys), len(keys)


def per_image(quality: dict, key: str, metric: str) -> dict[str, float]:
    return {img: q[key][metric] for img, q in quality.items() if key in q and metric in q[key]}


# --- report --------------------------------------------------------------------------------


def environment() -> list[str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = "?"
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(
            sorted(
                {
                    f"{d['internal_api']}:{d.get('architecture') or '-'}x{d['num_threads']}"
                    for d in threadpool_info()
                }
            )
        )
    except Exception:
        pass
    import importlib.metadata as md

    def v(name: str) -> str:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return "-"

    try:
        from palettekit import histogram as pk_histogram

        counting = "compiled C" if pk_histogram._kernel is not None else "numpy (no C compiler)"
    except Exception:
        counting = "?"
    return [
        f"- machine: {os.cpu_count()} cores, {cpu}; {platform.system()} {platform.release()}",
        f"- palettekit's histogram counting pass: {counting}",
        f"- Python {platform.python_version()}, numpy {v('numpy')}, Pillow {v('pillow')}, "
        f"scikit-learn {v('scikit-learn')}, opencv {v('opencv-python-headless')}",
        f"- OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} "
        f"(left as found, same for every tool); thread pools: {blas}",
    ]


def build_report(ctx: dict) -> str:
    plan: Plan = ctx["plan"]
    results: dict[str, ToolResult] = ctx["results"]
    quality = ctx["quality"]
    pk = results.get("palettekit")
    pk_ok = pk is not None and pk.status == "ok" and bool(pk.small_ms)
    L: list[str] = []
    L.append("# palettekit benchmark")
    L.append("")
    L.append(
        f"{'Quick' if plan.quick else 'Full'} run, {ctx['started']}, {ctx['elapsed']:.0f} s. "
        f"`python bench/run.py{' --quick' if plan.quick else ''}`"
    )
    L.append("")
    L += environment()
    la0, la1 = ctx.get("load_start"), ctx.get("load_end")
    if la0 and la1:
        L.append(
            f"- 1-min load average {la0[0]:.2f} at start, {la1[0]:.2f} at end (on {os.cpu_count()} cores); "
            "anything else running on the machine slows all tools alike but adds noise"
        )
    L.append(
        f"- small: {len(plan.small)} CQ100 PNGs (768x512); large: {len(plan.large)} Unsplash JPEGs "
        f"(3840x2560, 9.8 MP). Times are medians over images (k={TIMED_K}); on each image a "
        f"tool's time is the median of {REPEAT_ROUNDS} interleaved calls if its first took "
        f"under {REPEAT_BELOW_MS / 1000:g} s, else of that one call, "
        "from the file path, decode included, after one warm-up call per tool; tools interleaved per image."
    )
    L.append("")

    # ---- targets
    tgt: list[tuple[str, str, str, str]] = []
    # The quality targets are medians over the 50 CQ100 images: a --quick subset
    # shows the ratio but cannot pass or fail them. Speed of the CLI and memory
    # are measured in full in both modes, so both modes judge them.
    subset = _subset_note(plan)
    if pk_ok:
        d_pk = {k: per_image(quality, "palettekit", f"d{k}") for k in KS}
        for k in KS:
            base = per_image(quality, "recipe_fixed", f"d{k}")
            r, n = common_ratio(d_pk[k], base)
            wins = sum(1 for i in d_pk[k] if i in base and d_pk[k][i] < base[i])
            tgt.append(
                (
                    f"distortion k={k} / fixed recipe ({n} images; palettekit lower on {wins}/{n})",
                    fmt(r, 3),
                    f"<= {TARGET_VS_RECIPE}",
                    subset or _pf(r <= TARGET_VS_RECIPE, r),
                )
            )
        for k in KS:
            best_key, best_val = None, float("inf")
            for key in PEERS:
                q = per_image(quality, key, f"d{k}")
                common = [i for i in d_pk[k] if i in q]
                if len(common) < max(1, len(d_pk[k]) // 2):
                    continue
                m = med(q[i] for i in common)
                if m < best_val:
                    best_key, best_val = key, m
            if best_key is None:
                tgt.append(
                    (f"distortion k={k} / best peer", "–", f"<= {TARGET_VS_PEER}", "n/a (no peer)")
                )
                continue
            r, n = common_ratio(d_pk[k], per_image(quality, best_key, f"d{k}"))
            tgt.append(
                (
                    f"distortion k={k} / best peer ({results[best_key].label}, {n} images)",
                    fmt(r, 3),
                    f"<= {TARGET_VS_PEER}",
                    subset or _pf(r <= TARGET_VS_PEER, r),
                )
            )
        peer_q = {k: per_image(quality, COVERAGE_PEER, f"d{k}") for k in KS}
        if COVERAGE_PEER in results and any(peer_q.values()):
            label = results[COVERAGE_PEER].label
            for k in KS:
                r, n = common_ratio(d_pk[k], peer_q[k])
                tgt.append(
                    (
                        f"distortion k={k} / {label} ({n} images)",
                        fmt(r, 3),
                        f"<= {TARGET_DISTORTION_VS_COVERAGE_PEER}",
                        _pf(r <= TARGET_DISTORTION_VS_COVERAGE_PEER, r),
                    )
                )
            for k in KS:
                ours = per_image(quality, "palettekit", f"m{k}")
                theirs = per_image(quality, COVERAGE_PEER, f"m{k}")
                common = [i for i in ours if i in theirs]
                if not common:
                    continue
                mo, mt = med(ours[i] for i in common), med(theirs[i] for i in common)
                shown = f"{100 * mo:.2f}% vs {100 * mt:.2f}%"
                tgt.append(
                    (
                        f"missed area k={k} / {label} ({len(common)} images, medians)",
                        shown,
                        f"<= {TARGET_MISSED_VS_PEER}x",
                        _pf(mo <= TARGET_MISSED_VS_PEER * mt, mo / mt if mt else 0.0),
                    )
                )
    cli = ctx.get("cli")
    if cli and cli.get("ms"):
        labels = cli["labels"]
        r = cli["ms"][labels[0]] / cli["ms"][labels[1]]
        ok = r <= TARGET_CLI and not cli["problems"]
        tgt.append(
            (
                f"CLI `{labels[0]}` / `{labels[1]}`",
                f"{r:.2f}x ({cli['ms'][labels[0]]:.0f} / {cli['ms'][labels[1]]:.0f} ms)",
                f"<= {TARGET_CLI}x",
                _pf(ok, r) + (" (CLI error)" if cli["problems"] else ""),
            )
        )
    mem = ctx.get("memory") or {}
    m24 = mem.get("palettekit 24MP")
    if m24:
        if "error" in m24:
            tgt.append(
                (
                    "peak RSS, palettekit on 24 MP JPEG",
                    m24["error"],
                    f"< {TARGET_MEM_MB:.0f} MB",
                    "FAIL",
                )
            )
        else:
            v = m24["peak_rss_mb"]
            tgt.append(
                (
                    "peak RSS, palettekit on 24 MP JPEG (whole process)",
                    f"{v:.0f} MB",
                    f"< {TARGET_MEM_MB:.0f} MB",
                    _pf(v < TARGET_MEM_MB, v),
                )
            )
    L.append("## Targets")
    L.append("")
    if not pk_ok:
        why = pk.status if pk else "not run"
        if pk and pk.status == "ok" and not pk.small_ms:
            why = "every call failed: " + "; ".join(pk.errors[:2])
        L.append(f"palettekit: **{why}** — quality and speed targets not evaluated.")
        L.append("")
    if tgt:
        L.append("| target | value | goal | result |")
        L.append("|---|---|---|---|")
        for row in tgt:
            L.append("| " + " | ".join(row) + " |")
        L.append("")
        if subset:
            L.append(
                "The quality targets are medians over all 50 CQ100 images: on the --quick "
                "subset the ratios are shown but not judged (run without --quick for that). "
                "The CLI and memory targets are measured in full in both modes and judged."
            )
            L.append("")

    # ---- main table
    L.append("## Speed and quality")
    L.append("")
    L.append(
        "| tool | version | ms small | ms large | distortion k=5 | k=8 | k=16 | missed % k=5 | k=8 | k=16 | ΔE00 k=8 | colors k=5/8/16 |"
    )
    L.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
    for key, res in results.items():
        if res.is_floor:
            continue
        if res.status != "ok":
            L.append(f"| {res.label} | {res.version} | {res.status} | | | | | | | | | |")
            continue
        dag_s = "†" if len(plan.small_for.get(key, plan.small)) < len(plan.small) else ""
        dag_l = "†" if len(plan.large_for.get(key, plan.large)) < len(plan.large) else ""
        s = fmt_ms(med(res.small_ms.values())) + dag_s
        lg = (
            fmt_ms(med(res.large_ms.values())) + dag_l
            if plan.large_for.get(key)
            else "skipped" + dag_l
        )
        ds = [fmt(med(per_image(quality, key, f"d{k}").values())) for k in KS]
        ms = [fmt(100 * med(per_image(quality, key, f"m{k}").values())) for k in KS]
        de = fmt(med(per_image(quality, key, f"de{DE_K}").values()))
        ns = []
        for k in KS:
            counts = per_image(quality, key, f"n{k}").values()
            ns.append(f"{int(min(counts))}" if counts else "–")
        dq = dag_s if dag_s else ""
        L.append(
            f"| {res.label} | {res.version} | {s} | {lg} | {ds[0]}{dq} | {ds[1]}{dq} | {ds[2]}{dq} | "
            f"{ms[0]}{dq} | {ms[1]}{dq} | {ms[2]}{dq} | {de}{dq} | {'/'.join(ns)} |"
        )
    floors = [r for r in results.values() if r.is_floor]
    for res in floors:
        L.append(
            f"| *{res.label}* | | {fmt_ms(med(res.small_ms.values()))} | {fmt_ms(med(res.large_ms.values()))} "
            "| | | | | | | | |"
        )
    L.append("")
    L.append(
        "ms = median wall time per image (k=5). distortion = 100 x mean Oklab distance from each pixel "
        "to its nearest palette color, median over CQ100 images (lower is better). missed = % of the "
        "image in regions of clearly different colors the palette lacks (bench/metrics.py), median over CQ100. ΔE00 = mean CIEDE2000 "
        "to the nearest palette color (k=8), median over CQ100. colors = fewest colors the tool returned "
        "for k=5/8/16 on any image (a short palette is scored as returned). † = run on a subset, see notes."
    )
    L.append("")

    # ---- palettekit time ratios
    if pk_ok:
        L.append("## palettekit time ratios")
        L.append("")
        L.append(
            "ratio = palettekit median / other median, over the images both ran on (lower is faster)."
        )
        L.append("")
        L.append("| palettekit vs | small | large |")
        L.append("|---|--:|--:|")
        for key, label in [
            ("floor_draft", results["floor_draft"].label),
            ("floor_eighth", results["floor_eighth"].label),
            ("floor_full", results["floor_full"].label),
            ("recipe", "tutorial recipe"),
            ("recipe_fixed", "fixed recipe"),
            ("fast_colorthief", "fast-colorthief"),
        ]:
            if key not in results or results[key].status != "ok":
                L.append(f"| {label} | {results[key].status if key in results else 'not run'} | |")
                continue
            rs, ns = common_ratio(pk.small_ms, results[key].small_ms)
            rl, nl = common_ratio(pk.large_ms, results[key].large_ms)
            L.append(f"| {label} | {fmt(rs)}x ({ns}) | {fmt(rl)}x ({nl}) |")
        L.append("")
        L.append(
            f"Decode floor = Pillow alone opening the same file and `.load()`-ing it: 'draft' uses "
            f"`img.draft('RGB', size)` at the smallest JPEG DCT scale keeping >= {ctx['max_pixels']:,} "
            f"pixels (1/{ctx['draft_scale_large']} for 3840x2560 -> "
            f"{math.ceil(3840 / ctx['draft_scale_large'])}x{math.ceil(2560 / ctx['draft_scale_large'])}); "
            "PNG has no reduced decode, so on small images every floor is the full PNG decode."
        )
        L.append("")
        stage_rows = _stage_table(pk)
        if stage_rows:
            L.append("### palettekit stages (median ms from `pal.meta['timings']`)")
            L.append("")
            L += stage_rows
            L.append("")

    # ---- CLI
    if cli:
        L.append("## CLI start-up (fresh processes)")
        L.append("")
        L.append(
            f"Median of {cli['runs']} runs each, interleaved, after one untimed run; image {cli['image']}."
        )
        L.append("")
        L.append("| command | median ms |")
        L.append("|---|--:|")
        for label in cli["labels"]:
            L.append(f"| `{label}` | {cli['ms'][label]:.0f} |")
        for p in cli["problems"]:
            L.append(f"\nProblem: {p}")
        L.append("")

    # ---- memory
    if mem:
        L.append("## Peak memory (fresh process each)")
        L.append("")
        L.append(
            f"JPEGs made by the bench in a temp dir by upscaling {ctx.get('mem_source', '?')} (bicubic, quality 90). "
            "peak RSS = VmHWM (peak resident set) of the whole process; after imports = the same once the tool's "
            "modules are imported; traced = tracemalloc peak during the call (numpy buffers and Python "
            "objects, not C-library allocations; separate run)."
        )
        L.append("")
        L.append("| run | peak RSS MB | after imports MB | traced peak MB | seconds |")
        L.append("|---|--:|--:|--:|--:|")
        for label, m in mem.items():
            if label.endswith(" traced"):
                continue
            if "error" in m:
                L.append(f"| {label} | {m['error']} | | | |")
                continue
            tr = mem.get(label + " traced", {})
            L.append(
                f"| {label} | {m['peak_rss_mb']:.0f} | {m['import_rss_mb']:.0f} | "
                f"{fmt(tr.get('traced_peak_mb', float('nan')), 0)} | {m['seconds']:.2f} |"
            )
        L.append("")

    # ---- notes
    L.append("## Notes")
    L.append("")
    for n in plan.notes:
        L.append(f"- {n}")
    for res in results.values():
        if res.status != "ok" and not res.is_floor:
            L.append(f"- {res.label}: {res.status}.")
        if res.errors:
            L.append(f"- {res.label}: {len(res.errors)} failed call(s), e.g. {res.errors[0][:200]}")
    L.append(
        "- Quality references: each image reduced to at most 1024 px on its longest side with Pillow "
        "BOX (a no-op for CQ100), opaque pixels only; sRGB -> Oklab and sRGB -> CIELAB (D65) with the "
        "bench's own converters (bench/colorspace.py, self-tested against published values)."
    )
    L.append(
        "- extcolors returns every color group it finds (its limit only truncates), so one call per "
        "image gives its k=5/8/16 palettes; its time is that call's."
    )
    L.append("- What each tool is called with:")
    for t in TOOLS:
        if t.key in results:
            L.append(f"  - {results[t.key].label}: `{t.settings}`")
    L.append("")
    return "\n".join(L)


def _loadavg() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


def _subset_note(plan: Plan) -> str:
    """ "" in a full run; in --quick, the result shown instead of PASS/FAIL for a
    target defined over all CQ100 images."""
    if not plan.quick:
        return ""
    return "not judged (--quick subset)"


def _pf(ok: bool, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return "**PASS**" if ok else "**FAIL**"


def _stage_table(pk: ToolResult) -> list[str]:
    def stages(metas: list[dict]) -> dict[str, float]:
        acc: dict[str, list[float]] = {}
        for m in metas:
            t = m.get("timings") if isinstance(m, Mapping) else None
            if not isinstance(t, Mapping):
                continue
            for name, v in t.items():
                if isinstance(v, (int, float)):
                    acc.setdefault(name, []).append(float(v))
        return {n: med(v) for n, v in acc.items()}

    s, lg = stages(pk.meta_small), stages(pk.meta_large)
    names = list(dict.fromkeys(list(s) + list(lg)))
    if not names:
        return []
    rows = ["| stage | small | large |", "|---|--:|--:|"]
    for n in names:
        rows.append(
            f"| {n} | {fmt(s.get(n, float('nan')), 1)} | {fmt(lg.get(n, float('nan')), 1)} |"
        )
    ws = [
        m.get("working_size")
        for m in pk.meta_large
        if isinstance(m, Mapping) and m.get("working_size")
    ]
    if ws:
        rows.append(f"\nworking_size on a large photo: {ws[0]}")
    return rows


# --- main -------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--corpus", default=str(REPO_DIR.parent / "shared" / "corpus"), help="corpus folder"
    )
    ap.add_argument("--quick", action="store_true", help="subset run, about 4 minutes")
    ap.add_argument("--out", help="also write the Markdown report here")
    ap.add_argument("--json", help="also write raw per-image results here")
    ap.add_argument("--tools", help="comma-separated tool keys to run (default: all)")
    ap.add_argument("--no-process", action="store_true", help="skip the CLI and memory measures")
    ap.add_argument("--cli-runs", type=int, default=15)
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    t_start = time.perf_counter()
    load_start = _loadavg()
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    colorspace.self_test()
    log("colorspace self-test passed")

    wanted = set(a.tools.split(",")) if a.tools else None
    tools = [t for t in TOOLS if wanted is None or t.key in wanted]
    corpus = Path(a.corpus).resolve()
    plan = make_plan(corpus, a.quick, tools)

    try:
        from palettekit.options import Options

        max_pixels = int(Options().max_pixels or 250_000)
    except Exception:
        max_pixels = 250_000

    results: dict[str, ToolResult] = {}
    runners: dict[str, Callable] = {}
    for t in tools:
        res = ToolResult(t.key, t.label, t.version())
        try:
            runners[t.key] = t.load()
        except ImportError as exc:
            res.status = (
                "not installed" if "No module named" in str(exc) else f"not available ({exc})"
            )
        except Exception as exc:
            res.status = f"failed to load ({type(exc).__name__}: {exc})"
        results[t.key] = res
        log(f"{t.key:16s} {res.version:10s} {res.status}")

    floors = {
        "floor_draft": (
            f"decode floor: draft >= {max_pixels:,} px",
            _make_floor_draft(max_pixels, None),
        ),
        "floor_eighth": ("decode floor: draft 1/8", _make_floor_draft(None, 8)),
        "floor_full": ("decode floor: full decode", _floor_full),
    }
    for key, (label, fn) in floors.items():
        results[key] = ToolResult(key, label, is_floor=True)
        runners[key] = fn
        plan.small_for[key] = plan.small
        plan.large_for[key] = plan.large

    # Warm-up: one untimed call per tool on a small PNG and (except the slowest) a JPEG.
    warm_jpeg = sorted((corpus / "unsplash" / "1920x1280").glob("*.jpg"))
    for key, run in list(runners.items()):
        for img in [plan.small[0]] + (
            [str(warm_jpeg[0])] if warm_jpeg and key != "extcolors" else []
        ):
            try:
                run(img, TIMED_K)
            except Exception as exc:
                results[key].errors.append(f"warm-up {Path(img).name}: {type(exc).__name__}: {exc}")
    log("warm-up done")

    log(f"timing {len(plan.small)} small images")
    time_tools(runners, results, plan.small, plan.small_for, "small", with_quality_runs=True)
    log(f"timing {len(plan.large)} large images")
    time_tools(runners, results, plan.large, plan.large_for, "large", with_quality_runs=False)

    log("quality")
    quality = compute_quality({k: r for k, r in results.items() if not r.is_floor}, plan.small)

    ctx: dict = {
        "plan": plan,
        "results": results,
        "quality": quality,
        "started": started,
        "max_pixels": max_pixels,
        "draft_scale_large": draft_scale((3840, 2560), max_pixels),
    }

    pk_ok = "palettekit" in runners
    if not a.no_process and pk_ok:
        log("CLI start-up")
        ctx["cli"] = measure_cli(plan.small[0], a.cli_runs)
        log("peak memory")
        mem: dict[str, dict] = {}
        src = max(plan.large, key=lambda p: os.path.getsize(p))
        ctx["mem_source"] = f"{Path(src).name} (3840x2560)"
        with tempfile.TemporaryDirectory(prefix="palettekit-bench-") as tmp:
            big = make_big_jpegs(src, Path(tmp), want_12mp=True)
            mem["palettekit 24MP"] = measure_memory("palettekit", big["24MP"])
            mem["palettekit 24MP traced"] = measure_memory(
                "palettekit", big["24MP"], tracemalloc=True
            )
            mem["palettekit 12MP"] = measure_memory("palettekit", big["12MP"])
            if "fast_colorthief" in runners:
                mem["fast-colorthief 24MP"] = measure_memory("fast_colorthief", big["24MP"])
            if not a.quick and "recipe" in runners:
                mem["tutorial recipe 12MP"] = measure_memory("recipe", big["12MP"])
            else:
                plan.notes.append("Recipe memory (12 MP) is measured in full mode only.")
        ctx["memory"] = mem
    elif not pk_ok:
        plan.notes.append("CLI and memory measures skipped: palettekit is not importable.")

    ctx["elapsed"] = time.perf_counter() - t_start
    ctx["load_start"], ctx["load_end"] = load_start, _loadavg()
    report = build_report(ctx)
    print(report)
    if a.out:
        Path(a.out).write_text(report + "\n", encoding="utf-8")
        log(f"wrote {a.out}")
    if a.json:
        raw = {
            "small_ms": {k: r.small_ms for k, r in results.items()},
            "large_ms": {k: r.large_ms for k, r in results.items()},
            "quality": quality,
            "palettes": {k: r.palettes for k, r in results.items() if not r.is_floor},
            "errors": {k: r.errors for k, r in results.items() if r.errors},
            "cli": ctx.get("cli"),
            "memory": ctx.get("memory"),
        }
        Path(a.json).write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
