"""The same batch on a Dask LocalCluster with two worker processes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from batch_helpers import write_images
from palettekit.batch import iter_results, read_records, write_results
from palettekit.batch.chunks import MAX_CHUNK
from palettekit.batch.dask_runner import LOCAL_SCHEDULER_KWARGS, extract_chunk
from palettekit.batch.results import extract_one
from palettekit.options import Options

pytestmark = pytest.mark.dask
distributed = pytest.importorskip("distributed")

FAST = Options(k=3, n_init=2)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs=LOCAL_SCHEDULER_KWARGS,  # not port 8787, which another run may hold
    )
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


def test_dask_results_equal_the_local_run(client, tmp_path: Path) -> None:
    paths = write_images(tmp_path, 8)
    sources = paths[:3] + [str(tmp_path / "missing.png")] + paths[3:]
    on_cluster = list(iter_results(sources, FAST, client=client, max_in_flight=3))
    local = list(iter_results(sources, FAST, workers=2))
    strip = lambda rs: [dataclasses.replace(r, seconds=0.0) for r in rs]  # noqa: E731
    assert [r.index for r in on_cluster] == list(range(len(sources)))
    assert strip(on_cluster) == strip(local)
    assert on_cluster[3].error_type == "ImageNotFoundError"


def test_dask_results_file_resumes_like_a_local_one(client, tmp_path: Path) -> None:
    paths = write_images(tmp_path, 6)
    out = tmp_path / "r.jsonl"
    write_results(paths[:2], out, FAST, workers=0)
    summary = write_results(paths, out, FAST, client=client, resume=True)
    assert (summary.resumed_ok, summary.ok, summary.exit_code) == (2, 4, 0)
    records = sorted(read_records(out), key=lambda r: r["index"])
    local = tmp_path / "local.jsonl"
    write_results(paths, local, FAST, workers=0)
    expected = sorted(read_records(local), key=lambda r: r["index"])
    strip = lambda r: {k: v for k, v in r.items() if k != "seconds"}  # noqa: E731
    assert [strip(r) for r in records] == [strip(r) for r in expected]


def test_dask_chunks_give_every_source_once_in_order(client, tmp_path: Path) -> None:
    paths = write_images(tmp_path, 10)
    sources = [paths[i % 10] for i in range(2 * MAX_CHUNK * 2 + 3)]
    on_cluster = list(iter_results(sources, FAST, client=client))
    assert [r.index for r in on_cluster] == list(range(len(sources)))
    local = list(iter_results(sources, FAST, workers=0))
    strip = lambda rs: [dataclasses.replace(r, seconds=0.0) for r in rs]  # noqa: E731
    assert strip(on_cluster) == strip(local)
    unordered = list(iter_results(sources, FAST, client=client, ordered=False, max_in_flight=7))
    assert sorted(r.index for r in unordered) == list(range(len(sources)))


def test_extract_chunk_is_extract_one_for_each_source(tmp_path: Path) -> None:
    paths = write_images(tmp_path, 3)
    tasks = [(5, paths[0]), (9, str(tmp_path / "missing.png")), (11, paths[2])]
    results = extract_chunk(tasks, FAST)
    strip = lambda rs: [dataclasses.replace(r, seconds=0.0) for r in rs]  # noqa: E731
    assert strip(results) == strip([extract_one(i, s, FAST) for i, s in tasks])
