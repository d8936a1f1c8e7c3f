"""Run a batch on a Dask distributed cluster (``palettekit[dask]``).

The same work as the local pool (:func:`palettekit.batch.results.extract_one`
per source), submitted in chunks of sources (one Dask task per chunk: a
task costs the scheduler, the client and the result's trip back more than a
thumbnail costs a worker; the chunks grow from one source to
``DASK_MAX_CHUNK`` and shrink again at the end of the stream, see
:mod:`palettekit.batch.chunks`) with at most ``max_in_flight`` sources
outstanding, so the stream of sources is never materialised. Results come
back one per source, in input order if asked, each exactly once. Results,
record format, resume and error semantics are those of a local run; a
chunk whose worker died is run again one source per task, so that only the
source that kills a worker fails.

Pointing it at a real cluster
-----------------------------
Start a scheduler and workers (``dask scheduler`` on one machine, then
``dask worker tcp://SCHEDULER:8786 --nworkers N --nthreads 1`` on each
machine, each with palettekit installed), then run::

    palettekit batch @paths.txt -o results.jsonl --dask tcp://SCHEDULER:8786

The client (where ``palettekit batch`` runs) expands the sources and writes
the results file; workers only open the sources. So every worker must see
each source under the same name: either a shared file system mounted at the
same path everywhere (NFS, a cloud bucket mounted with a FUSE driver) with
absolute paths in the list, or http(s) URLs. ``--dask local`` starts a
LocalCluster with one single-threaded worker process per core on this
machine, which is mainly useful for testing. Workers started by Dask's
nanny already run BLAS single-threaded (Dask's default
``distributed.nanny.pre-spawn-environ``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import BatchError, require_extra
from ..options import Options
from .chunks import ChunkPlanner
from .results import BatchResult, ResultOrderer, default_workers, extract_one

__all__ = [
    "iter_results_dask",
    "dask_client",
    "extract_chunk",
    "DASK_MAX_CHUNK",
]

from .chunks import DASK_MAX_CHUNK


def extract_chunk(tasks: list[tuple[int, str]], options: Options) -> list[BatchResult]:
    """The work of one Dask task: :func:`extract_one` for each ``(index, source)``."""
    return [extract_one(index, source, options) for index, source in tasks]


def _lost(index: int, source: str, exc: BaseException) -> BatchResult:
    message = " ".join(str(exc).split()) or type(exc).__name__
    return BatchResult(index, source, None, error_type=type(exc).__name__, error=message)


def iter_results_dask(
    indexed: Iterator[tuple[int, str]],
    options: Options,
    client: Any,
    *,
    ordered: bool = True,
    max_in_flight: int | None = None,
) -> Iterator[BatchResult]:
    """Results of ``(index, source)`` tasks run on the cluster of ``client``.

    ``max_in_flight`` counts sources (default ``2 * DASK_MAX_CHUNK * threads
    + 4``: two full chunks per worker thread). A task whose worker died
    repeatedly (Dask's ``KilledWorker``) or that failed inside Dask is run
    again one source per task; a source that fails that way on its own gets a
    failed result. It never stops the run.
    """
    distributed = require_extra("distributed", "dask", "--dask")
    try:
        threads = max(1, sum(client.nthreads().values()))
    except Exception:
        threads = default_workers()
    if max_in_flight is None:
        max_in_flight = 2 * DASK_MAX_CHUNK * threads + 4
    window = max(1, max_in_flight)
    run_id = uuid.uuid4().hex[:12]
    orderer = ResultOrderer(ordered)
    tasks: dict[str, list[tuple[int, str]]] = {}  # future key -> its chunk
    in_flight = 0
    planner = ChunkPlanner(indexed, threads, DASK_MAX_CHUNK, orderer)
    retry: list[tuple[int, str]] = []  # sources of failed chunks, to run one by one
    completed = distributed.as_completed()
    serial = 0

    def submit(chunk: list[tuple[int, str]]) -> None:
        nonlocal in_flight, serial
        serial += 1
        future = client.submit(
            extract_chunk, chunk, options, key=f"palettekit-{run_id}-{serial}", pure=False
        )
        tasks[future.key] = chunk
        in_flight += len(chunk)
        completed.add(future)

    def fill() -> None:
        while retry:
            submit([retry.pop(0)])
        while in_flight + orderer.held < window:
            chunk = planner.take(window - in_flight - orderer.held)
            if not chunk:
                break
            submit(chunk)

    try:
        fill()
        while tasks:
            future = next(completed)
            chunk = tasks.pop(future.key)
            in_flight -= len(chunk)
            try:
                results = future.result()
            except Exception as exc:  # KilledWorker, a lost connection, ...
                if len(chunk) > 1:
                    retry.extend(chunk)
                    results = []
                else:
                    results = [_lost(*chunk[0], exc)]
            future.release()
            for result in results:
                yield from orderer.done(result)
            fill()
    finally:
        tasks.clear()
        completed.clear()


# Timers of a LocalCluster's scheduler, nannies and workers, slowed down: at
# Dask's defaults (each server measures its event loop every 20 ms, system
# and memory monitors every 0.5 s and 0.1 s, work stealing every 0.1 s) an
# idle two-worker cluster used 82 ms of CPU per second (44 in this process,
# which also writes the results), 14 ms with these. Work stealing moves
# queued tasks between workers; the scheduler here holds the queue itself
# (Dask's task queuing) and the chunks are even, so there is nothing to steal.
LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,
}

# Without a dashboard, Dask's scheduler still serves a few HTTP routes, on port
# 8787 of all interfaces by default: a second run at the same time (or any
# Dask dashboard) found it taken and printed a warning, which pytest's
# warnings-as-errors made a failure to start. A free port on localhost instead.
LOCAL_SCHEDULER_KWARGS: dict[str, Any] = {"dashboard_address": "127.0.0.1:0"}

# What the fork server of a LocalCluster imports once for all its workers.
_LOCAL_PRELOAD = [
    "distributed",
    "palettekit.pipeline",
    "palettekit.batch.dask_runner",
    "palettekit.batch.warmup",
]


# Dask's own default for ``distributed.nanny.pre-spawn-environ``, used when
# distributed (which registers it) is not imported yet; without
# MALLOC_TRIM_THRESHOLD_ (see _warm_local_workers).
_DASK_PRE_SPAWN = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


@contextmanager
def _warm_local_workers() -> Iterator[None]:
    """Start a LocalCluster's worker processes warm: forked from a fork server that
    has imported distributed and palettekit once (Dask's default, "spawn", has
    every worker import both, about a second each), with BLAS single-threaded.

    The fork server starts first, so that it imports while this process imports
    distributed and starts the scheduler. A no-op where there is no fork server,
    or when one is already running with another environment (see
    :func:`palettekit.batch.processes.warm_context`).
    """
    import os

    try:
        import dask
    except ImportError:  # the caller's require_extra() says what to install
        yield
        return

    from .processes import single_threaded_children, warm_context

    # The variables Dask's nanny sets in this process before it starts a worker
    # (and leaves set): set first, so that the fork server has them too.
    # Dask's default MALLOC_TRIM_THRESHOLD_=65536 (a setting that also turns off
    # glibc's adaptive mmap threshold) makes every array above 128 kB a fresh
    # mmap, page faults included: palettekit ran 1.5-1.8x slower per image with
    # it (6 ms of system time per 480x320-960x640 JPEG). A user's own setting
    # in the environment is kept.
    configured = dask.config.get("distributed.nanny.pre-spawn-environ", default=None)
    environ = {
        k: str(v)
        for k, v in (configured or _DASK_PRE_SPAWN).items()
        if v is not None and k != "MALLOC_TRIM_THRESHOLD_"
    }
    if environ.get("PYTHONHASHSEED") in (None, "0"):
        environ["PYTHONHASHSEED"] = "6640"  # Dask's fixed seed, the same on every worker
    for name, value in environ.items():
        os.environ.setdefault(name, value)
    config: dict[str, Any] = {
        "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
        # The workers' statistical profiler samples every thread's stack each
        # 10 ms, for a dashboard this cluster does not have.
        "distributed.worker.profile.enabled": False,
        **LOCAL_CLUSTER_CONFIG,
    }
    with single_threaded_children():
        if warm_context(_LOCAL_PRELOAD).get_start_method() == "forkserver":
            config["distributed.worker.multiprocessing-method"] = "forkserver"
        with dask.config.set(config):
            yield


@contextmanager
def dask_client(address: str, *, workers: int | None = None) -> Iterator[Any]:
    """A Dask client for ``address``, or for a new LocalCluster if it is "local".

    The LocalCluster has ``workers`` (default: all cores) single-threaded
    worker processes, started warm (see :func:`_warm_local_workers`), no
    dashboard and its scheduler's HTTP routes on a free localhost port (so
    that runs at the same time do not collide); it is closed on exit.
    """
    if address == "local":
        with _warm_local_workers():
            distributed = require_extra("distributed", "dask", "--dask")
            cluster = distributed.LocalCluster(
                n_workers=workers or default_workers(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                scheduler_kwargs=LOCAL_SCHEDULER_KWARGS,
            )
            try:
                with distributed.Client(cluster) as client:
                    yield client
            finally:
                cluster.close()
        return
    distributed = require_extra("distributed", "dask", "--dask")
    try:
        client = distributed.Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise BatchError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
    with client:
        yield client
