"""palettekit.cli.terminal: what the command writes for a person: colors (--color,
NO_COLOR, FORCE_COLOR, a TTY or not), the table of swatches and its summary line,
one-line errors, warnings and timings, text and bytes on standard output."""

from __future__ import annotations

import io
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
from output_samples import sample_palette, swatch
from palettekit import Palette
from palettekit.cli import terminal
from palettekit.cli.exit_status import CliError


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
    assert terminal.use_color(mode, _Stream(tty), env) is expected


def test_use_color_reads_standard_output_and_the_environment_by_default(monkeypatch):
    monkeypatch.setattr(sys, "stdout", _Stream(True))
    assert terminal.use_color() is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert terminal.use_color() is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setattr(sys, "stdout", _Stream(False))
    assert terminal.use_color() is False


def test_isatty_is_false_for_closed_streams_and_objects_without_it(tmp_path):
    with open(tmp_path / "f", "w") as closed:
        pass
    assert terminal.isatty(closed) is False  # isatty() on a closed file raises ValueError
    assert terminal.isatty(object()) is False
    assert terminal.isatty(_Stream(True)) is True


def test_messages_are_one_line_each_on_standard_error(capsys):
    terminal.print_error("photo.png: not an image\n  (truncated)")
    terminal.print_warning("photo.png: only 2 distinct colors\r\n(asked for k=5)")
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "palettekit: error: photo.png: not an image (truncated)",
        "palettekit: warning: photo.png: only 2 distinct colors (asked for k=5)",
    ]


def test_timings_are_one_line_with_a_total(capsys):
    palette = sample_palette(timings={"load": 1.25, "cluster": 10.0})
    terminal.print_timings(palette)
    assert capsys.readouterr().err == (
        "palettekit: timings: photos/café terrace.jpg: load 1.2 ms, cluster 10.0 ms, "
        "total 11.2 ms\n"
    )


def test_summary_line_says_what_was_counted():
    palette = sample_palette()
    assert terminal.summary_line(palette) == (
        "photos/café terrace.jpg: 6 colors (k=6), 100x100 px of 1024x768, distortion 1.23"
    )
    one = Palette(
        [swatch((10, 20, 30), 1.0)],
        {
            "source": "logo\nv2.png",
            "k": 3,
            "working_size": [64, 64],
            "original_size": [64, 64],
            "transparent_share": 0.25,
            "kind": "theme",
        },
    )
    assert terminal.summary_line(one) == (
        "logo v2.png: 1 theme color (k=3), 64x64 px, 25% transparent"
    )
    assert terminal.summary_line(Palette([swatch((0, 0, 0), 1.0)], {})) == "image: 1 color (k=1)"


def test_swatch_table_is_a_bold_summary_then_one_aligned_line_per_color():
    palette = Palette(
        [
            swatch((220, 30, 40), 0.905, name="red"),
            swatch((30, 60, 200), 0.09, name="blue\nish"),
            swatch((250, 250, 250), 0.005, name="white"),
        ],
        {"source": "flag.png", "k": 3},
    )
    lines = terminal.swatch_table(palette).split("\n")
    assert lines[0] == "\x1b[1mflag.png: 3 colors (k=3)\x1b[0m" and lines[-1] == ""
    block = " " * 6
    assert lines[1:4] == [
        f"\x1b[48;2;220;30;40m{block}\x1b[0m  #dc1e28  90.5%  red",
        f"\x1b[48;2;30;60;200m{block}\x1b[0m  #1e3cc8   9.0%  blue ish",
        f"\x1b[48;2;250;250;250m{block}\x1b[0m  #fafafa   0.5%  white",
    ]


class _NarrowStdout:
    """Standard output that encodes ASCII only, with a binary buffer or none."""

    def __init__(self, with_buffer: bool = True) -> None:
        self.raw = io.BytesIO()
        if with_buffer:
            self.buffer = self.raw
        self.text = io.TextIOWrapper(self.raw, encoding="ascii", errors="strict")
        self.encoding = "ascii"

    def write(self, text: str) -> int:
        return self.text.write(text)

    def flush(self) -> None:
        self.text.flush()


def test_write_stdout_text_as_the_terminal_allows_bytes_unchanged(monkeypatch):
    stdout = _NarrowStdout()
    monkeypatch.setattr(sys, "stdout", stdout)
    terminal.write_stdout("café ■ 50%\n")
    assert stdout.raw.getvalue() == b"caf? ? 50%\n"
    terminal.write_stdout(b"\x89PNG\x00\xff")
    assert stdout.raw.getvalue() == b"caf? ? 50%\n\x89PNG\x00\xff"


def test_write_stdout_refuses_bytes_without_a_binary_buffer(monkeypatch):
    monkeypatch.setattr(sys, "stdout", _NarrowStdout(with_buffer=False))
    with pytest.raises(CliError, match="cannot take binary data; use -o FILE") as caught:
        terminal.write_stdout(b"\x89PNG")
    assert caught.value.code == 1


def test_colored_text_shows_a_truecolor_swatch_per_color(image, capsys):
    code, out, _ = run(["extract", image, "-k", "3", "--color", "always"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert "stripes.png: 3 colors (k=3), 10x10 px" in lines[0]
    assert [tuple(map(int, m)) for m in ANSI_BACKGROUND.findall(out)] == [RED, GREEN, BLUE]
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line).split(maxsplit=2) for line in lines[1:]]
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


# --- the help formatter's width, without shutil (issue 16) ------------------------------


@pytest.mark.parametrize("columns", [None, "120", "37", "0", "-5", "wide", ""])
def test_terminal_columns_follows_shutils_rule(monkeypatch, columns):
    import shutil

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert terminal.terminal_columns() == shutil.get_terminal_size().columns


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_terminal_columns_reads_the_terminal_as_shutil_does():
    import fcntl
    import struct
    import termios

    code = (
        "import shutil\n"
        "from palettekit.cli.terminal import terminal_columns\n"
        "print(terminal_columns(), shutil.get_terminal_size().columns)\n"
    )
    controller, terminal_fd = pty.openpty()
    fcntl.ioctl(terminal_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 133, 0, 0))
    env = {k: v for k, v in child_env().items() if k not in ("COLUMNS", "LINES")}
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", code], stdout=terminal_fd, stderr=subprocess.DEVNULL, env=env
        )
    finally:
        os.close(terminal_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=60) == 0
    assert b"".join(chunks).decode().split() == ["133", "133"]


@pytest.mark.parametrize("columns", ["100", "52"])
def test_help_is_what_argparses_formatter_writes(monkeypatch, columns):
    import argparse

    from palettekit import cli
    from palettekit.cli import extract

    monkeypatch.setenv("COLUMNS", columns)

    def helps() -> list[str]:
        parser = cli.build_parser()
        return [parser.format_help()] + [p.format_help() for p in parser.commands.values()]

    ours = helps()
    monkeypatch.setattr(cli, "HelpFormatter", argparse.RawDescriptionHelpFormatter)
    monkeypatch.setattr(extract, "HelpFormatter", argparse.RawDescriptionHelpFormatter)
    assert ours == helps()
    assert max(len(line) for text in ours for line in text.splitlines()) > 40
