"""palettekit._io.write_atomic: whole file or nothing, permissions, symlinks, errors."""

from __future__ import annotations

import errno
import os
import stat
import sys
import time
from pathlib import Path

import pytest

from palettekit import _io
from palettekit._io import write_atomic

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_text_as_utf8_without_newline_translation(tmp_path):
    target = tmp_path / "palette.txt"
    write_atomic(target, "café\nline two\r\n")
    assert target.read_bytes() == "café\nline two\r\n".encode()


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_writes_bytes_like(tmp_path, kind):
    target = tmp_path / "bar.png"
    write_atomic(str(target), kind(b"\x89PNG\x00\xff"))
    assert target.read_bytes() == b"\x89PNG\x00\xff"


def test_replaces_existing_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old content that is longer than the new one")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["out.json"]


def test_empty_data_makes_empty_file(tmp_path):
    target = tmp_path / "empty"
    write_atomic(target, b"")
    assert target.exists() and target.stat().st_size == 0


@posix_only
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_keeps_permission_bits_of_existing_file(tmp_path, mode):
    target = tmp_path / "kept"
    target.write_text("x")
    os.chmod(target, mode)
    write_atomic(target, "y")
    assert _mode(target) == mode
    assert target.read_text() == "y"


@posix_only
def test_new_file_gets_default_permissions_under_umask(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new", "x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "new") == 0o640  # 0o666 & ~0o027, as open() would give


