"""Run extract() over a stream of sources on a local process pool.

Results come back as :class:`BatchResult` values carrying the input index, in
input order (``ordered=True``, the default) or as they complete. At most
``max_in_flight`` sources are submitted and not yet handed back, so memory
stays flat however long the stream is. A failing source gives a result with
its error; it never stops the run.

Sources go to the workers in chunks (one task per chunk): a thumbnail takes
a few milliseconds, about what handing one task to a process and its result
back costs. The first chunks hold one source each, so that a short batch is
shared between the workers and the first results come back at once; later
ones double up to ``MAX_CHUNK`` sources and shrink again at the end of the
stream (see :mod:`palettekit.batch.chunks`).

Workers start warm, forked from a fork server that has imported palettekit
once, where the platform has one (see :mod:`palettekit.batch.processes`),
else with "spawn". Each worker ignores SIGINT (the parent decides how to
stop) and runs numerical libraries single-threaded, so that N workers use N
cores and no more.
"""

from __future__ import annotations

import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..options import Options
from .chunks import MAX_CHUNK, ChunkPlanner
from .processes import (
    main_module_hidden,
    sigint_blocked,
    sigint_deferred,
    single_threaded_children,
    warm_context,
)
from .results import (
    BatchResult,
    ResultOrderer,
    default_workers,
    extract_one,
    source_file_bytes,
)

__all__ = ["BatchResult", "iter_results", "extract_one", "default_workers"]

# --- worker process side --------------------------------------------------------

_WORKER_OPTIONS: Options | None = None


def _gone(pid: int) -> bool:
    """True when process ``pid`` has ended (or is a zombie nobody reaped yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, not ours to signal
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except (OSError, IndexError):
        return False


def _exit_when_orphaned(parent: int, direct: int, interval: float = 0.5) -> None:
    """End this worker soon after the run's process dies (kill -9, power button,
    OOM): its direct parent changes (a spawned worker), or the run's process is
    gone (a worker forked from the fork server, whose parent is the server)."""
    while True:
        time.sleep(interval)
        if os.getppid() != direct or _gone(parent):
            os._exit(1)


def _init_worker(options: Options, parent: int) -> None:
    global _WORKER_OPTIONS
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_OPTIONS = options
    threading.Thread(
        target=_exit_when_orphaned,
        args=(parent, os.getppid()),
        name="palettekit-orphan-guard",
        daemon=True,
    ).start()
    import palettekit.pipeline  # noqa: F401 - import once, up front


def _work(tasks: list[tuple[int, str]]) -> list[BatchResult]:
    assert _WORKER_OPTIONS is not None
    return [extract_one(index, source, _WORKER_OPTIONS) for index, source in tasks]


# --- parent side ------------------------------------------------------------------


def _crashed(index: int, source: str, *, detail: str) -> BatchResult:
    return BatchResult(
        index,
        source,
        None,
        error_type="WorkerCrashError",
        error=f"the worker process died while extracting this source ({detail})",
        file_bytes=source_file_bytes(source),
    )


def iter_results(
    sources: Iterable[str | os.PathLike[str]],
    options: Options | None = None,
    *,
    workers: int | None = None,
    ordered: bool = True,
    max_in_flight: int | None = None,
    skip: Callable[[str], bool] | None = None,
    client: Any = None,
) -> Iterator[BatchResult]:
    """Extract a palette from every source, in parallel, streaming.

    Parameters
    ----------
    sources
        Paths or URLs (any iterable, consumed lazily). Index i is the i-th
        item, including items passed over by ``skip``.
    options : Options, optional
        Extraction options (default ``Options()``), the same for every source.
    workers : int, optional
        Worker processes (default: all cores). 0 runs in this process.
    ordered : bool
        Yield in input order (default), or as results complete.
    max_in_flight : int, optional
        Sources submitted but not yet yielded (default ``4 * MAX_CHUNK *
        workers + 4``).
    skip : callable, optional
        ``skip(source) -> bool``: sources for which it is true are not run
        (used by resume); their index is still counted.
    client : dask.distributed.Client, optional
        Run on this Dask cluster instead of local processes (see
        :mod:`palettekit.batch.dask_runner`).

    Yields
    ------
    BatchResult
        One per source not skipped.

    Notes
    -----
    If a worker process dies (a crash in a decoder, the OOM killer), the
    sources it may have been working on are retried one at a time in a new
    pool; one that kills its worker again gets a ``WorkerCrashError`` result.
    """
    opts = options if options is not None else Options()
    indexed = _indexed(sources, skip)
    if client is not None:
        from .dask_runner import iter_results_dask

        yield from iter_results_dask(
            indexed, opts, client, ordered=ordered, max_in_flight=max_in_flight
        )
        return
    n_workers = default_workers() if workers is None else workers
    if n_workers < 0:
        raise ValueError(f"workers must be >= 0, got {n_workers}")
    if n_workers == 0:
        for index, source in indexed:
            yield extract_one(index, source, opts)
        return
    window = max_in_flight if max_in_flight is not None else 4 * MAX_CHUNK * n_workers + 4
    yield from _pool_results(indexed, opts, n_workers, max(1, window), ordered)


def _indexed(
    sources: Iterable[str | os.PathLike[str]], skip: Callable[[str], bool] | None
) -> Iterator[tuple[int, str]]:
    for index, source in enumerate(sources):
        text = os.fspath(source)
        if skip is not None and skip(text):
            continue
        yield index, text


def _submit(pool: Any, tasks: list[tuple[int, str]]) -> Any:
    # submit() may start a worker process; a Ctrl-C waits until its locks are released
    with sigint_deferred(), main_module_hidden(), sigint_blocked():
        return pool.submit(_work, tasks)


def _finished(pending: dict[Any, Any]) -> list[tuple[Any, list[BatchResult], Exception | None]]:
    """The futures of ``pending`` that are done within a quarter of a second, each
    with its results, or with the ``BrokenProcessPool`` its worker's crash left;
    a Ctrl-C meanwhile is raised once ``concurrent.futures`` holds no lock
    (:func:`~palettekit.batch.processes.sigint_deferred`)."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    out: list[tuple[Any, list[BatchResult], Exception | None]] = []
    with sigint_deferred():
        done, _ = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
        for future in done:
            try:
                out.append((future, future.result(), None))
            except BrokenProcessPool as exc:
                out.append((future, [], exc))
    return out


