"""kernels.optional_kernel: one rule loads every optional compiled module."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from palettekit import cluster, colorspace, histogram, seeded
from palettekit.kernels import NO_KERNEL_VARIABLE, optional_kernel


def test_a_built_kernel_is_the_package_module() -> None:
    kernel = optional_kernel("_cluster")
    if kernel is None:
        pytest.skip("built without a C compiler")
    assert kernel.__name__ == "palettekit._cluster"
    assert hasattr(kernel, "srgb_to_oklab")


def test_a_missing_extension_means_numpy_alone() -> None:
    assert optional_kernel("_no_such_kernel") is None


def test_the_variable_turns_every_kernel_off(monkeypatch) -> None:
    monkeypatch.setenv(NO_KERNEL_VARIABLE, "1")
    assert optional_kernel("_cluster") is None
    assert optional_kernel("_histogram") is None
    assert optional_kernel("_random") is None


def test_an_empty_variable_leaves_the_kernels_on(monkeypatch) -> None:
    monkeypatch.setenv(NO_KERNEL_VARIABLE, "")
    assert optional_kernel("_cluster") is optional_kernel("_cluster")
    if optional_kernel("_cluster") is None:
        pytest.skip("built without a C compiler")
    assert optional_kernel("_cluster") is not None


def test_each_numeric_module_holds_the_kernel_it_uses() -> None:
    assert histogram._kernel is optional_kernel("_histogram")
    assert cluster._kernel is optional_kernel("_cluster")
    assert colorspace._kernel is optional_kernel("_cluster")
    assert seeded._kernel is optional_kernel("_random")


def test_set_before_import_no_module_loads_a_kernel() -> None:
    script = (
        "import json, palettekit, palettekit.seeded, sys;"
        "from palettekit import cluster, colorspace, histogram, seeded;"
        "print(json.dumps([m._kernel is None for m in (cluster, colorspace, histogram, seeded)]))"
    )
    env = {"PATH": "/usr/bin:/bin", NO_KERNEL_VARIABLE: "1"}
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == [True, True, True, True]