@posix_only
def test_symlink_target_is_replaced_and_link_kept(tmp_path):
    real = tmp_path / "real.css"
    real.write_text("old")
    link = tmp_path / "link.css"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_directory_target_is_refused(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(IsADirectoryError) as info:
        write_atomic(folder, "x")
    assert info.value.filename == str(folder)
    assert os.listdir(folder) == []
    assert sorted(os.listdir(tmp_path)) == ["folder"]


def test_missing_directory_names_the_target(tmp_path):
    target = tmp_path / "no" / "such" / "file.json"
    with pytest.raises(FileNotFoundError) as info:
        write_atomic(target, "x")
    assert info.value.filename == str(target)
    assert ".tmp" not in str(info.value)


@pytest.mark.parametrize("value", [None, 3, ["a"], {"a": 1}])
def test_rejects_non_text_non_bytes(tmp_path, value):
    with pytest.raises(TypeError):
        write_atomic(tmp_path / "x", value)
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(
    os.name != "posix" or (hasattr(os, "geteuid") and os.geteuid() == 0),
    reason="root ignores directory permissions",
)
def test_unwritable_directory_is_a_permission_error(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        with pytest.raises(PermissionError) as info:
            write_atomic(folder / "out.txt", "x")
        assert info.value.filename == str(folder / "out.txt")
    finally:
        os.chmod(folder, 0o700)


# --- failures part way: the target is untouched, nothing is left behind -------------


def _fail(exc: BaseException):
    def fail(*args, **kwargs):
        raise exc

    return fail


@pytest.mark.parametrize(
    ("function", "exc", "expected"),
    [
        ("fsync", OSError(errno.ENOSPC, "No space left on device"), OSError),
        ("fsync", OSError(errno.EIO, "Input/output error"), OSError),
        ("replace", OSError(errno.EXDEV, "Invalid cross-device link"), OSError),
        ("replace", PermissionError(errno.EACCES, "Permission denied"), PermissionError),
        ("fsync", KeyboardInterrupt(), KeyboardInterrupt),
    ],
)
def test_failure_leaves_old_file_and_no_temporary(tmp_path, monkeypatch, function, exc, expected):
    target = tmp_path / "palette.json"
    target.write_text("the old palette")
    monkeypatch.setattr(_io.os, function, _fail(exc))
    with pytest.raises(expected) as info:
        write_atomic(target, "the new palette " * 1000)
    monkeypatch.undo()
    assert target.read_text() == "the old palette"
    assert sorted(os.listdir(tmp_path)) == ["palette.json"]
    if isinstance(info.value, OSError):
        assert info.value.filename == str(target)
        assert info.value.errno == exc.errno


def test_failure_while_writing_leaves_no_file(tmp_path, monkeypatch):
    """A write that dies half way (disk full after some bytes) creates nothing."""
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, stream):
            self._stream = stream

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self._stream.close()

        def fileno(self):
            return self._stream.fileno()

        def write(self, data):
            self._stream.write(bytes(data[: len(data) // 2]))
            self._stream.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self):
            self._stream.flush()

    monkeypatch.setattr(_io.os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    target = tmp_path / "new.csv"
    with pytest.raises(OSError) as info:
        write_atomic(target, "a,b\n" * 10_000)
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == []


def test_temporary_name_collision_is_retried(tmp_path, monkeypatch):
    tokens = iter(["aaaa", "aaaa", "bbbb"])
    monkeypatch.setattr(_io, "_temp_token", lambda: next(tokens))
    write_atomic(tmp_path / "one", "1")  # uses .one.aaaa.tmp, then renames it away
    (tmp_path / ".two.aaaa.tmp").write_text("someone else's file")
    write_atomic(tmp_path / "two", "2")  # aaaa is taken: retries with bbbb
    assert (tmp_path / "two").read_text() == "2"
    assert (tmp_path / ".two.aaaa.tmp").read_text() == "someone else's file"


def test_temporary_names_are_random_hex():
    names = {_io._temp_token() for _ in range(50)}
    assert len(names) == 50
    assert all(len(name) == 16 and int(name, 16) >= 0 for name in names)


def test_concurrent_readers_never_see_a_partial_file(tmp_path):
    """Every read during many rewrites sees one whole version."""
    import threading

    target = tmp_path / "shared.txt"
    versions = [str(i) * 20_000 for i in range(10)]
    target.write_text(versions[0])
    seen: set[str] = set()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            seen.add(target.read_text())

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(3):
            for version in versions:
                write_atomic(target, version)
    finally:
        stop.set()
        thread.join()
    assert seen <= set(versions)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX directory fsync")
def test_directory_is_synced_after_rename(tmp_path, monkeypatch):
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(_io.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    write_atomic(tmp_path / "x", "data")
    assert len(synced) == 2  # the file, then its directory


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_is_written_in_place_not_replaced(tmp_path):
    """A pipe (like /dev/stdout) is written through; renaming over it would break it."""
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomic(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["pipe"]


def test_write_all_atomic_writes_every_file_or_none(tmp_path):
    from palettekit._io import write_all_atomic

    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("old a")
    write_all_atomic([(first, "new a"), (second, b"new b")])
    assert first.read_text() == "new a" and second.read_bytes() == b"new b"

    with pytest.raises(OSError) as caught:
        write_all_atomic([(first, "newer a"), (tmp_path / "no" / "c.txt", "c")])
    assert caught.value.filename == str(tmp_path / "no" / "c.txt")
    assert first.read_text() == "new a"  # untouched: the second file failed before any rename
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]  # no temporary file


# --- leftovers of killed writers -------------------------------------------

_HOLD_TEMP = """
import sys, time
from palettekit._io import _create_temp
fd, path = _create_temp(sys.argv[1], sys.argv[2])
print(path, flush=True)
time.sleep(120)
"""


def _age(path, seconds=60.0):
    past = time.time() - seconds
    os.utime(path, (past, past))


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9")
def test_temp_file_of_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    import signal
    import subprocess

    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    writer = subprocess.Popen(
        [sys.executable, "-c", _HOLD_TEMP, str(tmp_path), "out.json"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert writer.stdout is not None
        leftover = Path(writer.stdout.readline().strip())
        assert leftover.exists()
        _age(leftover)
        write_atomic(tmp_path / "out.json", "{}")  # the writer is alive: its file stays
        assert leftover.exists()
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait(10)
        if writer.stdout is not None:
            writer.stdout.close()
    write_atomic(tmp_path / "out.json", "{}")
    assert not leftover.exists()
    assert sorted(os.listdir(tmp_path)) == ["out.json"]


def test_only_our_own_stale_temp_files_of_that_target_are_removed(tmp_path):
    ours = tmp_path / ".out.json.0123456789abcdef.tmp"
    fresh = tmp_path / ".out.json.fedcba9876543210.tmp"  # may be a writer that just began
    others = [
        tmp_path / ".other.json.0123456789abcdef.tmp",
        tmp_path / ".out.json.notes.tmp",
        tmp_path / "out.json.0123456789abcdef.tmp",
    ]
    for path in (ours, fresh, *others):
        path.write_text("x")
    for path in (ours, *others):
        _age(path)
    write_atomic(tmp_path / "out.json", "{}")
    assert not ours.exists()
    assert fresh.exists() and all(path.exists() for path in others)
