"""Atomic file writes: a reader sees the old file or the new one, never a part.

:func:`write_atomic` writes to a temporary file in the target's directory,
flushes it to disk, then renames it over the target with :func:`os.replace`
(atomic on POSIX and Windows when both are on one file system, which a
temporary file in the same directory guarantees).

Decisions, so callers know what to expect:

* **Permissions.** A new file gets the permissions any new file gets
  (``0o666`` minus the process umask: the temporary file is created with
  :func:`os.open` and mode ``0o666``, so the kernel applies the umask; the
  umask is never read or changed, which would not be thread-safe). When the
  target already exists, its permission bits are copied onto the new file,
  so overwriting a ``0o600`` or ``0o644`` file keeps ``0o600`` or ``0o644``.
  Owner, group, ACLs and extended attributes are not copied.
* **Symbolic links.** A target that is a symlink is resolved first: the file
  it points to is replaced and the link stays a link.
* **Durability.** The data is ``fsync``-ed before the rename, and the
  directory after it (where the platform allows), so a crash right after
  :func:`write_atomic` returns loses neither the data nor the rename.
* **Devices and pipes.** An existing target that is not a regular file
  (``/dev/stdout``, ``/dev/null``, a FIFO) is written in place: renaming over
  it would replace the device node or pipe. Atomicity does not apply there.
* **Failure.** On any error, including KeyboardInterrupt, the temporary file
  is removed and the target is left as it was. OS errors name the target
  path, not the temporary one, so they make clear one-line messages.
* **Leftovers.** A process killed mid-write (``kill -9``, a power loss)
  cannot remove its temporary file. Each writer holds an advisory lock on
  its temporary file while it writes, which the kernel drops when the
  process dies; so the next write to the same target removes the temporary
  files of our pattern (``.<name>.<16 hex digits>.tmp``) that nobody holds
  and that are more than :data:`STALE_SECONDS` old. Where advisory locks do
  not exist (Windows), only the age decides, and it is an hour.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from collections.abc import Callable, Sequence
from typing import BinaryIO, Union

__all__ = ["write_atomic", "write_all_atomic", "write_atomic_with"]

PathLike = Union[str, "os.PathLike[str]"]

# Mode of a new file before the umask, as open(path, "w") would create it.
_NEW_FILE_MODE = 0o666
# Attempts at a fresh temporary name (each has 64 random bits; one suffices).
_NAME_ATTEMPTS = 16
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)

STALE_SECONDS = 2.0
"""Age after which an unlocked temporary file of ours is a leftover (the lock is
taken right after the file is created: this covers that instant)."""
_STALE_SECONDS_WITHOUT_LOCKS = 3600.0


def write_atomic(path: PathLike, data: str | bytes | bytearray | memoryview) -> None:
    """Write ``data`` to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file to create or replace. Its directory must exist.
    data : str or bytes-like
        The whole content. ``str`` is encoded as UTF-8, with no newline
        translation (``"\\n"`` stays ``"\\n"`` on every platform).

    Raises
    ------
    TypeError
        ``data`` is neither text nor bytes.
    IsADirectoryError
        ``path`` is a directory.
    OSError
        The file cannot be written (no such directory, permission, disk
        full ...). The error's ``filename`` is ``path``. The target is then
        untouched and no temporary file is left behind.
    """
    staged = _stage(path, data)
    staged.commit()


def write_atomic_with(path: PathLike, write: Callable[[BinaryIO], object]) -> None:
    """Write ``path`` atomically by streaming: ``write(stream)`` fills a
    temporary file beside it, which then replaces it, as :func:`write_atomic`
    does with bytes in memory (same permissions, symbolic links, durability
    and leftovers; a regular file target only).

    Raises
    ------
    IsADirectoryError
        ``path`` is a directory.
    OSError
        As :func:`write_atomic`; any exception of ``write`` leaves the target
        as it was and no temporary file behind.
    """
    shown = os.fspath(path)
    target = os.path.realpath(shown) if os.path.islink(shown) else shown
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), shown)
    _Staged(shown, target, _write_temp(shown, target, write), b"").commit()


class _Staged:
    """A file written to a temporary name beside its target, not yet renamed over it."""

    def __init__(self, shown: str, target: str, temp_path: str | None, payload: bytes) -> None:
        self.shown = shown
        self.target = target
        self.temp_path = temp_path  # None for a device or pipe, written at commit
        self.payload = payload

    def commit(self) -> None:
        """Rename the temporary file over the target (or write a device in place)."""
        if self.temp_path is None:
            _write_through(self.target, self.payload, self.shown)
            return
        try:
            os.replace(self.temp_path, self.target)
        except OSError as exc:
            self.discard()
            raise _about(exc, self.shown) from None
        except BaseException:
            self.discard()
            raise
        sync_directory(os.path.dirname(os.path.abspath(self.target)))

    def discard(self) -> None:
        """Remove the temporary file; the target stays as it was."""
        if self.temp_path is not None:
            _remove_quietly(self.temp_path)


def _payload(data: str | bytes | bytearray | memoryview) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"data must be str or bytes, not {type(data).__name__}")


def _stage(path: PathLike, data: str | bytes | bytearray | memoryview) -> _Staged:
    """Write ``data`` to a temporary file beside ``path``, flushed to disk (not renamed)."""
    payload = _payload(data)
    shown = os.fspath(path)
    target = os.path.realpath(shown) if os.path.islink(shown) else shown
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), shown)
    if _is_special(target):
        return _Staged(shown, target, None, payload)
    temp_path = _write_temp(shown, target, lambda stream: stream.write(payload))
    return _Staged(shown, target, temp_path, payload)


def _write_temp(shown: str, target: str, write: Callable[[BinaryIO], object]) -> str:
    """A temporary file beside ``target`` filled by ``write``, flushed to disk;
    its path. Removed again on any error."""
    directory = os.path.dirname(os.path.abspath(target))
    existing_mode = _permission_bits(target)
    _remove_stale_temps(directory, os.path.basename(target))
    try:
        fd, temp_path = _create_temp(directory, os.path.basename(target))
    except OSError as exc:
        raise _about(exc, shown) from None
    try:
        try:
            with os.fdopen(fd, "wb") as stream:
                if existing_mode is not None and hasattr(os, "fchmod"):
                    os.fchmod(stream.fileno(), existing_mode)
                write(stream)
                stream.flush()
                os.fsync(stream.fileno())
            if existing_mode is not None and not hasattr(os, "fchmod"):
                os.chmod(temp_path, existing_mode)
        except OSError as exc:
            raise _about(exc, shown) from None
    except BaseException:
        _remove_quietly(temp_path)
        raise
    return temp_path


def write_all_atomic(
    files: Sequence[tuple[PathLike, str | bytes | bytearray | memoryview]],
) -> None:
    """Write several files so that none changes unless every one could be written.

    Each file is first written in full to a temporary name beside its target
    (as :func:`write_atomic` does); only when all of them are on disk are
    they renamed over their targets, one after the other. A failure while
    writing removes every temporary file and leaves every target as it was.
    A rename can fail only in rare cases (the directory was removed or made
    read-only meanwhile); the error then names the file, the files renamed
    before it keep their new content and the rest keep their old one.

    Raises
    ------
    OSError
        As :func:`write_atomic`; its ``filename`` is the target that failed.
    """
    staged: list[_Staged] = []
    try:
        for path, data in files:
            staged.append(_stage(path, data))
    except BaseException:
        for item in staged:
            item.discard()
        raise
    for position, item in enumerate(staged):
        try:
            item.commit()
        except BaseException:
            for rest in staged[position + 1 :]:
                rest.discard()
            raise


def _is_special(path: str) -> bool:
    """True for an existing file that is not a regular file (device, FIFO, socket)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _write_through(target: str, payload: bytes | bytearray | memoryview, shown: str) -> None:
    """Write into a device or pipe in place: renaming over it would replace the
    device node itself (``/dev/null``) and a reader of a FIFO would see nothing."""
    try:
        with open(target, "wb") as stream:
            stream.write(payload)
    except OSError as exc:
        raise _about(exc, shown) from None


