"""palettekit.seeded: numpy's ``default_rng(seed).random(size)`` stream, compiled.

The compiled stream must give numpy's draws bit for bit (the palettes depend
on every draw), for every seed an option allows and beyond, every shape, and
across successive calls on one generator.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from palettekit import seeded

needs_kernel = pytest.mark.skipif(seeded._kernel is None, reason="built without _random.c")

SEEDS = [
    0,
    1,
    2,
    7,
    42,
    12345,
    2**31 - 1,
    2**31,
    2**32 - 1,
    2**32,
    2**32 + 1,
    2**53 + 3,
    2**63 - 1,  # the largest seed Options accepts
    2**63,
    2**64 - 1,
    2**64,
    2**96 + 2**64 + 5,  # four words: the whole pool from the seed
    2**128 + 99,  # five words: entropy beyond the pool
    3**200,
]


@needs_kernel
@pytest.mark.parametrize("seed", SEEDS)
def test_stream_is_numpys_bit_for_bit(seed):
    ours = seeded.PCG64Stream(seed)
    theirs = np.random.default_rng(seed)
    for size in [1, 5, (3, 4), 0, 257, (2, 0), (2, 3, 4), 1, 1000]:
        got, want = ours.random(size), theirs.random(size)
        assert got.dtype == want.dtype == np.float64
        assert got.shape == want.shape
        assert got.tobytes() == want.tobytes(), (seed, size)


@needs_kernel
def test_many_small_seeds_and_numpy_integer_seeds():
    for seed in range(300):
        want = np.random.default_rng(seed).random(8)
        assert seeded.PCG64Stream(seed).random(8).tobytes() == want.tobytes(), seed
    for seed in (np.int64(5), np.uint64(2**64 - 1), np.uint32(9)):
        want = np.random.default_rng(seed).random(4)
        assert seeded.PCG64Stream(seed).random(4).tobytes() == want.tobytes()


@needs_kernel
def test_one_long_draw_equals_many_short_ones():
    whole = seeded.PCG64Stream(3).random(100)
    pieces = seeded.PCG64Stream(3)
    parts = np.concatenate([pieces.random(n) for n in (1, 10, 0, 39, 50)])
    assert parts.tobytes() == whole.tobytes()
    assert ((whole >= 0.0) & (whole < 1.0)).all()
    assert len(np.unique(whole)) == 100


@needs_kernel
def test_generators_of_one_seed_are_independent_of_each_other():
    a, b = seeded.PCG64Stream(11), seeded.PCG64Stream(11)
    first = a.random(5)
    assert b.random(5).tobytes() == first.tobytes()
    assert a.random(5).tobytes() != first.tobytes()


@needs_kernel
def test_bad_seeds_are_refused_as_numpy_refuses_them():
    with pytest.raises(ValueError, match="non-negative"):
        seeded.PCG64Stream(-1)
    with pytest.raises(ValueError):
        np.random.default_rng(-1)
    with pytest.raises(TypeError):
        seeded.PCG64Stream(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        seeded.PCG64Stream("3")  # type: ignore[arg-type]


@needs_kernel
def test_negative_size_is_refused():
    with pytest.raises(ValueError):
        seeded.PCG64Stream(0).random(-1)


@needs_kernel
def test_compiled_functions_check_their_buffers():
    kernel = seeded._kernel
    state = bytearray(32)
    with pytest.raises(ValueError, match="uint32 words"):
        kernel.seed(b"", state)
    with pytest.raises(ValueError, match="uint32 words"):
        kernel.seed(b"\x00\x00\x00", state)
    with pytest.raises(ValueError, match="32 bytes"):
        kernel.seed(b"\x00" * 4, bytearray(31))
    with pytest.raises(BufferError):
        kernel.seed(b"\x00" * 4, bytes(32))  # read-only state
    kernel.seed(b"\x00" * 4, state)
    with pytest.raises(ValueError, match="float64"):
        kernel.fill(state, bytearray(12))
    with pytest.raises(BufferError):
        kernel.fill(state, np.zeros(4).tobytes())  # read-only output
    with pytest.raises((ValueError, BufferError)):
        kernel.fill(state, np.zeros(8)[::2])  # not contiguous
    out = np.zeros(3)
    kernel.fill(state, out)
    assert out.tobytes() == np.random.default_rng(0).random(3).tobytes()


def test_default_rng_gives_numpys_draws_with_or_without_the_kernel(monkeypatch):
    want = np.random.default_rng(5).random((4, 3))
    assert seeded.default_rng(5).random((4, 3)).tobytes() == want.tobytes()
    monkeypatch.setattr(seeded, "_kernel", None)
    fallback = seeded.default_rng(5)
    assert isinstance(fallback, np.random.Generator)
    assert fallback.random((4, 3)).tobytes() == want.tobytes()
    with pytest.raises(RuntimeError, match="not available"):
        seeded.PCG64Stream(5)


def test_no_kernel_environment_uses_numpy_random():
    code = (
        "import sys\n"
        "from palettekit import seeded\n"
        "assert seeded._kernel is None\n"
        "rng = seeded.default_rng(3)\n"
        "print(type(rng).__module__, rng.random(2).tobytes().hex())\n"
    )
    env = {**os.environ, "PALETTEKIT_NO_KERNEL": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    module, draws = done.stdout.split()
    assert module.startswith("numpy.random")
    assert draws == np.random.default_rng(3).random(2).tobytes().hex()


@needs_kernel
def test_the_compiled_stream_does_not_import_numpy_random():
    code = (
        "import sys\n"
        "from palettekit import seeded\n"
        "seeded.default_rng(0).random((8, 3))\n"
        "print(sorted(m for m in sys.modules if m.startswith('numpy.random')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
