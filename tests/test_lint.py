"""The code base stays clean: ruff (lint and format) and mypy on src/."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"


def _require(found: bool, tool: str) -> None:
    """Skip when ``tool`` is missing locally; in CI a missing tool fails the suite."""
    if found:
        return
    if IN_CI:
        pytest.fail(f"{tool} is not installed; CI must run it (pip install -e '.[test]')")
    pytest.skip(f"{tool} is not installed")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _ruff() -> str:
    """The ruff beside this Python (a virtual environment's) or else on PATH; "" if none."""
    beside = Path(sys.executable).with_name("ruff")
    if beside.is_file():
        return str(beside)
    found = shutil.which("ruff")
    _require(found is not None, "ruff")
    return found or ""


def test_ruff_check_passes():
    result = _run(_ruff(), "check", "src", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied():
    result = _run(_ruff(), "format", "--check", "src", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_passes_on_src():
    _require(importlib.util.find_spec("mypy") is not None, "mypy")
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_missing_tool_fails_under_ci_and_skips_only_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="ruff is not installed; CI must run it"):
        _require(False, "ruff")
    monkeypatch.setattr(sys.modules[__name__], "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="mypy is not installed"):
        _require(False, "mypy")
    _require(True, "mypy")  # a tool that is there neither fails nor skips
