"""Interrupting real batch processes: kill -9 at random points, Ctrl-C, then --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from batch_helpers import child_env, cli_command, write_images

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

N_IMAGES = 80


def _start(folder: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    argv = cli_command() + [
        "batch",
        str(folder),
        "-o",
        str(out),
        "--workers",
        "2",
        "-k",
        "4",
        "--progress",
        "none",
        *extra,
    ]
    return subprocess.Popen(
        argv,
        env=child_env(),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_group_gone(pgid: int, timeout: float = 15.0) -> bool:
    """True once no process of the group is left (orphaned workers exit by themselves)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _lines(out: Path) -> list[dict]:
    """The records of a finished run: resume has repaired any torn tail, so none is left."""
    data = out.read_bytes()
    assert data.endswith(b"\n"), f"the results file ends in a torn line: {data[-80:]!r}"
    return [json.loads(line) for line in data.split(b"\n")[:-1]]


def _count_lines(out: Path) -> int:
    return out.read_bytes().count(b"\n") if out.exists() else 0


def test_sigkill_at_random_points_then_resume_gives_each_source_once(tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    write_images(folder, N_IMAGES)
    out = tmp_path / "results.jsonl"
    rng = np.random.default_rng(3)
    at_kill = []
    for cycle in range(3):
        before = _count_lines(out)
        process = _start(folder, out, *(["--resume"] if out.exists() else []))
        # wait for progress past the previous kill, then kill at a random moment
        deadline = time.monotonic() + 30
        while (
            _count_lines(out) <= before and process.poll() is None and time.monotonic() < deadline
        ):
            time.sleep(0.02)
        time.sleep(float(rng.uniform(0.0, 0.1)))
        if process.poll() is None:
            if cycle == 1:
                os.kill(process.pid, signal.SIGKILL)  # the parent only: workers must notice
            else:
                os.killpg(process.pid, signal.SIGKILL)  # everything at once, like a power cut
            at_kill.append(_count_lines(out))
        process.communicate(timeout=30)
        assert _wait_group_gone(process.pid), "worker processes outlived their parent"
    assert any(0 < n < N_IMAGES for n in at_kill), f"no kill landed mid-run: {at_kill}"

    final = _start(folder, out, "--resume")
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    records = _lines(out)
    indices = sorted(r["index"] for r in records)
    assert indices == list(range(N_IMAGES)), "each source exactly once"
    assert len({r["source"] for r in records}) == N_IMAGES
    assert all(r["ok"] for r in records)


def test_ctrl_c_stops_cleanly_and_resume_finishes(tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    write_images(folder, N_IMAGES)
    out = tmp_path / "results.csv"
    process = _start(folder, out)
    deadline = time.monotonic() + 30
    while _count_lines(out) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    interrupted = process.poll() is None
    if interrupted:
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C does
    _, err = process.communicate(timeout=60)
    text = err.decode()
    assert "Traceback" not in text
    if interrupted and process.returncode == 130:
        assert "interrupted after" in text and "--resume" in text
        assert out.read_bytes().endswith(b"\n")
    else:  # finished before the signal arrived
        assert process.returncode == 0
    assert _wait_group_gone(process.pid)
    final = _start(folder, out, "--resume")
    final.communicate(timeout=120)
    assert final.returncode == 0
    rows = out.read_text().splitlines()
    assert rows[0].startswith("index,source,")
    assert sorted(int(r.split(",", 1)[0]) for r in rows[1:]) == list(range(N_IMAGES))


def test_a_source_that_kills_its_worker_gets_an_error_row(tmp_path: Path) -> None:
    """A worker dying (a decoder crash, the OOM killer) costs one row, not the run.

    A sitecustomize module on the child's path makes extract() end its process
    for sources named "crash*", in the workers too (they inherit PYTHONPATH).
    """
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "import os\n"
        "import palettekit.pipeline as pipeline\n"
        "_real = pipeline.extract\n"
        "def extract(source, *args, **kwargs):\n"
        "    if os.path.basename(str(source)).startswith('crash'):\n"
        "        os._exit(70)\n"
        "    return _real(source, *args, **kwargs)\n"
        "pipeline.extract = extract\n"
    )
    folder = tmp_path / "imgs"
    write_images(folder, 10)
    write_images(folder, 2, prefix="crash")
    out = tmp_path / "r.jsonl"
    env = child_env()
    env["PYTHONPATH"] = str(hooks) + os.pathsep + env["PYTHONPATH"]
    argv = cli_command() + ["batch", str(folder), "-o", str(out), "--workers", "2"]
    done = subprocess.run(argv, env=env, capture_output=True, timeout=120)
    assert done.returncode == 3, done.stderr.decode()
    records = _lines(out)
    assert sorted(r["index"] for r in records) == list(range(12))
    crashed = sorted(Path(r["source"]).name for r in records if not r["ok"])
    assert crashed == ["crash0000.png", "crash0001.png"]
    assert {r["error_type"] for r in records if not r["ok"]} == {"WorkerCrashError"}
