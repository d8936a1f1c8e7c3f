"""Helpers shared by the command line's tests (tests/cli/): a small image of known
colors, running ``main`` in this process or ``python -m palettekit`` in another."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from palettekit import cli

SRC = Path(__file__).resolve().parents[2] / "src"


ANSI_BACKGROUND = re.compile(r"\x1b\[48;2;(\d+);(\d+);(\d+)m")


# Three exact colors in known proportions: 50%, 30%, 20% of a 10x10 image.
RED, GREEN, BLUE = (220, 30, 40), (40, 180, 60), (30, 60, 200)


STRIPES = ((RED, 5), (GREEN, 3), (BLUE, 2))


def stripes_image(stripes=STRIPES, height: int = 10) -> Image.Image:
    columns = [np.tile(np.array(color, np.uint8), (height, width, 1)) for color, width in stripes]
    return Image.fromarray(np.concatenate(columns, axis=1))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_error_line(err: str, *parts: str) -> None:
    assert err.startswith("palettekit: error: "), err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    for part in parts:
        assert part in err, err


def hex_of(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def child_env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    for name in ("NO_COLOR", "FORCE_COLOR"):
        env.pop(name, None)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_module(
    *args: str, env: dict[str, str] | None = None, **kwargs: object
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "palettekit", *args],
        capture_output=True,
        env=env or child_env(),
        timeout=120,
        **kwargs,  # type: ignore[arg-type]
    )
