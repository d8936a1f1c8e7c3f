"""Benchmark of palettekit batch: throughput, memory, resume under SIGKILL, Dask.

Usage::

    python bench/bench_batch.py            # full: 2,000 sources, 20,000 for memory, 5 kills
    python bench/bench_batch.py --quick    # a few minutes at most
    python bench/bench_batch.py --only throughput,memory --json out.json

Throughput is measured on the Unsplash 1920x1280 photos and on CQ100, each
repeated to ``--sources`` sources, for a plain loop of ``extract`` in one
process and for ``write_results`` with 1, 2 and all workers (writing a JSON
Lines file, as the CLI does). Goals from the issue: two workers at least
1.8x one worker; batch with one worker within 10% of the plain loop;
resident memory growth under 50 MB over 20,000 sources; each source exactly
once after five SIGKILLs and a resume. On a shared 2-core machine the
numbers are noisy: run it when the machine is quiet, and read the ratios
rather than the absolute rates.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from palettekit import extract  # noqa: E402
from palettekit.batch import read_records, write_results  # noqa: E402
from palettekit.batch.runner import default_workers  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _repeat(files: list[str], count: int) -> list[str]:
    return [files[i % len(files)] for i in range(count)]


def throughput(sets: dict[str, list[str]], n_sources: int, workers_list: list[int]) -> list[dict]:
    rows = []
    for name, files in sets.items():
        sources = _repeat(files, n_sources)
        start = time.perf_counter()
        for source in sources:
            extract(source, warn=False)
        plain = len(sources) / (time.perf_counter() - start)
        row = {"set": name, "sources": len(sources), "plain_loop": round(plain, 2)}
        for workers in workers_list:
            with tempfile.TemporaryDirectory() as folder:
                out = Path(folder) / "r.jsonl"
                start = time.perf_counter()
                summary = write_results(sources, out, workers=workers)
                rate = len(sources) / (time.perf_counter() - start)
                assert summary.ok == len(sources), summary.line()
            row[f"workers_{workers}"] = round(rate, 2)
        if "workers_1" in row:
            row["overhead_1_worker"] = round(1.0 - row["workers_1"] / plain, 4)
            if "workers_2" in row:
                row["speedup_2_vs_1"] = round(row["workers_2"] / row["workers_1"], 3)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def memory(n_sources: int, workers: int) -> dict:
    """Resident memory of the parent and its workers while streaming sources."""
    from PIL import Image

    script = f"""
