"""palettekit.batch.chunks: chunks that double up to the cap and shrink at the end."""

from __future__ import annotations

import itertools
import math

from palettekit.batch.chunks import MAX_LOOKAHEAD, ChunkPlanner
from palettekit.batch.results import ResultOrderer


def _tasks(count: int) -> list[tuple[int, str]]:
    return [(i, f"s{i}.jpg") for i in range(count)]


def _all_chunks(planner: ChunkPlanner, room: int = 10**9) -> list[list[tuple[int, str]]]:
    chunks = []
    while not planner.exhausted:
        chunk = planner.take(room)
        assert chunk, "take() gave nothing before the planner was exhausted"
        chunks.append(chunk)
    assert planner.take(room) == []
    return chunks


def test_sizes_start_at_one_per_worker_and_double_up_to_the_cap() -> None:
    planner = ChunkPlanner(iter(_tasks(10_000)), 2, 8, ResultOrderer(True))
    sizes = [len(planner.take(100)) for _ in range(12)]
    assert sizes == [1, 1, 2, 2, 4, 4, 8, 8, 8, 8, 8, 8]
    one = ChunkPlanner(iter(_tasks(100)), 0, 64, ResultOrderer(True))  # 0 workers count as 1
    assert [len(one.take(100)) for _ in range(4)] == [1, 2, 4, 8]


def test_every_task_once_in_input_order_and_announced_to_the_orderer() -> None:
    orderer = ResultOrderer(True)
    tasks = _tasks(1000)
    planner = ChunkPlanner(iter(tasks), 3, 16, orderer)
    chunks = _all_chunks(planner)
    assert [task for chunk in chunks for task in chunk] == tasks
    assert list(orderer.submitted) == list(range(1000))


def test_the_last_chunks_shrink_so_the_workers_finish_together() -> None:
    workers, cap = 2, 64
    tasks = _tasks(1000)
    chunks = _all_chunks(ChunkPlanner(iter(tasks), workers, cap, ResultOrderer(False)))
    sizes = [len(c) for c in chunks]
    handed = 0
    for size in sizes:
        left = len(tasks) - handed
        if left <= ChunkPlanner(iter(()), workers, cap, None)._lookahead:
            # the end was in sight: never more than the rest over twice the workers
            assert size <= max(1, math.ceil(left / (2 * workers)))
        handed += size
    assert max(sizes) == cap
    assert sizes[-4:] == [1, 1, 1, 1]  # the tail is one source at a time
    # the ramp: 1, 1, 2, 2, 4, 4, ... before any full chunk
    assert sizes[:6] == [1, 1, 2, 2, 4, 4]


def test_a_short_batch_is_shared_between_the_workers() -> None:
    for count in range(1, 12):
        sizes = [len(c) for c in _all_chunks(ChunkPlanner(iter(_tasks(count)), 2, 8, None))]
        assert sum(sizes) == count
        assert len(sizes) >= min(count, 2)  # never one chunk holding everything
        assert max(sizes) <= max(1, math.ceil(count / 4))


def test_room_limits_a_chunk_and_no_room_takes_nothing() -> None:
    planner = ChunkPlanner(iter(_tasks(500)), 1, 8, ResultOrderer(True))
    for _ in range(5):
        planner.take(100)  # 1, 2, 4, 8, 8: past the ramp
    assert planner.next_size() == 8
    assert planner.take(3) == [(23, "s23.jpg"), (24, "s24.jpg"), (25, "s25.jpg")]
    assert planner.take(0) == []
    assert planner.take(-1) == []
    assert planner.take(1) == [(26, "s26.jpg")]


def test_the_stream_is_read_at_most_lookahead_sources_ahead() -> None:
    consumed = itertools.count()

    def stream():
        for i in itertools.count():
            next(consumed)
            yield i, f"s{i}"

    planner = ChunkPlanner(stream(), 2, 8, None, lookahead=20)
    assert planner.take(100) == [(0, "s0")]
    assert next(consumed) == 20  # 20 read (the one handed out among them), no more
    default = ChunkPlanner(iter(()), 10**6, 64, None)
    assert default._lookahead == MAX_LOOKAHEAD
    assert default.exhausted and default.next_size() == 0
