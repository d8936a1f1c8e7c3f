"""Bounded pools for the web app's work: full means 503 at once, slow means 504.

- :class:`WorkerPool`: worker processes for the work that reads images. A job
  that passes its deadline is stopped by killing its process (a thread cannot
  be stopped, and a decoder that holds the GIL stalls the event loop), and a
  fresh process takes its place; so a timed-out job gives its worker and its
  memory back within a fraction of a second, whatever it was doing.
- :class:`WorkQueue`: a thread pool, for the work that can stop itself (URL
  downloads, which have their own total deadline).

The event loop never runs the work itself.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import queue
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import ApiError

__all__ = ["WorkQueue", "WorkerPool"]


T = TypeVar("T")

log = logging.getLogger("palettekit.web")

_PRELOAD = ["palettekit.web.jobs", "palettekit.pipeline", "palettekit.render", "PIL.Image"]
"""Modules the fork server imports once, so that each new worker starts warm."""


def _busy(capacity: int, name: str) -> ApiError:
    return ApiError(
        503,
        "busy",
        f"the server is busy ({capacity} {name} jobs in progress); try again shortly",
        headers={"Retry-After": "1"},
    )


class WorkQueue:
    """A thread pool with a bounded number of jobs in progress.

    At most ``workers`` jobs run and ``queue_size`` wait; :meth:`run` refuses
    a job beyond that with 503 at once instead of queueing it. A job that does
    not finish within its timeout is answered 504; its thread cannot be
    stopped, so it keeps its slot until it ends: give it work that ends by
    itself by then (a fetch with the same deadline).
    """

    def __init__(self, name: str, workers: int, queue_size: int):
        self.name = name
        self.capacity = workers + queue_size
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=f"palettekit-{name}"
        )
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._lock = threading.Lock()
        self._in_progress = 0

    @property
    def in_progress(self) -> int:
        """Jobs running or waiting now."""
        return self._in_progress

    def _release(self, _future: object) -> None:
        with self._lock:
            self._in_progress -= 1
        self._slots.release()

    async def run(self, func: Callable[..., T], *args: Any, timeout: float) -> T:
        """Run ``func(*args)`` on a worker thread and await its result.

        Raises
        ------
        ApiError
            503 ``busy`` when the queue is full; 504 ``timeout`` when the job
            takes longer than ``timeout`` seconds.
        """
        if not self._slots.acquire(blocking=False):
            raise _busy(self.capacity, self.name)
        with self._lock:
            self._in_progress += 1
        try:
            future = self._executor.submit(func, *args)
        except BaseException:
            self._release(None)
            raise
        future.add_done_callback(self._release)
        waiting = asyncio.wrap_future(future)
        # asyncio.wait, not wait_for: a job's own TimeoutError (a fetch's
        # FetchTimeoutError is one) must reach the caller as it is, not be
        # taken for the job running out of time.
        done, _ = await asyncio.wait({waiting}, timeout=max(timeout, 0.001))
        if not done:
            waiting.cancel()
            raise ApiError(504, "timeout", f"the request took longer than {timeout:.3g} s")
        return waiting.result()

    def shutdown(self) -> None:
        """Stop taking jobs; drop the waiting ones, let the running ones end."""
        self._executor.shutdown(wait=False, cancel_futures=True)


# --------------------------------------------------------------------------- processes


def _timed_out(timeout: float) -> ApiError:
    return ApiError(504, "timeout", f"the job took longer than {timeout:.3g} s")


def _current_rss() -> int:
    """This process's resident memory in bytes (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_address_space(extra_bytes: int | None) -> None:
    """Cap this process's address space at what it uses now plus ``extra_bytes``,
    so a decode that would take more fails with MemoryError instead of growing."""
    if not extra_bytes:
        return
    try:
        import resource

        with open("/proc/self/statm", "rb") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + extra_bytes
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # not Linux: no cap, the deadline still holds
        pass


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError that says what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any exception that cannot cross the pipe
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _worker_main(conn: Any, memory_limit: int | None, recycle_bytes: int | None) -> None:
    """A worker process: run ``(func, args)`` jobs from ``conn`` until told to stop.

    Each answer is ``("ok", result, retire)`` or ``("error", exception,
    traceback text, retire)``; ``retire`` is true when the process has grown
    past ``recycle_bytes`` of resident memory and ends after this answer, so
    that memory one large image took goes back to the system.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _limit_address_space(memory_limit)
    base = _current_rss()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        func, args = message
        args = tuple(conn.recv_bytes() if arg is _BLOB else arg for arg in args)
        answer: tuple[Any, ...]
        try:
            answer = ("ok", func(*args))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
            answer = ("error", _portable(exc), traceback.format_exc())
        retire = bool(recycle_bytes) and _current_rss() > base + (recycle_bytes or 0)
        try:
            conn.send((*answer, retire))
        except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled
            conn.send(("error", RuntimeError(f"cannot send the result back: {exc}"), "", retire))
        if retire:
            return


class _Blob:
    """Stands in a job's arguments for bytes sent after them, unpickled (no copy)."""

    def __reduce__(self) -> str:
        return "_BLOB"