import sys, itertools
sys.path.insert(0, {str(ROOT / "src")!r})
from palettekit.batch import write_results
from palettekit.options import Options
files = sys.argv[1:5]
sources = (f"{{files[i % 4]}}" for i in range({n_sources}))
opts = Options(k=4, n_init=2)
summary = write_results(sources, sys.argv[5], opts, workers={workers}, overwrite=True)
print(summary.line())
"""
    with tempfile.TemporaryDirectory() as folder:
        files = []
        rng = np.random.default_rng(0)
        for i in range(4):
            path = Path(folder) / f"m{i}.png"
            Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(path)
            files.append(str(path))
        out = Path(folder) / "r.jsonl"
        process = subprocess.Popen([sys.executable, "-c", script, *files, str(out)])
        samples = []
        while process.poll() is None:
            done = out.read_bytes().count(b"\n") if out.exists() else 0
            total = _rss_mb(process.pid) + sum(
                _rss_mb(c) for c in _children(process.pid) if "resource_tracker" not in _cmdline(c)
            )
            samples.append((done, _rss_mb(process.pid), total))
            time.sleep(0.5)
        process.wait()
        lines = out.read_bytes().count(b"\n")
    steady = [s for s in samples if s[0] >= min(1000, n_sources // 10)]
    first = steady[0] if steady else samples[0]
    last = samples[-1]
    result = {
        "sources": n_sources,
        "records": lines,
        "parent_rss_mb_start": round(first[1], 1),
        "parent_rss_mb_end": round(last[1], 1),
        "parent_growth_mb": round(last[1] - first[1], 1),
        "all_processes_growth_mb": round(last[2] - first[2], 1),
        "all_processes_max_mb": round(max(s[2] for s in samples), 1),
    }
    print(json.dumps(result), flush=True)
    return result


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def resume_under_sigkill(n_sources: int, kills: int, seed: int = 0) -> dict:
    from PIL import Image

    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as folder:
        images = Path(folder) / "imgs"
        images.mkdir()
        for i in range(n_sources):
            Image.fromarray(rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)).save(
                images / f"{i:05d}.png"
            )
        out = Path(folder) / "r.jsonl"
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        done_at_kill = []
        batch = [sys.executable, "-m", "palettekit", "batch", str(images), "-o", str(out)]
        batch += ["--progress", "none", "-k", "4"]
        for _ in range(kills):
            argv = batch + (["--resume"] if out.exists() else [])
            process = subprocess.Popen(
                argv,
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            before = out.read_bytes().count(b"\n") if out.exists() else 0
            while (
                process.poll() is None
                and (out.read_bytes().count(b"\n") if out.exists() else 0) <= before
            ):
                time.sleep(0.01)
            time.sleep(float(rng.uniform(0.05, 1.0)))
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            done_at_kill.append(out.read_bytes().count(b"\n"))
        final = subprocess.run(batch + ["--resume"], env=env, capture_output=True)
        records = list(read_records(out))
        indices = sorted(r["index"] for r in records)
    result = {
        "sources": n_sources,
        "kills": kills,
        "records_at_each_kill": done_at_kill,
        "final_exit_code": final.returncode,
        "records": len(records),
        "each_source_exactly_once": indices == list(range(n_sources)),
    }
    print(json.dumps(result), flush=True)
    return result


def dask_vs_pool(files: list[str], n_sources: int) -> dict:
    try:
        import distributed
    except ImportError:
        return {"dask": "not installed (pip install 'palettekit[dask]')"}
    sources = _repeat(files, n_sources)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        write_results(sources, Path(folder) / "a.jsonl", workers=2)
        pool = n_sources / (time.perf_counter() - start)
        started = time.perf_counter()
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        with distributed.Client(cluster) as client:
            startup = time.perf_counter() - started
            start = time.perf_counter()
            write_results(sources, Path(folder) / "b.jsonl", client=client)
            on_dask = n_sources / (time.perf_counter() - start)
        cluster.close()
    result = {
        "sources": n_sources,
        "pool_2_workers": round(pool, 2),
        "dask_local_2_workers": round(on_dask, 2),
        "dask_startup_s": round(startup, 2),
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes)")
    parser.add_argument("--only", default="throughput,memory,resume,dask")
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--sources", type=int, default=None, help="sources per throughput set")
    parser.add_argument("--memory-sources", type=int, default=None)
    args = parser.parse_args()
    n_sources = args.sources or (200 if args.quick else 2000)
    n_memory = args.memory_sources or (3000 if args.quick else 20000)
    n_resume = 150 if args.quick else 600
    n_dask = 100 if args.quick else 1000
    parts = set(args.only.split(","))
    cq100 = sorted(str(p) for p in (CORPUS / "cq100").glob("*.png"))
    unsplash = sorted(str(p) for p in (CORPUS / "unsplash" / "1920x1280").glob("*.jpg"))
    sets = {name: files for name, files in (("cq100", cq100), ("unsplash_1920", unsplash)) if files}
    report: dict = {
        "cores": default_workers(),
        "quick": args.quick,
        "load_average": os.getloadavg(),
    }
    workers_list = sorted({1, 2, default_workers()})
    if "throughput" in parts and sets:
        report["throughput"] = throughput(sets, n_sources, workers_list)
    if "memory" in parts:
        report["memory"] = memory(n_memory, default_workers())
    if "resume" in parts:
        report["resume"] = resume_under_sigkill(n_resume, 5)
    if "dask" in parts and cq100:
        report["dask"] = dask_vs_pool(cq100, n_dask)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
