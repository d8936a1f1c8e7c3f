"""palettekit.web.queue: bounded pools of threads and of killable worker processes."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from palettekit.errors import ApiError, FetchTimeoutError
from palettekit.web.queue import WorkerPool, WorkQueue


@pytest.fixture
def make_queue():
    queues: list[WorkQueue] = []

    def make(workers: int = 1, queue_size: int = 0, name: str = "test") -> WorkQueue:
        queue = WorkQueue(name, workers, queue_size)
        queues.append(queue)
        return queue

    yield make
    for queue in queues:
        queue.shutdown()


def test_a_job_runs_on_a_named_worker_thread_not_the_event_loop(make_queue):
    queue = make_queue(name="cluster")

    async def scenario():
        loop_thread = threading.current_thread().name
        worker_thread = await queue.run(lambda: threading.current_thread().name, timeout=5)
        return loop_thread, worker_thread

    loop_thread, worker_thread = asyncio.run(scenario())
    assert worker_thread != loop_thread
    assert worker_thread.startswith("palettekit-cluster")


def test_arguments_and_results_pass_through(make_queue):
    queue = make_queue()
    assert asyncio.run(queue.run(pow, 2, 10, timeout=5)) == 1024
    assert queue.in_progress == 0


def test_a_full_queue_refuses_at_once_with_503_and_retry_after(make_queue):
    queue = make_queue(workers=1, queue_size=1, name="decode")
    release = threading.Event()

    async def scenario():
        running = asyncio.ensure_future(queue.run(release.wait, 10, timeout=10))
        waiting = asyncio.ensure_future(queue.run(release.wait, 10, timeout=10))
        await asyncio.sleep(0.05)
        assert queue.in_progress == 2 == queue.capacity
        with pytest.raises(ApiError) as info:
            await queue.run(lambda: None, timeout=10)
        release.set()
        await running, await waiting
        return info.value

    error = asyncio.run(scenario())
    assert (error.status, error.type) == (503, "busy")
    assert error.message == "the server is busy (2 decode jobs in progress); try again shortly"
    assert error.headers == {"Retry-After": "1"}
    assert queue.in_progress == 0


def test_a_slow_job_is_504_and_keeps_its_slot_until_it_ends(make_queue):
    queue = make_queue(workers=1, queue_size=0)
    release = threading.Event()

    async def scenario():
        with pytest.raises(ApiError) as slow:
            await queue.run(release.wait, 10, timeout=0.05)
        assert queue.in_progress == 1  # its thread cannot be stopped: the slot stays taken
        with pytest.raises(ApiError) as busy:
            await queue.run(lambda: None, timeout=1)
        release.set()
        for _ in range(200):
            if queue.in_progress == 0:
                break
            await asyncio.sleep(0.01)
        return slow.value, busy.value, await queue.run(lambda: "free again", timeout=5)

    slow, busy, after = asyncio.run(scenario())
    assert (slow.status, slow.type, slow.message) == (
        504,
        "timeout",
        "the request took longer than 0.05 s",
    )
    assert busy.status == 503
    assert after == "free again"


def test_a_jobs_own_errors_reach_the_caller_as_they_are(make_queue):
    queue = make_queue()

    def times_out():
        raise FetchTimeoutError("https://example.com/a.png: no answer within 2 s")

    def fails():
        raise ValueError("bad pixels")

    with pytest.raises(FetchTimeoutError, match="no answer within 2 s"):
        asyncio.run(queue.run(times_out, timeout=5))
    with pytest.raises(ValueError, match="bad pixels"):
        asyncio.run(queue.run(fails, timeout=5))
    assert queue.in_progress == 0


def test_after_shutdown_no_job_is_taken(make_queue):
    queue = make_queue()
    queue.shutdown()
    with pytest.raises(RuntimeError):
        asyncio.run(queue.run(lambda: None, timeout=1))
    assert queue.in_progress == 0  # the refused job gave its slot back


# --------------------------------------------------------------------------- WorkerPool


def grow_and_keep(megabytes: int) -> int:
    """A job that leaves ``megabytes`` allocated in its worker (run in the worker process)."""
    kept = globals().setdefault("_kept", [])
    block = bytearray(megabytes * 1024 * 1024)
    block[::4096] = b"\x01" * len(block[::4096])  # touched, so resident
    kept.append(block)
    return len(kept)


def raise_timeout(message: str) -> None:
    raise FetchTimeoutError(message)


@pytest.fixture
def make_pool():
    pools: list[WorkerPool] = []

    def make(workers: int = 1, queue_size: int = 0, **kwargs) -> WorkerPool:
        pool = WorkerPool("test", workers, queue_size, **kwargs)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.shutdown()


def test_a_pool_job_runs_in_another_process(make_pool):
    import os

    pool = make_pool()
    assert asyncio.run(pool.run(pow, 2, 10, timeout=30)) == 1024
    assert asyncio.run(pool.run(os.getpid, timeout=30)) in pool.pids
    assert os.getpid() not in pool.pids
    assert (pool.in_progress, pool.jobs_started) == (0, 2)


def test_a_job_past_its_deadline_is_killed_and_its_worker_replaced_at_once(make_pool):
    """A thread cannot be stopped: a 504 used to leave the work running for as long as it
    took (18 s for a JPEG of fill bytes). A process is killed at the deadline."""
    import os

    pool = make_pool(workers=1)
    first = asyncio.run(pool.run(os.getpid, timeout=30))

    async def scenario():
        started = time.monotonic()
        with pytest.raises(ApiError) as timed_out:
            await pool.run(time.sleep, 60, timeout=0.5)
        assert (timed_out.value.status, timed_out.value.type) == (504, "timeout")
        late = time.monotonic() - started - 0.5
        assert pool.in_progress == 0  # the slot is free as soon as the caller hears
        begun = time.monotonic()
        pid = await pool.run(os.getpid, timeout=30)
        return late, time.monotonic() - begun, pid

    late, next_job, pid = asyncio.run(scenario())
    assert late < 1.0
    assert next_job < 5.0  # a fresh worker, not the killed one's 60 s
    assert pid != first and pool.pids == [pid]
    assert pool.killed == 1


def test_a_job_over_the_memory_limit_fails_with_memory_error(make_pool):
    pool = make_pool(memory_limit=256 * 1024 * 1024)
    with pytest.raises(MemoryError) as info:
        asyncio.run(pool.run(bytearray, 1024 * 1024 * 1024, timeout=30))
    assert "Traceback" in str(info.value.__cause__)  # the worker's traceback comes along
    assert asyncio.run(pool.run(pow, 3, 3, timeout=30)) == 27


def test_a_worker_that_grew_is_replaced_after_its_job(make_pool):
    import os

    pool = make_pool(recycle_bytes=50 * 1024 * 1024)
    first = asyncio.run(pool.run(os.getpid, timeout=30))
    assert asyncio.run(pool.run(grow_and_keep, 10, timeout=30)) == 1  # small: kept
    assert asyncio.run(pool.run(os.getpid, timeout=30)) == first
    asyncio.run(pool.run(grow_and_keep, 100, timeout=30))  # large: a fresh worker after
    assert asyncio.run(pool.run(os.getpid, timeout=30)) != first


def test_a_full_pool_refuses_at_once_and_errors_come_back_as_raised(make_pool):
    pool = make_pool(workers=1, queue_size=0)

    async def scenario():
        running = asyncio.ensure_future(pool.run(time.sleep, 1, timeout=30))
        while pool.in_progress == 0:
            await asyncio.sleep(0.01)
        with pytest.raises(ApiError) as busy:
            await pool.run(pow, 2, 2, timeout=30)
        await running
        return busy.value

    busy = asyncio.run(scenario())
    assert (busy.status, busy.type) == (503, "busy")
    with pytest.raises(FetchTimeoutError, match="no answer"):  # a picklable error, as raised
        asyncio.run(pool.run(raise_timeout, "no answer", timeout=30))
    with pytest.raises(ZeroDivisionError):
        asyncio.run(pool.run(divmod, 1, 0, timeout=30))
    assert pool.in_progress == 0


def test_after_shutdown_the_pool_takes_no_job_and_its_workers_are_gone(make_pool):
    pool = make_pool()
    asyncio.run(pool.run(pow, 2, 2, timeout=30))
    processes = list(pool._workers)
    pool.shutdown()
    with pytest.raises(RuntimeError):
        asyncio.run(pool.run(pow, 2, 2, timeout=1))
    assert all(not worker.process.is_alive() for worker in processes)