def _new_pool(options: Options, n_workers: int):  # type: ignore[no-untyped-def]
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=n_workers,
        mp_context=warm_context(),
        initializer=_init_worker,
        initargs=(options, os.getpid()),
    )


def _kill_pool(pool: Any) -> None:
    """Stop a pool now: cancel queued work and end its processes."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.kill()
        except Exception:
            pass
    for process in processes:
        try:
            process.join(timeout=5)
        except Exception:
            pass


def _pool_results(
    indexed: Iterator[tuple[int, str]],
    options: Options,
    n_workers: int,
    window: int,
    ordered: bool,
) -> Iterator[BatchResult]:
    orderer = ResultOrderer(ordered)
    pending: dict[Any, list[tuple[int, str]]] = {}  # future -> its chunk of sources
    in_flight = 0  # sources in pending
    planner = ChunkPlanner(indexed, n_workers, MAX_CHUNK, orderer)
    suspects: deque[tuple[int, str]] = deque()  # rerun one at a time after a crash
    alone = False  # the one pending task is a suspect running by itself
    with single_threaded_children():
        pool = _new_pool(options, n_workers)
        try:
            while True:
                if suspects or alone:
                    if not pending and suspects:
                        task = suspects.popleft()
                        pending[_submit(pool, [task])] = [task]
                        in_flight += 1
                        alone = True
                else:
                    while in_flight + orderer.held < window:
                        chunk = planner.take(window - in_flight - orderer.held)
                        if not chunk:
                            break
                        pending[_submit(pool, chunk)] = chunk
                        in_flight += len(chunk)
                if not pending:
                    break
                broken = False
                for future, results, crash in _finished(pending):
                    chunk = pending.pop(future)
                    in_flight -= len(chunk)
                    if crash is not None:
                        broken = True
                        if alone:
                            detail = str(crash) or "crash"
                            yield from orderer.done(_crashed(*chunk[0], detail=detail))
                        else:
                            suspects.extend(chunk)
                        continue
                    for result in results:
                        yield from orderer.done(result)
                if alone and not pending:
                    alone = False
                if broken:
                    for future in list(pending):
                        suspects.extend(pending.pop(future))
                    in_flight = 0
                    _kill_pool(pool)
                    pool = _new_pool(options, n_workers)
        finally:
            _kill_pool(pool)
