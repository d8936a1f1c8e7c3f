"""palettekit.web.queue: a bounded thread pool; full is 503 at once, slow is 504."""

from __future__ import annotations

import asyncio
import threading

import pytest

from palettekit.errors import ApiError, FetchTimeoutError
from palettekit.web.queue import WorkQueue


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
