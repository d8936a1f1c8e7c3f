"""palettekit on everyday images: thumbnails, web photos, catalogs (issue 16).

Usage::

    python bench/bench_speed.py                 # full: about 10 minutes on 2 cores
    python bench/bench_speed.py --quick         # fewer images and repetitions
    python bench/bench_speed.py --out bench/results_speed.md

Everything is measured side by side in one run, so that a busy machine slows
every tool alike:

1. **Single images, k=5, from a path, decode included**: palettekit
   ``extract(path, 5)``, Pillow's decode floor (the reduced-scale ``draft``
   decode where palettekit uses one, else the full decode) and
   fast-colorthief ``get_palette(path, 5, quality=10)``, interleaved per
   image, each the median of ``--reps`` calls after a warm-up. Sets: the
   CQ100 PNGs (768x512) and JPEGs (quality 90) made at bench time in a
   temporary folder from the Unsplash 1920x1280 photos and the CQ100 images,
   at 960x640 and 480x320. Ratios are paired: the median over images of
   palettekit's time divided by the other's on the same image.
2. **Batch**: ``palettekit batch DIR -o r.jsonl --workers 2`` (a whole
   process, start-up included) over a folder of a few hundred of those
   JPEGs, against fast-colorthief's bare in-process loop over the same
   files times the number of workers; and ``--dask local`` against the
   local pool, each the median of ``--batch-runs`` interleaved runs.
3. **CLI start**: ``palettekit extract IMG -k 5 --format json`` against
   ``python -c "import numpy, PIL.Image"`` (bench/run.py's measure).

Targets (issue 16): single images at most 1.3x / 1.6x / 2.5x the decode floor
(768x512 PNG / 960x640 JPEG / 480x320 JPEG) and at most 0.8x
fast-colorthief; batch with 2 workers >= 0.8x fast-colorthief's loop x 2;
Dask local >= 0.9x the local pool; CLI <= 1.5x numpy + Pillow import.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

import palettekit  # noqa: E402
from palettekit import cluster, histogram  # noqa: E402
from palettekit.load import working_size  # noqa: E402
from palettekit.options import Options  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
WORKERS = 2


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- images --------------------------------------------------------------------------


def make_images(corpus: Path, folder: Path, quick: bool) -> dict[str, list[str]]:
    """The three sets: CQ100 PNGs as they are, and 960x640 / 480x320 JPEGs made here."""
    cq100 = sorted(str(p) for p in (corpus / "cq100").glob("*.png"))
    photos = sorted(str(p) for p in (corpus / "unsplash" / "1920x1280").glob("*.jpg"))
    if not cq100:
        raise SystemExit(f"no CQ100 images under {corpus}: pass --corpus")
    if quick:
        cq100 = cq100[::4]
    sets: dict[str, list[str]] = {"768x512 PNG (CQ100)": cq100}
    for size in ((960, 640), (480, 320)):
        out = []
        for source in photos + cq100:
            path = folder / f"{Path(source).stem.replace(' ', '_')}_{size[0]}.jpg"
            with Image.open(source) as image:
                image.convert("RGB").resize(size, Image.Resampling.LANCZOS).save(path, quality=90)
            out.append(str(path))
        sets[f"{size[0]}x{size[1]} JPEG"] = out
    return sets


# --- single images -------------------------------------------------------------------

MAX_PIXELS = Options().max_pixels


def decode_floor(path: str) -> None:
    """Pillow's decode as palettekit does it: draft to its working size if a JPEG."""
    with Image.open(path) as image:
        target = working_size(image.size, MAX_PIXELS)
        if image.format == "JPEG" and target != image.size:
            image.draft(image.mode, target)
        image.load()


def run_palettekit(path: str) -> None:
    palettekit.extract(path, 5, warn=False)


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}

# A palettekit from another source tree (--baseline), timed in a process of its
# own that runs beside this one: it reads a path per line and answers with the
# milliseconds one extract(path, 5) took by the clock named on its command line.
_BASELINE_WORKER = """
import gc, sys, time
sys.path.insert(0, sys.argv[1])
import palettekit
clock = {"wall": time.perf_counter, "cpu": time.process_time}[sys.argv[2]]
for line in sys.stdin:
    gc.collect()
    start = clock()
    palettekit.extract(line.rstrip("\\n"), 5, warn=False)
    print((clock() - start) * 1000.0, flush=True)
"""