_BLOB = _Blob()

_BLOB_BYTES = 64 * 1024
"""Bytes arguments at least this long go through the pipe as raw bytes, not pickled: a
20 MB upload is not copied into a pickle first."""


def _send_job(conn: Any, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Send ``func`` and ``args`` to a worker, large bytes arguments raw after them."""
    raw = [isinstance(arg, bytes) and len(arg) >= _BLOB_BYTES for arg in args]
    pairs = list(zip(args, raw, strict=True))
    conn.send((func, tuple(_BLOB if is_raw else arg for arg, is_raw in pairs)))
    for arg, is_raw in pairs:
        if is_raw:
            conn.send_bytes(arg)


def _context() -> Any:
    """``forkserver`` where there is one (workers fork from a warm, single-threaded
    server: fast to start, nothing of the server's threads or sockets inherited),
    else ``spawn``."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Any

    def kill(self) -> None:
        try:
            self.process.kill()
        except (OSError, ValueError):
            pass
        self.process.join(2)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(1)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


class WorkerPool:
    """Worker processes with a bounded number of jobs in progress; a late job is killed.

    At most ``workers`` jobs run and ``queue_size`` wait; :meth:`run` refuses
    a job beyond that with 503 at once. A job is ``func(*args)`` with
    picklable arguments and result (bytes and options in, plain data out),
    run in a worker process. When it passes its deadline the process is
    killed, which ends whatever it was doing (a decoder stuck in C included)
    and gives its memory back; a new process replaces it, and the caller
    gets a 504 :class:`~palettekit.errors.ApiError` at most a few tens of
    milliseconds after the deadline.

    Parameters
    ----------
    name : str
        Named in messages ("cluster").
    workers, queue_size : int
        Processes, and jobs that may wait for one.
    memory_limit : int, optional
        Bytes of address space a worker may take beyond what it has at start
        (``RLIMIT_AS``, where the system has it); past it a job fails with
        :class:`MemoryError`.
    recycle_bytes : int, optional
        A worker whose resident memory grew by more than this after a job is
        replaced by a fresh one.

    Processes are started on the first job, or by :meth:`start`; the first
    start also starts the fork server (imports numpy, Pillow, palettekit:
    about half a second), later ones take milliseconds.
    """

    def __init__(
        self,
        name: str,
        workers: int,
        queue_size: int,
        *,
        memory_limit: int | None = None,
        recycle_bytes: int | None = None,
    ):
        self.name = name
        self.workers = workers
        self.capacity = workers + queue_size
        self.memory_limit = memory_limit
        self.recycle_bytes = recycle_bytes
        self.jobs_started = 0
        """Jobs handed to a worker process so far."""
        self.killed = 0
        """Workers killed at a deadline so far."""
        self._threads = ThreadPoolExecutor(
            max_workers=self.capacity, thread_name_prefix=f"palettekit-{name}"
        )
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._lock = threading.Lock()
        self._in_progress = 0
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: set[_Worker] = set()
        self._started = False
        self._closed = False

    @property
    def in_progress(self) -> int:
        """Jobs running or waiting now."""
        return self._in_progress

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        with self._lock:
            return [worker.process.pid for worker in self._workers]

    def start(self) -> None:
        """Start the worker processes now (blocking; call it off the event loop)."""
        with self._lock:
            if self._started or self._closed:
                return
            self._started = True
        for _ in range(self.workers):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        context = _context()
        parent, child = context.Pipe()
        process = context.Process(
            target=_worker_main,
            args=(child, self.memory_limit, self.recycle_bytes),
            daemon=True,
            name=f"palettekit-{self.name}",
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            if self._closed:
                closed = True
            else:
                closed = False
                self._workers.add(worker)
        if closed:
            worker.kill()
            raise RuntimeError(f"the {self.name} pool is shut down")
        return worker

    def _replace(self, worker: _Worker, *, kill: bool) -> None:
        with self._lock:
            self._workers.discard(worker)
        if kill:
            worker.kill()
        else:
            worker.process.join(2)
            worker.conn.close()
        if not self._closed:
            self._idle.put(self._spawn())

    async def run(
        self, func: Callable[..., T], *args: Any, timeout: float, until: float | None = None
    ) -> T:
        """Run ``func(*args)`` in a worker process and await its result.

        The job has ``timeout`` seconds from the moment a worker takes it, and
        must end by ``until`` (a :func:`time.monotonic` time) when given,
        waiting for a worker included (else by ``timeout`` from now).

        Raises
        ------
        ApiError
            503 ``busy`` when the pool is full; 504 ``timeout`` when the job
            passed its deadline (its worker was killed, or none was free in
            time); 500 ``internal`` when the worker ended during the job for
            another reason (killed from outside, crashed).
        Exception
            What ``func`` raised, with the worker's traceback as its cause.
        """
        if self._closed:
            raise RuntimeError(f"the {self.name} pool is shut down")
        if not self._slots.acquire(blocking=False):
            raise _busy(self.capacity, self.name)
        with self._lock:
            self._in_progress += 1
        until = time.monotonic() + max(timeout, 0.001) if until is None else until
        try:
            future = self._threads.submit(self._exchange, func, args, timeout, until)
        except BaseException:
            self._release()
            raise
        # The thread holds the slot until its job ends or is killed, even if
        # this request is cancelled meanwhile (a client that went away).
        return await asyncio.wrap_future(future)

    def _release(self) -> None:
        with self._lock:
            self._in_progress -= 1
        self._slots.release()

    def _exchange(
        self, func: Callable[..., T], args: tuple[Any, ...], timeout: float, until: float
    ) -> T:
        """On a pool thread: wait for an idle worker, hand it the job, wait for its answer
        (killing it at the deadline), give the worker back."""
        try:
            self.start()
            try:
                worker = self._idle.get(timeout=max(until - time.monotonic(), 0.0))
            except queue.Empty:
                raise _timed_out(timeout) from None
            with self._lock:
                self.jobs_started += 1
            deadline = min(time.monotonic() + timeout, until)
            return self._on_worker(worker, func, args, deadline, timeout)
        finally:
            self._release()

    def _on_worker(
        self,
        worker: _Worker,
        func: Callable[..., T],
        args: tuple[Any, ...],
        deadline: float,
        timeout: float,
    ) -> T:
        try:
            _send_job(worker.conn, func, args)
            if not worker.conn.poll(max(deadline - time.monotonic(), 0.0)):
                with self._lock:
                    self.killed += 1
                self._replace(worker, kill=True)
                raise _timed_out(timeout)
            answer = worker.conn.recv()
        except (EOFError, OSError, pickle.PickleError) as exc:
            self._replace(worker, kill=True)
            log.error("the %s worker ended during a job (%r)", self.name, exc)
            raise ApiError(
                500, "internal", "the worker for this image ended unexpectedly; try again"
            ) from None
        if answer[-1]:  # grown large: a fresh process takes its place
            self._replace(worker, kill=False)
        else:
            self._idle.put(worker)
        if answer[0] == "ok":
            return answer[1]  # type: ignore[no-any-return]
        error: BaseException = answer[1]
        if answer[2]:  # the worker's traceback, shown with the error's in a log
            error.__cause__ = Exception(f"in the worker process:\n{answer[2]}")
        raise error

    def shutdown(self) -> None:
        """Stop taking jobs and end the worker processes (a running job is killed)."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.stop() if worker.process.is_alive() else worker.kill()
        self._threads.shutdown(wait=False, cancel_futures=True)
