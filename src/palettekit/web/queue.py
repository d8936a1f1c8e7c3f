"""A bounded thread pool for the web app's work: full means 503 at once, slow means 504.

The event loop never runs the work itself.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ..errors import ApiError

__all__ = ["WorkQueue"]


T = TypeVar("T")


class WorkQueue:
    """A thread pool with a bounded number of jobs in progress.

    At most ``workers`` jobs run and ``queue_size`` wait; :meth:`run` refuses
    a job beyond that with 503 at once instead of queueing it. A job that does
    not finish within its timeout is answered 504; its thread cannot be
    stopped, so it keeps its slot until it ends, which keeps the bound honest
    under a flood of slow jobs.
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
            raise ApiError(
                503,
                "busy",
                f"the server is busy ({self.capacity} {self.name} jobs in progress); "
                "try again shortly",
                headers={"Retry-After": "1"},
            )
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
            raise ApiError(504, "timeout", f"the request took longer than {timeout:g} s")
        return waiting.result()

    def shutdown(self) -> None:
        """Stop taking jobs; drop the waiting ones, let the running ones end."""
        self._executor.shutdown(wait=False, cancel_futures=True)