def _permission_bits(path: str) -> int | None:
    """Permission bits of an existing regular file, None if there is none."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None


def _temp_token() -> str:
    """16 random hex digits: ``secrets.token_hex(8)`` without importing secrets (which
    imports hashlib: ~3 ms of a command line's start)."""
    return os.urandom(8).hex()


def _create_temp(directory: str, base: str) -> tuple[int, str]:
    """Open a new, hidden file next to the target, locked (see "Leftovers");
    the kernel applies the umask."""
    for _ in range(_NAME_ATTEMPTS):
        temp_path = os.path.join(directory, f".{base}.{_temp_token()}.tmp")
        try:
            fd = os.open(temp_path, _OPEN_FLAGS, _NEW_FILE_MODE)
        except FileExistsError:
            continue
        _try_lock(fd)
        return fd, temp_path
    raise FileExistsError(errno.EEXIST, "no free temporary file name", directory)


def _try_lock(fd: int) -> bool | None:
    """An exclusive advisory lock on ``fd`` without waiting: True if taken, False
    if another process holds it, None where there are no such locks."""
    try:
        import fcntl
    except ImportError:  # Windows
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks
        return None
    return True


def _remove_stale_temps(directory: str, base: str) -> None:
    """Remove the temporary files a killed writer of ``base`` left (see "Leftovers")."""
    pattern = re.compile(re.escape(f".{base}.") + r"[0-9a-f]{16}\.tmp")
    prefix = f".{base}."
    try:
        entries = [e for e in os.scandir(directory) if e.name.startswith(prefix)]
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < STALE_SECONDS:
                continue
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            continue
        try:
            locked = _try_lock(fd)
            old = now - info.st_mtime >= _STALE_SECONDS_WITHOUT_LOCKS
            if locked or (locked is None and old):
                os.unlink(entry.path)
        except OSError:
            pass
        finally:
            os.close(fd)


def _about(exc: OSError, path: str) -> OSError:
    """The same kind of OSError, naming the target instead of the temporary file."""
    if exc.errno is None:
        return exc
    return OSError(exc.errno, exc.strerror or os.strerror(exc.errno), path)


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def sync_directory(directory: str) -> None:
    """Flush the directory entry of the rename (POSIX); a no-op where unsupported."""
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
