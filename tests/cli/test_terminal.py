"""palettekit.cli.terminal: what the command writes to a terminal: colors (--color,
NO_COLOR, FORCE_COLOR, a TTY or not) and the table of swatches."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

import pytest

import palettekit
from cli_helpers import (
    ANSI_BACKGROUND,
    BLUE,
    GREEN,
    RED,
    child_env,
    hex_of,
    run,
    run_module,
)
from palettekit import cli


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("mode", "tty", "env", "expected"),
    [
        ("auto", True, {}, True),
        ("auto", False, {}, False),
        ("auto", True, {"NO_COLOR": "1"}, False),
        ("auto", True, {"NO_COLOR": ""}, True),  # empty NO_COLOR is no NO_COLOR
        ("auto", False, {"FORCE_COLOR": "1"}, True),
        ("auto", False, {"FORCE_COLOR": "0"}, False),
        ("auto", True, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        ("auto", True, {"TERM": "dumb"}, False),
        ("always", False, {"NO_COLOR": "1"}, True),
        ("never", True, {"FORCE_COLOR": "1"}, False),
    ],
)
def test_use_color(mode, tty, env, expected):
    assert cli.use_color(mode, _Stream(tty), env) is expected


def test_colored_text_shows_a_truecolor_swatch_per_color(image, capsys):
    code, out, _ = run(["extract", image, "-k", "3", "--color", "always"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert "stripes.png: 3 colors (k=3), 10x10 px" in lines[0]
    assert [tuple(map(int, m)) for m in ANSI_BACKGROUND.findall(out)] == [RED, GREEN, BLUE]
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line).split() for line in lines[1:]]
    names = [s.name for s in palettekit.extract(str(image), k=3)]
    assert plain == [
        [hex_of(RED), "50.0%", names[0]],
        [hex_of(GREEN), "30.0%", names[1]],
        [hex_of(BLUE), "20.0%", names[2]],
    ]


def test_module_run_pipe_is_plain_and_force_color_colors_it(image):
    done = run_module(str(image), "-k", "3")
    assert done.returncode == 0 and done.stderr == b""
    assert b"\x1b" not in done.stdout and hex_of(RED).encode() in done.stdout
    done = run_module(str(image), "-k", "3", env=child_env(FORCE_COLOR="1"))
    assert len(ANSI_BACKGROUND.findall(done.stdout.decode())) == 3


def _run_on_terminal(argv: list[str], env: dict[str, str]) -> str:
    """Run with stdout on a pseudo-terminal; return what it printed there."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(argv, stdout=terminal, stderr=subprocess.DEVNULL, env=env)
    finally:
        os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=120) == 0
    return b"".join(chunks).decode()


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_terminal_gets_color_unless_no_color(image):
    argv = [sys.executable, "-m", "palettekit", str(image), "-k", "3"]
    shown = _run_on_terminal(argv, child_env(TERM="xterm-256color"))
    assert len(ANSI_BACKGROUND.findall(shown)) == 3
    shown = _run_on_terminal(argv, child_env(TERM="xterm-256color", NO_COLOR="1"))
    assert "\x1b" not in shown and hex_of(RED) in shown