class Baseline:
    """``extract(path, 5)`` of the palettekit under ``src``, timed in its own process."""

    def __init__(self, src: str, clock: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BASELINE_WORKER, src, clock],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def time(self, path: str) -> float:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(path + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise SystemExit(f"the baseline worker stopped on {path}")
        return float(answer)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def _fast_colorthief() -> Callable[[str], None] | None:
    try:
        import fast_colorthief
    except ImportError:
        return None
    return lambda path: fast_colorthief.get_palette(path, 5, 10)


def time_single(
    sets: dict[str, list[str]], reps: int, clock: str = "wall", baseline: Baseline | None = None
) -> dict:
    tools: dict[str, Callable[[str], None]] = {
        "palettekit": run_palettekit,
        "decode floor": decode_floor,
    }
    fct = _fast_colorthief()
    if fct is not None:
        tools["fast-colorthief q10"] = fct
    now = CLOCKS[clock]
    names = [*tools, *(["baseline"] if baseline is not None else [])]
    out: dict = {}
    for name, files in sets.items():
        per_tool: dict[str, dict[str, float]] = {tool: {} for tool in names}
        stages: dict[str, list[float]] = {}
        for path in files:
            for fn in tools.values():  # warm-up: page cache, first-call costs
                fn(path)
            if baseline is not None:
                baseline.time(path)
            samples: dict[str, list[float]] = {tool: [] for tool in names}
            for _ in range(reps):
                for tool, fn in tools.items():
                    gc.collect()
                    start = now()
                    fn(path)
                    samples[tool].append((now() - start) * 1000.0)
                if baseline is not None:
                    samples["baseline"].append(baseline.time(path))
            for tool in names:
                per_tool[tool][path] = statistics.median(samples[tool])
            timings = palettekit.extract(path, 5, warn=False).meta["timings"]
            for stage, ms in timings.items():
                stages.setdefault(stage, []).append(ms)
        medians = {tool: statistics.median(v.values()) for tool, v in per_tool.items()}
        ratios = {
            tool: statistics.median(per_tool["palettekit"][p] / per_tool[tool][p] for p in files)
            for tool in names
            if tool != "palettekit"
        }
        out[name] = {
            "images": len(files),
            "median_ms": medians,
            "paired_ratio": ratios,
            "stages_ms": {stage: statistics.median(v) for stage, v in stages.items()},
        }
        log(f"{name}: {json.dumps(out[name])}")
    return out


# --- batch ---------------------------------------------------------------------------


def _palettekit_cli() -> list[str]:
    exe = shutil.which("palettekit")
    return [exe] if exe else [sys.executable, "-m", "palettekit"]


def _subreaper() -> bool:
    """Adopt orphaned descendants (Linux), so that the CPU of a batch's fork server and
    workers, which outlive the CLI process by a moment, is counted when reaped here."""
    try:
        import ctypes

        return ctypes.CDLL(None).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _reap() -> None:
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _batch_seconds(folder: Path, out: Path, extra: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process tree) of one ``palettekit batch``."""
    if out.exists():
        out.unlink()
    argv = _palettekit_cli() + ["batch", str(folder), "-o", str(out), "--progress", "none"]
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(argv + extra, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    _reap()
    cpu = _children_cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv + extra)} exited {done.returncode}: {done.stderr}")
    return seconds, cpu


POOL = "palettekit batch, 2 workers"
DASK = "palettekit batch --dask local, 2 workers"
FCT_LOOP = "fast-colorthief loop, 1 process"


def _fill_folder(folder: Path, files: list[str], count: int) -> list[str]:
    """Copy ``files`` round-robin into ``folder`` until it holds ``count`` images."""
    sources = []
    for i in range(count):
        path = files[i % len(files)]
        target = folder / f"{i // len(files)}_{Path(path).name}"
        shutil.copyfile(path, target)
        sources.append(str(target))
    return sources


def time_batch(
    files: list[str], copies: int, runs: int, dask: bool, sizes: list[int] | None = None
) -> dict:
    """Batch throughput: the pool, fast-colorthief's loop and Dask interleaved over
    ``copies`` x ``files``; then pool and Dask at each catalog size of ``sizes``."""
    _subreaper()
    folder = Path(tempfile.mkdtemp(prefix="pk-batch-"))
    try:
        sources = _fill_folder(folder, files, copies * len(files))
        out = folder.parent / f"{folder.name}.jsonl"
        fct = _fast_colorthief()
        rates: dict[str, list[float]] = {POOL: []}
        cpu_ms: dict[str, list[float]] = {POOL: []}
        if fct is not None:
            rates[FCT_LOOP] = []
        if dask:
            rates[DASK] = []
            cpu_ms[DASK] = []
        for _ in range(runs):
            if fct is not None:
                start = time.perf_counter()
                for path in sources:
                    fct(path)
                rates[FCT_LOOP].append(len(sources) / (time.perf_counter() - start))
            modes = [(POOL, [])] + ([(DASK, ["--dask", "local"])] if dask else [])
            for name, extra in modes:
                seconds, cpu = _batch_seconds(folder, out, ["--workers", str(WORKERS), *extra])
                rates[name].append(len(sources) / seconds)
                cpu_ms[name].append(1000 * cpu / len(sources))
            log(f"batch run: { {k: round(v[-1], 1) for k, v in rates.items()} }")
        catalogs = []
        for size in sizes or []:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            _fill_folder(folder, files, size)
            row: dict[str, list[float]] = {POOL: [], DASK: []}
            for _ in range(runs):
                for name, extra in ((POOL, []), (DASK, ["--dask", "local"])):
                    seconds, _cpu = _batch_seconds(folder, out, ["--workers", str(WORKERS), *extra])
                    row[name].append(size / seconds)
            log(f"catalog {size}: { {k: [round(x) for x in v] for k, v in row.items()} }")
            catalogs.append({"sources": size, "img_per_s": row, "load": os.getloadavg()[0]})
        if out.exists():
            out.unlink()
        return {
            "sources": len(sources),
            "runs": runs,
            "img_per_s": rates,
            "cpu_ms_per_image": cpu_ms,
            "catalogs": catalogs,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- report --------------------------------------------------------------------------

FLOOR_TARGET = {"768x512 PNG (CQ100)": 1.3, "960x640 JPEG": 1.6, "480x320 JPEG": 2.5}


def _verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def report(ctx: dict) -> str:
    lines = [
        "# palettekit on thumbnails, web photos and catalogs (issue 16)",
        "",
        f"{ctx['when']}, {ctx['seconds']:.0f} s. `python bench/bench_speed.py{ctx['args']}`",
        "",
        f"- machine: {os.cpu_count()} cores; {platform.platform()}; "
        f"Python {platform.python_version()}",
        f"- compiled kernels: histogram {'yes' if histogram._kernel else 'no'}, "
        f"clustering {'yes' if cluster._kernel else 'no'}",
        f"- 1-min load average {ctx['load'][0]:.2f} at start, {ctx['load'][1]:.2f} at end "
        "(on 2 cores: other work on the machine slows every tool alike but adds noise)",
        f"- single images: median of {ctx['reps']} interleaved calls per image and tool after "
        "a warm-up, from the file path, decode included, k=5; medians over images; ratio = "
        "median over images of palettekit's time / the other's on the same image; clock: "
        + ("CPU time of the process" if ctx.get("clock") == "cpu" else "wall"),
        *(
            [
                f"- baseline: palettekit from `{ctx['baseline']}`, timed in a process of its "
                "own, interleaved with the others image by image"
            ]
            if ctx.get("baseline")
            else []
        ),
        "",
        "## Single images",
        "",
        "| images | n | palettekit ms | decode floor ms | fast-colorthief q10 ms "
        "| vs floor (target) | vs fast-colorthief (target 0.8x) |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    targets = []
    for name, row in ctx["single"].items():
        ms = row["median_ms"]
        ratio = row["paired_ratio"]
        floor_goal = FLOOR_TARGET[name]
        fct_ms = ms.get("fast-colorthief q10")
        fct_ratio = ratio.get("fast-colorthief q10")
        lines.append(
            f"| {name} | {row['images']} | {ms['palettekit']:.2f} | {ms['decode floor']:.2f} | "
            + (f"{fct_ms:.2f}" if fct_ms is not None else "not installed")
            + f" | {ratio['decode floor']:.2f}x ({floor_goal}x) | "
            + (f"{fct_ratio:.2f}x" if fct_ratio is not None else "-")
            + " |"
        )
        targets.append(
            (f"{name}: palettekit / decode floor", f"{ratio['decode floor']:.2f}x",
             f"<= {floor_goal}x", ratio["decode floor"] <= floor_goal)
        )  # fmt: skip
        if fct_ratio is not None:
            targets.append(
                (f"{name}: palettekit / fast-colorthief", f"{fct_ratio:.2f}x", "<= 0.8x",
                 fct_ratio <= 0.8)
            )  # fmt: skip
    stage_names = list(next(iter(ctx["single"].values()))["stages_ms"]) if ctx["single"] else []
    if stage_names:
        lines += ["", "Where palettekit's time goes (median ms per stage, `meta['timings']`):", ""]
        lines.append("| images | " + " | ".join(stage_names) + " |")
        lines.append("|---|" + "--:|" * len(stage_names))
    for name, row in ctx["single"].items():
        cells = " | ".join(f"{row['stages_ms'].get(s, float('nan')):.2f}" for s in stage_names)
        lines.append(f"| {name} | {cells} |")
    if ctx["single"] and "baseline" in next(iter(ctx["single"].values()))["median_ms"]:
        lines += [
            "",
            f"Against the baseline (`{ctx.get('baseline')}`), same run, paired per image:",
            "",
            "| images | palettekit ms | baseline ms | palettekit / baseline |",
            "|---|--:|--:|--:|",
        ]
        for name, row in ctx["single"].items():
            ms = row["median_ms"]
            lines.append(
                f"| {name} | {ms['palettekit']:.2f} | {ms['baseline']:.2f} | "
                f"{row['paired_ratio']['baseline']:.3f}x |"
            )
    batch = ctx.get("batch")
    if batch:
        rates = {k: statistics.median(v) for k, v in batch["img_per_s"].items()}
        cpu_ms = {k: statistics.median(v) for k, v in batch.get("cpu_ms_per_image", {}).items()}
        lines += [
            "",
            "## Batch",
            "",
            f"{batch['sources']} JPEGs (the 960x640 and 480x320 sets, copied to fill the folder); "
            f"images per second, median of {batch['runs']} interleaved runs; palettekit batch is a "
            "whole `palettekit batch DIR -o r.jsonl` process, start-up included; CPU: all its "
            "processes (parent, fork server, workers, Dask's), ms per image.",
            "",
            "| run | img/s | per run | CPU ms/img |",
            "|---|--:|---|--:|",
        ]
        for k, v in rates.items():
            per_run = ", ".join(f"{x:.0f}" for x in batch["img_per_s"][k])
            cpu = f"{cpu_ms[k]:.1f}" if k in cpu_ms else "-"
            lines.append(f"| {k} | {v:.0f} | {per_run} | {cpu} |")
        pool = rates[POOL]
        fct = rates.get(FCT_LOOP)
        if fct is not None:
            value = pool / (fct * WORKERS)
            targets.append(
                ("batch 2 workers / (fast-colorthief loop x 2)", f"{value:.2f}x", ">= 0.8x",
                 value >= 0.8)
            )  # fmt: skip
        dask = rates.get(DASK)
        if dask is not None:
            value = dask / pool
            targets.append(("--dask local / local pool", f"{value:.2f}x", ">= 0.9x", value >= 0.9))
        if batch.get("catalogs"):
            lines += [
                "",
                "By catalog size (the same JPEGs copied; median of "
                f"{batch['runs']} interleaved runs):",
                "",
                "| images | pool img/s | --dask local img/s | Dask / pool | load |",
                "|--:|--:|--:|--:|--:|",
            ]
            for row in batch["catalogs"]:
                p = statistics.median(row["img_per_s"][POOL])
                d = statistics.median(row["img_per_s"][DASK])
                lines.append(
                    f"| {row['sources']} | {p:.0f} | {d:.0f} | {d / p:.2f}x | {row['load']:.1f} |"
                )
    cli = ctx.get("cli")
    if cli:
        labels = cli["labels"]
        pk, base = cli["ms"][labels[0]], cli["ms"][labels[1]]
        cpu = cli.get("cpu_ms") or {}
        ir = cli.get("instructions") or {}
        lines += [
            "",
            "## CLI start",
            "",
            f"{cli['image']}, median of {cli['runs']} interleaved runs per command; CPU: user +"
            " system time of the process; instructions: valgrind callgrind, one run each"
            " (independent of the machine's load); ratio: to `import numpy, PIL.Image`",
            "",
            "| command | ms (median) | ratio | CPU ms | CPU ratio | M instructions | ratio |",
            "|---|--:|--:|--:|--:|--:|--:|",
        ]
        for label in labels:
            ms, cpu_ms, count = cli["ms"][label], cpu.get(label), ir.get(label)
            cpu_cells = (
                f"{cpu_ms:.0f} | {cpu_ms / cpu[labels[1]]:.2f}x" if cpu_ms is not None else "- | -"
            )
            ir_cells = (
                f"{count / 1e6:.0f} | {count / ir[labels[1]]:.2f}x"
                if count is not None and ir.get(labels[1])
                else "- | -"
            )
            lines.append(f"| `{label}` | {ms:.0f} | {ms / base:.2f}x | {cpu_cells} | {ir_cells} |")
        targets.append(
            ("CLI extract / numpy + Pillow import", f"{pk / base:.2f}x ({pk:.0f} / {base:.0f} ms)",
             "<= 1.5x", pk / base <= 1.5)
        )  # fmt: skip
    lines[lines.index("## Single images") : lines.index("## Single images")] = [
        "## Targets",
        "",
        "| target | value | goal | result |",
        "|---|--:|--:|---|",
        *[f"| {t} | {v} | {g} | {_verdict(ok)} |" for t, v, g, ok in targets],
        "",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(CORPUS), help="folder with cq100/ and unsplash/")
    ap.add_argument("--quick", action="store_true", help="fewer images and repetitions")
    ap.add_argument("--reps", type=int, default=None, help="calls per image and tool")
    ap.add_argument("--copies", type=int, default=3, help="copies of each JPEG in the batch")
    ap.add_argument("--batch-runs", type=int, default=None)
    ap.add_argument(
        "--catalog-sizes",
        default="",
        help="also time pool and Dask on catalogs of these sizes, e.g. 1000,3000",
    )
    ap.add_argument("--cli-runs", type=int, default=None)
    ap.add_argument("--no-batch", action="store_true")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--no-cli", action="store_true")
    ap.add_argument(
        "--only-batch", action="store_true", help="only the batch part (no single images, no CLI)"
    )
    ap.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="time single images by the wall clock or by the process's CPU time (steadier on "
        "a busy machine)",
    )
    ap.add_argument(
        "--baseline",
        help="a palettekit source tree (its src/ folder) to time beside this one, image by "
        "image, e.g. a git worktree of an older commit",
    )
    ap.add_argument(
        "--only-cli", action="store_true", help="only the CLI start (no single images, no batch)"
    )
    ap.add_argument(
        "--cli-instructions",
        action="store_true",
        help="also count each CLI command's instructions with valgrind (load-independent)",
    )
    ap.add_argument(
        "--cli-baseline",
        metavar="SRC",
        help="also time the CLI on the code in SRC (the src folder of another checkout, its "
        "compiled modules built), interleaved with the current code",
    )
    ap.add_argument("--out", help="write the Markdown report here")
    ap.add_argument("--json", help="write the raw results here")
    args = ap.parse_args(argv)
    reps = args.reps or (3 if args.quick else 7)
    started = time.time()
    ctx: dict = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "args": "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:])),
        "reps": reps,
        "load": [os.getloadavg()[0]],
        "clock": args.clock,
        "baseline": args.baseline,
    }
    with tempfile.TemporaryDirectory(prefix="pk-speed-") as tmp:
        sets = make_images(Path(args.corpus), Path(tmp), args.quick)
        baseline = Baseline(args.baseline, args.clock) if args.baseline else None
        try:
            ctx["single"] = (
                {}
                if args.only_batch or args.only_cli
                else time_single(sets, reps, args.clock, baseline)
            )
        finally:
            if baseline is not None:
                baseline.close()
        if not args.no_batch and not args.only_cli:
            files = sets["960x640 JPEG"] + sets["480x320 JPEG"]
            runs = args.batch_runs or (1 if args.quick else 3)
            dask = not args.no_dask
            try:
                import distributed  # noqa: F401
            except ImportError:
                dask = False
            sizes = [int(x) for x in args.catalog_sizes.split(",") if x.strip()] if dask else []
            ctx["batch"] = time_batch(files, args.copies, runs, dask, sizes)
        if not args.no_cli and not args.only_batch:
            from run import measure_cli

            ctx["cli"] = measure_cli(
                sets["480x320 JPEG"][0],
                args.cli_runs or (5 if args.quick else 15),
                baseline_src=args.cli_baseline,
                instructions=args.cli_instructions,
            )
    ctx["load"].append(os.getloadavg()[0])
    ctx["seconds"] = time.time() - started
    text = report(ctx)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps(ctx, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
