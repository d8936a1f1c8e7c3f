"""One batch run per output: a second run is refused at once, naming
the first; the lock goes with its run however that run ends, kill -9 included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from batch_helpers import child_env, cli_command, write_images
from palettekit.batch.lock import OutputLock, lock_path
from palettekit.batch.writers import open_writer
from palettekit.errors import ResultsFileError

FORMATS = [
    "jsonl",
    "csv",
    pytest.param(
        "parquet",
        marks=pytest.mark.skipif(
            __import__("importlib").util.find_spec("pyarrow") is None, reason="needs pyarrow"
        ),
    ),
]


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*cli_command(), *argv], capture_output=True, text=True, env=child_env(), timeout=120
    )


def _snapshot(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir())}
    return {path.name: path.read_bytes()} if path.exists() else {}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("mode", ["--overwrite", "--resume"])
def test_second_run_on_a_busy_output_is_refused_and_leaves_it_alone(tmp_path, fmt, mode):
    images = write_images(tmp_path / "img", 3)
    out = tmp_path / f"r.{fmt}"
    first = _run(["batch", *images, "-o", str(out)])
    assert first.returncode == 0, first.stderr
    before = _snapshot(out)

    writer = open_writer(out)  # this process is "the other run", mid-way
    writer.open(resume=True)
    try:
        second = _run(["batch", *images, "-o", str(out), mode])
        assert second.returncode != 0
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert "Traceback" not in second.stderr
        assert "being written by another batch run" in lines[0]
        assert f"pid {os.getpid()}" in lines[0]
        assert _snapshot(out) == before
    finally:
        writer.close()
    assert not os.path.exists(lock_path(str(out)))  # a clean end removes the lock file
    third = _run(["batch", *images, "-o", str(out), mode])
    assert third.returncode == 0, third.stderr


_HOLD = textwrap.dedent(
    """
    import sys, time
    from palettekit.batch.writers import open_writer
    writer = open_writer(sys.argv[1])
    writer.open(overwrite=True)
    print("locked", flush=True)
    time.sleep(120)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_lock_of_a_killed_run_is_stale_and_taken_over(tmp_path):
    images = write_images(tmp_path / "img", 2)
    out = tmp_path / "r.jsonl"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(out)], stdout=subprocess.PIPE, text=True, env=child_env()
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        refused = _run(["batch", *images, "-o", str(out), "--resume"])
        assert refused.returncode != 0 and f"pid {holder.pid}" in refused.stderr
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
    assert os.path.exists(lock_path(str(out)))  # left behind by kill -9 ...
    done = _run(["batch", *images, "-o", str(out), "--resume"])  # ... and not in the way
    assert done.returncode == 0, done.stderr
    assert len(out.read_text().splitlines()) == 2


def test_two_writers_in_one_process_exclude_each_other(tmp_path):
    out = tmp_path / "r.csv"
    first = open_writer(out)
    first.open(overwrite=True)
    try:
        with pytest.raises(ResultsFileError, match="being written by another batch run"):
            open_writer(out).open(overwrite=True)
    finally:
        first.close()
    second = open_writer(out)
    second.open(resume=True)
    second.close()


def test_failed_open_releases_the_lock(tmp_path):
    out = tmp_path / "notes.jsonl"
    out.write_text("not a results file\nnor this\n" + '{"index": 0, "source": "a"}\n')
    with pytest.raises(ResultsFileError):
        open_writer(out).open(resume=True)
    lock = OutputLock.acquire(str(out))  # free again
    lock.release()


# --- resume refuses what is not a results file -----------------------------


def test_resume_refuses_a_file_that_is_not_a_results_file(tmp_path):
    images = write_images(tmp_path / "img", 1)
    notes = tmp_path / "notes.txt"
    notes.write_text("".join(f"{n}\n" for n in range(1, 20001)))
    before = notes.read_bytes()
    done = _run(["batch", *images, "-o", str(notes), "--resume"])
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "not a palettekit results record" in done.stderr
    assert notes.read_bytes() == before


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("one-line.jsonl", b"hello world"),  # no newline: would have been cut as "torn"
        ("log.jsonl", b"2026-12-03 started\n2026-12-03 done\n"),
        ("trailing.jsonl", None),  # good records, then foreign lines
        ("notes.csv", b"some,notes\n1,2\n"),
        ("torn-foreign.csv", None),  # good rows, then a foreign line without newline
    ],
)
def test_resume_leaves_foreign_content_unchanged(tmp_path, name, content):
    images = write_images(tmp_path / "img", 2)
    path = tmp_path / name
    if content is None:
        assert _run(["batch", images[0], "-o", str(path)]).returncode == 0
        content = path.read_bytes() + (
            b"# my notes\nmore notes\n" if name.endswith(".jsonl") else b"my notes, not a row"
        )
    path.write_bytes(content)
    done = _run(["batch", *images, "-o", str(path), "--resume"])
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert path.read_bytes() == content


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_resume_still_repairs_a_torn_last_record_and_zeros(tmp_path, suffix):
    images = write_images(tmp_path / "img", 3)
    path = tmp_path / f"r{suffix}"
    assert _run(["batch", *images[:2], "-o", str(path)]).returncode == 0
    data = path.read_bytes()
    path.write_bytes(data[:-15] + b"\0" * 64)  # a torn record, then what a power loss leaves
    done = _run(["batch", *images, "-o", str(path), "--resume"])
    assert done.returncode == 0, done.stderr
    assert "torn last record" in done.stderr + done.stdout
    from palettekit.batch.writers import read_records

    assert sorted(r["index"] for r in read_records(path)) == [0, 1, 2]
