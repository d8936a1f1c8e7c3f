"""palettekit.batch.dask_runner.dask_client("local"): a LocalCluster started warm (alone in
its module: a second cluster beside test_dask_runner.py's would fight for Dask's HTTP port)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from batch_helpers import write_images
from palettekit.batch import iter_results
from palettekit.batch.dask_runner import LOCAL_CLUSTER_CONFIG, dask_client
from palettekit.options import Options

pytestmark = pytest.mark.dask
pytest.importorskip("distributed")

FAST = Options(k=3, n_init=2)


def test_a_local_cluster_starts_warm_workers_without_dask_malloc_trim(tmp_path: Path) -> None:
    user_setting = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    paths = write_images(tmp_path, 4)
    with dask_client("local", workers=1) as local:
        seen = local.run(
            lambda: (
                os.environ.get("MALLOC_TRIM_THRESHOLD_"),
                os.environ.get("OPENBLAS_NUM_THREADS"),
                __import__("dask").config.get("distributed.worker.profile.enabled"),
                {k: __import__("dask").config.get(k) for k in LOCAL_CLUSTER_CONFIG},
            )
        )
        stealing = "stealing" in local.cluster.scheduler.extensions
        results = list(iter_results(paths, FAST, client=local))
    # Dask's 64 kB trim threshold makes every large array a fresh mmap (1.5x slower)
    assert [s[0] for s in seen.values()] == [user_setting]
    assert all(s[1] is not None for s in seen.values())
    assert [s[2] for s in seen.values()] == [False]
    # Dask's timers slowed down in the workers, and no work stealing in the scheduler
    assert [s[3] for s in seen.values()] == [LOCAL_CLUSTER_CONFIG]
    assert not stealing
    local_run = list(iter_results(paths, FAST, workers=0))
    assert [dataclasses.replace(r, seconds=0.0) for r in results] == [
        dataclasses.replace(r, seconds=0.0) for r in local_run
    ]


def test_a_local_cluster_starts_while_port_8787_is_taken(tmp_path: Path) -> None:
    """Another run's (or a dashboard's) port 8787 made Dask warn, so the cluster failed to
    start under warnings-as-errors; the scheduler's HTTP routes now take a free port."""
    import socket

    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:
        pass  # already taken by someone else: the same test
    try:
        paths = write_images(tmp_path, 2)
        with dask_client("local", workers=1) as local:
            http = local.cluster.scheduler.http_server.port
            results = list(iter_results(paths, FAST, client=local))
        assert http not in (0, 8787)
        assert [r.ok for r in results] == [True, True]
    finally:
        holder.close()
