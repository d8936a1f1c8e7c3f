"""How batch worker processes start: warm from a fork server where there is one.

Shared by the local pool (:mod:`palettekit.batch.runner`) and a Dask
LocalCluster (:mod:`palettekit.batch.dask_runner`). A worker forked from
multiprocessing's fork server, a clean single-threaded process that has
imported palettekit once, is ready in milliseconds instead of the half second
of imports a fresh interpreter takes. The fork server lives as long as this
process and keeps the environment it was started with; a run that finds the
environment changed since (a new ``PYTHONPATH``, thread caps) starts its
workers with "spawn", so that workers always see the environment of the run.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "single_threaded_children",
    "sigint_blocked",
    "sigint_deferred",
    "warm_context",
    "WARM_MODULES",
    "THREAD_LIMIT_VARS",
]

# Environment variables that cap the threads of BLAS / OpenMP libraries.
THREAD_LIMIT_VARS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


@contextmanager
def single_threaded_children() -> Iterator[None]:
    """Set the BLAS/OpenMP thread caps to 1 for processes started inside.

    Variables already set by the user are left alone. The parent's own
    libraries, already loaded, are not affected; the previous environment is
    restored on exit.
    """
    saved = {name: os.environ.get(name) for name in THREAD_LIMIT_VARS}
    for name, value in saved.items():
        if value is None:
            os.environ[name] = "1"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)


@contextmanager
def main_module_hidden() -> Iterator[None]:
    """Start worker processes without re-running the caller's ``__main__``.

    "spawn" children normally import the parent's main script again (so a
    script without an ``if __name__ == "__main__"`` guard would run twice,
    and a script read from standard input cannot be imported at all). The
    workers need only palettekit, so while a pool starts processes the main
    module is swapped for an empty one.
    """
    import sys
    import types

    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread for the duration (POSIX; a no-op elsewhere).

    A worker process started meanwhile inherits the blocked signal, so a
    Ctrl-C (sent to the whole process group) cannot interrupt it while it
    starts, before ``_init_worker`` ignores SIGINT: it would print a
    KeyboardInterrupt traceback. The parent receives a pending SIGINT as soon
    as the block is lifted.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) that arrives during the block; raise KeyboardInterrupt after it.

    ``concurrent.futures`` takes locks that a KeyboardInterrupt landing between
    their acquire and release leaves held for good (``wait()`` acquires every
    future's lock in a loop before its ``with`` block starts); the pool's
    manager thread then blocks on such a lock while cancelling, and the
    interpreter waits for that thread at exit: the batch printed "interrupted"
    and never ended. The pool's calls therefore run inside this block, and the
    interrupt is raised where no lock is held. Only in the main thread under
    Python's default SIGINT handler; elsewhere the block changes nothing.
    """
    import threading

    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


# Modules the fork server imports once, so that every worker forked from it is warm;
# the last one runs a tiny extraction (see palettekit.batch.warmup).
WARM_MODULES = ["palettekit.pipeline", "palettekit.batch.runner", "palettekit.batch.warmup"]

_FORKSERVER_ENV: dict[str, str] | None = None  # os.environ when this module started it


def warm_context(preload: list[str] | None = None) -> Any:
    """The multiprocessing context for worker processes: "forkserver" when this
    platform has one and the environment is the one the fork server was started
    with, else "spawn".

    Call it inside :func:`single_threaded_children` (the thread caps are part of
    the environment the fork server keeps). The first call starts the fork
    server, preloading ``preload`` (default :data:`WARM_MODULES`).
    """
    import multiprocessing

    global _FORKSERVER_ENV
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    environ = dict(os.environ)
    if _FORKSERVER_ENV is None:
        from multiprocessing import forkserver

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(preload or WARM_MODULES))
        with main_module_hidden(), sigint_blocked():
            forkserver.ensure_running()
        _FORKSERVER_ENV = environ
        return context
    if environ == _FORKSERVER_ENV:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")
