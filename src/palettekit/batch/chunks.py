"""How the sources of a batch are cut into chunks, one task each.

A thumbnail takes a few milliseconds, about what handing one task to a worker
process and its result back costs, and less than a Dask task costs its
scheduler; so the local pool (:mod:`palettekit.batch.runner`) and Dask
(:mod:`palettekit.batch.dask_runner`) hand sources out in chunks. Their sizes:

- grow: one source per worker first, so that a short batch is still shared
  by every worker and the first results come back at once, then twice as
  many each round, up to the cap (``max_chunk``: 8 on the local pool, 64 on
  Dask);
- shrink at the end: the planner reads up to ``lookahead`` sources ahead of
  the chunks it has handed out, and once it has seen the last source no
  chunk holds more than the sources left divided by twice the number of
  workers (guided scheduling), so that the workers finish together instead
  of one of them running a last full chunk alone.

The stream is read lazily, at most ``lookahead`` sources ahead; each source
taken into a chunk is announced to the run's
:class:`~palettekit.batch.results.ResultOrderer`, so results come back in
input order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

__all__ = ["ChunkPlanner", "MAX_CHUNK", "DASK_MAX_CHUNK", "MAX_LOOKAHEAD"]

MAX_CHUNK = 8
"""Sources per task, at most, on the local pool (:mod:`palettekit.batch.runner`)."""

DASK_MAX_CHUNK = 64
"""Sources per Dask task, at most: 64 thumbnails are a few tenths of a second of
work, against a few milliseconds of the parent's CPU for the task's round trips."""

MAX_LOOKAHEAD = 65536
"""Sources read ahead at most, however many workers (the names only: a few MB)."""


class ChunkPlanner:
    """Cuts a stream of ``(index, source)`` tasks into chunks, one task each.

    Parameters
    ----------
    indexed : iterator of (int, str)
        The tasks, consumed lazily.
    n_workers : int
        Workers (or Dask threads) sharing the chunks; values below 1 count as 1.
    max_chunk : int
        Sources per chunk at most (>= 1).
    orderer : ResultOrderer or None
        Told of every task taken into a chunk, in input order (None: nobody).
    lookahead : int, optional
        Sources read ahead at most (default ``4 * max_chunk * n_workers``,
        at most :data:`MAX_LOOKAHEAD`).
    """

    def __init__(
        self,
        indexed: Iterator[tuple[int, str]],
        n_workers: int,
        max_chunk: int,
        orderer: Any,
        *,
        lookahead: int | None = None,
    ) -> None:
        self._indexed = indexed
        self._workers = max(1, n_workers)
        self._max_chunk = max(1, max_chunk)
        self._orderer = orderer
        if lookahead is None:
            lookahead = min(4 * self._max_chunk * self._workers, MAX_LOOKAHEAD)
        self._lookahead = max(1, lookahead)
        self._buffer: deque[tuple[int, str]] = deque()
        self._ended = False  # the stream has given its last task
        self._chunks = 0  # chunks handed out so far

    def _read_ahead(self) -> None:
        while not self._ended and len(self._buffer) < self._lookahead:
            try:
                self._buffer.append(next(self._indexed))
            except StopIteration:
                self._ended = True

    @property
    def exhausted(self) -> bool:
        """True once every task of the stream has been handed out in a chunk."""
        self._read_ahead()
        return self._ended and not self._buffer

    def next_size(self) -> int:
        """The size of the next chunk, before ``room`` limits it (0 when exhausted)."""
        self._read_ahead()
        if self._ended and not self._buffer:
            return 0
        size = min(self._max_chunk, 1 << min(self._chunks // self._workers, 30))
        if self._ended:  # the end is in sight: guided sizes
            left = len(self._buffer)
            size = min(size, max(1, -(-left // (2 * self._workers))))
        return size

    def take(self, room: int) -> list[tuple[int, str]]:
        """The next chunk, of at most ``room`` tasks; empty when ``room`` < 1 or
        every task has been handed out."""
        size = min(self.next_size(), room)
        if size < 1:
            return []
        chunk = [self._buffer.popleft() for _ in range(min(size, len(self._buffer)))]
        if self._orderer is not None:
            for index, _ in chunk:
                self._orderer.submit(index)
        self._chunks += 1
        return chunk
