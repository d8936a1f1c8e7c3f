"""Type stub of the optional compiled stream (see _random.c)."""

from typing import Any

def seed(entropy: Any, state: Any, /) -> None:
    """PCG64 seeded as numpy's default_rng from the seed's uint32 words (see _random.c)."""

def fill(state: Any, out: Any, /) -> None:
    """The next len(out) doubles of Generator.random(), advancing state (see _random.c)."""
