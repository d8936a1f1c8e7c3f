"""palettekit.batch.processes: warm worker processes, and the environment they start with."""

from __future__ import annotations

import multiprocessing
import os

from palettekit.batch import processes


def test_workers_fork_from_a_warm_server_unless_the_environment_changed(monkeypatch) -> None:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        assert processes.warm_context().get_start_method() == "spawn"
        return
    with processes.single_threaded_children():
        first = processes.warm_context().get_start_method()
        again = processes.warm_context().get_start_method()
        monkeypatch.setenv("PALETTEKIT_TEST_NEW_VARIABLE", "1")
        changed = processes.warm_context().get_start_method()
    # started here, or by an earlier test with another environment
    assert first == again and first in ("forkserver", "spawn")
    assert changed == "spawn"


def test_children_get_thread_caps_and_the_environment_is_restored(monkeypatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    with processes.single_threaded_children():
        assert os.environ["OMP_NUM_THREADS"] == "1"
        assert os.environ["MKL_NUM_THREADS"] == "3"  # the user's own setting is kept
    assert "OMP_NUM_THREADS" not in os.environ
    assert os.environ["MKL_NUM_THREADS"] == "3"
