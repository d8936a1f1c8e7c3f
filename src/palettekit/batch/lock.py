"""One batch run per results file: an advisory lock in a file beside the output.

Two runs appending to one output interleave and duplicate records and tear
lines, and both would report success. So a writer takes an exclusive lock
before it touches its output, and the second run is refused at once with a
one-line error naming the first (its process id, host, start time and
command line, read from the lock file).

The lock is ``flock`` (``fcntl``; ``msvcrt.locking`` on Windows) on
``.<output name>.lock`` in the directory of the real output, its path
resolved (symbolic links followed), so a second name cannot run twice. The kernel releases it
when its process ends in any way, ``kill -9`` included, so a lock file left
by a dead run is stale by construction: the next run takes it over. A run
that ends normally deletes the lock file; the path is checked again after
locking, so a run that opened the file just before it was deleted retries
instead of holding a lock on a deleted file.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import sys
from typing import Any

from ..errors import ResultsFileError

__all__ = ["OutputLock", "lock_path"]

_ATTEMPTS = 8
_INFO_BYTES = 4096


def lock_path(output: str) -> str:
    """The lock file of ``output``: ``.<name>.lock`` beside the real file.

    The path is resolved first (symbolic links, ``..``), so every name of
    one results file, a link to it or through a linked folder, has the same
    lock and two runs on it exclude each other.
    """
    absolute = os.path.realpath(output)
    directory, name = os.path.split(absolute.rstrip(os.sep) or absolute)
    return os.path.join(directory, f".{name}.lock")


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; False if another process has it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:  # a file system without locks: say so rather than run unprotected
        raise ResultsFileError(
            f"cannot lock the output (file system refuses locks: {exc.strerror or exc})"
        ) from None
    return True


def _describe_holder(path: str) -> str:
    """Who holds the lock, from what it wrote into the lock file."""
    try:
        with open(path, "rb") as handle:
            info: Any = json.loads(handle.read(_INFO_BYTES).decode("utf-8", "replace"))
    except (OSError, ValueError):
        return "another batch run (it has not written its details yet)"
    if not isinstance(info, dict):
        return "another batch run"
    parts = [f"pid {info.get('pid', '?')}"]
    if info.get("host"):
        parts.append(f"on {info['host']}")
    if info.get("started"):
        parts.append(f"since {info['started']}")
    text = "another batch run (" + " ".join(str(p) for p in parts) + ")"
    command = info.get("command")
    if isinstance(command, str) and command:
        shown = "".join(c if c.isprintable() else "?" for c in command)
        if len(shown) > 120:
            shown = shown[:119] + "…"
        text += f": {shown}"
    return text


def _command_line() -> str:
    if not sys.argv:
        return ""
    program = os.path.basename(sys.argv[0])
    if program in ("__main__.py", "-c", ""):
        program = "palettekit"
    return " ".join([program, *sys.argv[1:]])


class OutputLock:
    """An exclusive, advisory lock on a results output, held until :meth:`release`."""

    def __init__(self, output: str) -> None:
        self.output = output
        self.path = lock_path(output)
        self._fd: int | None = None

    @classmethod
    def acquire(cls, output: str) -> OutputLock:
        """Lock ``output`` for this process.

        Raises
        ------
        ResultsFileError
            Another live run holds the lock (the message names it), or the
            lock file cannot be created.
        """
        lock = cls(output)
        lock._acquire()
        return lock

    def _acquire(self) -> None:
        for _ in range(_ATTEMPTS):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
            except OSError as exc:
                raise ResultsFileError(
                    f"cannot write {self.output}: cannot create its lock file {self.path} "
                    f"({exc.strerror or exc})"
                ) from None
            try:
                locked = _try_lock(fd)
            except ResultsFileError as exc:
                os.close(fd)
                raise ResultsFileError(f"{self.output}: {exc}") from None
            if not locked:
                os.close(fd)
                raise ResultsFileError(
                    f"{self.output} is being written by {_describe_holder(self.path)}; "
                    "wait for it to finish or stop it (two runs on one output would corrupt it)"
                )
            if not self._same_file(fd):  # deleted by a run that just ended: try again
                os.close(fd)
                continue
            self._fd = fd
            self._write_details()
            return
        raise ResultsFileError(f"cannot lock {self.output}: its lock file keeps changing")

    def _same_file(self, fd: int) -> bool:
        try:
            on_disk = os.stat(self.path)
        except OSError:
            return False
        opened = os.fstat(fd)
        return (on_disk.st_dev, on_disk.st_ino) == (opened.st_dev, opened.st_ino)

    def _write_details(self) -> None:
        assert self._fd is not None
        started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        details = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": started,
            "command": _command_line(),
        }
        data = json.dumps(details, ensure_ascii=False).encode("utf-8")[:_INFO_BYTES]
        try:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, data, 0) if hasattr(os, "pwrite") else os.write(self._fd, data)
        except OSError:  # the details are a courtesy; the lock is what matters
            pass

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Delete the lock file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if self._same_file(fd):
                os.unlink(self.path)
        except OSError:
            pass
        os.close(fd)  # closing drops the lock
