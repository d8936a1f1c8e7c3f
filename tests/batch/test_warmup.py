"""palettekit.batch.warmup: a tiny extraction that loads what a first one loads lazily."""

from __future__ import annotations

import subprocess
import sys

from batch_helpers import child_env
from palettekit.batch import processes, warmup
from palettekit.batch.dask_runner import _LOCAL_PRELOAD


def test_warm_up_extracts_and_never_raises(monkeypatch) -> None:
    assert warmup.warm_up() is True

    def broken(*args, **kwargs):
        raise RuntimeError("no decoder")

    monkeypatch.setattr("palettekit.pipeline.extract", broken)
    assert warmup.warm_up() is False


def test_the_fork_servers_import_it_last() -> None:
    assert processes.WARM_MODULES[-1] == "palettekit.batch.warmup"
    assert _LOCAL_PRELOAD[-1] == "palettekit.batch.warmup"


def test_importing_it_loads_the_lazy_parts_of_a_first_extraction() -> None:
    code = (
        "import sys\n"
        "import palettekit.pipeline\n"
        "before = set(sys.modules)\n"
        "import palettekit.batch.warmup\n"
        "print(sorted(m for m in set(sys.modules) - before if m.startswith('PIL.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=child_env(), capture_output=True, text=True, check=True
    ).stdout
    assert "PIL.JpegImagePlugin" in out
