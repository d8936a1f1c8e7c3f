"""Run a batch on a Dask distributed cluster (``palettekit[dask]``).

The same work as the local pool (:func:`palettekit.batch.results.extract_one`
per source), submitted as one task per source with at most ``max_in_flight``
tasks outstanding, so the stream of sources is never materialised. Results,
record format, resume and error semantics are those of a local run.

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
from .results import BatchResult, ResultOrderer, default_workers, extract_one

__all__ = ["iter_results_dask", "dask_client"]


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

    A task whose worker died repeatedly (Dask's ``KilledWorker``) or that
    failed inside Dask gets a failed result; it never stops the run.
    """
    distributed = require_extra("distributed", "dask", "--dask")
    if max_in_flight is None:
        try:
            threads = sum(client.nthreads().values())
        except Exception:
            threads = default_workers()
        max_in_flight = 4 * max(1, threads) + 4
    run_id = uuid.uuid4().hex[:12]
    orderer = ResultOrderer(ordered)
    tasks: dict[str, tuple[int, str]] = {}
    completed = distributed.as_completed()
    exhausted = False

    def fill() -> None:
        nonlocal exhausted
        while not exhausted and len(tasks) + orderer.held < max_in_flight:
            try:
                index, source = next(indexed)
            except StopIteration:
                exhausted = True
                return
            orderer.submit(index)
            future = client.submit(
                extract_one, index, source, options, key=f"palettekit-{run_id}-{index}", pure=False
            )
            tasks[future.key] = (index, source)
            completed.add(future)

    try:
        fill()
        while tasks:
            future = next(completed)
            index, source = tasks.pop(future.key)
            try:
                result = future.result()
            except Exception as exc:  # KilledWorker, a lost connection, ...
                result = _lost(index, source, exc)
            future.release()
            yield from orderer.done(result)
            fill()
    finally:
        for key in list(tasks):
            tasks.pop(key)
        completed.clear()


@contextmanager
def dask_client(address: str, *, workers: int | None = None) -> Iterator[Any]:
    """A Dask client for ``address``, or for a new LocalCluster if it is "local".

    The LocalCluster has ``workers`` (default: all cores) single-threaded
    worker processes and no dashboard; it is closed on exit.
    """
    distributed = require_extra("distributed", "dask", "--dask")
    if address == "local":
        cluster = distributed.LocalCluster(
            n_workers=workers or default_workers(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise BatchError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
    with client:
        yield client
