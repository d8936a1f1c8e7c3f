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


def test_a_ctrl_c_inside_sigint_deferred_is_raised_when_the_block_ends() -> None:
    import signal
    import threading

    import pytest

    reached_end_of_block = False
    with pytest.raises(KeyboardInterrupt):
        with processes.sigint_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs at the next bytecode check: held, not raised
                pass
            reached_end_of_block = True
    assert reached_end_of_block
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    with processes.sigint_deferred():  # no signal: nothing raised, the handler restored
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    errors: list[BaseException] = []

    def off_main_thread() -> None:  # signal.signal is main-thread only: a plain block there
        try:
            with processes.sigint_deferred():
                pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=off_main_thread)
    thread.start()
    thread.join()
    assert errors == []


def test_an_exception_in_sigint_deferred_propagates_and_restores_the_handler() -> None:
    import signal

    import pytest

    with pytest.raises(ValueError):
        with processes.sigint_deferred():
            raise ValueError("inside")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
