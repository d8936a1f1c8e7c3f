"""Run one tool once in this (fresh) process and print its cost as JSON.

Used by run.py for measures that need a process of their own::

    python bench/measure_one.py TOOL_KEY IMAGE [-k 5] [--tracemalloc]

Prints ``{"import_rss_mb", "peak_rss_mb", "seconds", "colors", "traced_peak_mb"}``.
``import_rss_mb`` is the peak RSS (VmHWM) after importing the tool (the floor the
interpreter and its libraries cost); ``peak_rss_mb`` is the peak RSS after the
run, i.e. the whole process's peak resident memory. With ``--tracemalloc``
the peak of memory traced by tracemalloc during the run (Python objects and
numpy buffers; not Pillow's or OpenCV's C allocations) is added; that run's
time is slower and is not a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB.

    VmHWM (the high-water mark of this process's own address space) is used
    where /proc exists: ru_maxrss can carry over the parent's peak across
    fork + exec on Linux, which would report the bench's own size.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("image")
    ap.add_argument("-k", type=int, default=5)
    ap.add_argument("--tracemalloc", action="store_true")
    a = ap.parse_args()
    warnings.simplefilter("ignore")

    from tools import TOOLS_BY_KEY

    run = TOOLS_BY_KEY[a.tool].load()
    out: dict[str, float] = {"import_rss_mb": _rss_mb()}
    if a.tracemalloc:
        import tracemalloc

        tracemalloc.start()
    t0 = time.perf_counter()
    pal = run(a.image, a.k)
    out["seconds"] = time.perf_counter() - t0
    if a.tracemalloc:
        out["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    out["peak_rss_mb"] = _rss_mb()
    out["colors"] = len(pal)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
