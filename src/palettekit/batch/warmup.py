"""Warm a process up for extracting: importing this module runs :func:`warm_up` once.

The fork server of the batch workers (:mod:`palettekit.batch.processes`)
imports it last, so that every worker forked from the server starts with what
a process's first extraction loads lazily already loaded: Pillow's format
plugins, the color-name tables, the first-call paths of the pipeline. In a
fresh process that first extraction cost 60-120 ms more than the next ones (a
480x320 JPEG: 65-119 ms, then 11-18 ms), once per worker; the server now pays
it once for all of them.
"""

from __future__ import annotations

__all__ = ["warm_up"]


def warm_up() -> bool:
    """Extract the palette of a tiny JPEG made in memory, with the default options,
    and serialise it as a batch does. Returns False if that failed (it never raises:
    a worker then just starts cold)."""
    try:
        import io

        import numpy as np
        from PIL import Image

        from ..options import Options
        from ..pipeline import extract

        rng = np.random.default_rng(0)
        pixels = rng.integers(0, 256, size=(16, 16, 3), dtype=np.uint8)
        data = io.BytesIO()
        Image.fromarray(pixels).save(data, "JPEG")
        extract(data.getvalue(), options=Options(), warn=False).to_dict()
    except Exception:
        return False
    return True


warm_up()
