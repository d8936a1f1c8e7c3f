"""Fixtures of the command line's tests: images of known colors, no color settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import BLUE, stripes_image


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs see no color settings of the machine running the tests."""
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "stripes.png"
    stripes_image().save(path)
    return path


@pytest.fixture
def second_image(tmp_path: Path) -> Path:
    path = tmp_path / "other.png"
    stripes_image(((BLUE, 6), ((250, 250, 250), 4))).save(path)
    return path
