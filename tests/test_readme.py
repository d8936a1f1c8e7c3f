"""The README says what the tool does: its format table, its commands, its set-up."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from palettekit import formats

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_format_table() -> dict[str, tuple[tuple[str, ...], str, str]]:
    """Format name -> (suffixes, holds, media type), from the README's "Export formats" table."""
    section = README.split("## Export formats", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([^`]+)`", cells[0])
        assert len(names) == 1, f"one format per row: {line}"
        suffixes = tuple(s.strip() for s in cells[1].split(",") if s.strip())
        holds = cells[2].replace(" or ", "-or-")
        rows[names[0]] = (suffixes, holds, cells[3].strip("`"))
    return rows


def test_readme_format_table_lists_exactly_the_registered_formats():
    table = readme_format_table()
    registered = {
        name: (fmt.suffixes, fmt.holds, fmt.media_type) for name, fmt in formats.FORMATS.items()
    }
    assert table == registered


def readme_commands() -> list[str]:
    """The numbered commands of the README's first shell block."""
    block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_ci_runs_exactly_the_readme_test_command():
    install, test = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()
    assert "pytest" in test and '".[test]"' in test
    # the development section repeats it word for word
    assert test in README.split("## Development", 1)[1]


def test_readme_commands_use_a_virtual_environment():
    # Debian's and Ubuntu's own Python refuse `pip install` (externally managed).
    for command in readme_commands():
        assert command.startswith("python3 -m venv --without-pip .venv && ")
        assert "python3 -m pip --python .venv/bin/python install" in command
        assert re.search(r"(^|&& )(python3 -m )?pip install", command) is None


def test_readme_states_the_python_versions_pyproject_requires():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    required = re.search(r'^requires-python = ">=(3\.\d+)"$', pyproject, re.MULTILINE)
    assert required is not None
    low = required.group(1)
    match = re.search(r"Python (3\.\d+) to (3\.\d+)", README)
    assert match is not None and match.group(1) == low


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_what_the_readme_commands_leave_behind_is_ignored():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    install, _ = readme_commands()
    figure = re.search(r"--figure (\S+)", install)
    assert figure is not None
    for path in (figure.group(1), ".venv/bin/python"):
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", path], cwd=ROOT, capture_output=True, check=False
        )
        assert ignored.returncode == 0, f"{path} would show as untracked"
