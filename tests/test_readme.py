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


# --- install lines -------------------------------------------------------------------------

DOCUMENTS = {"README.md": README} | {
    f"docs/{path.name}": path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "docs").glob("*.md"))
}

INSTALL_FORMS = (
    # commands 1 and 2: pip from outside, into the environment they create (and pip with it)
    "python3 -m pip --python .venv/bin/python install ",
    # every later line: the environment's own pip, which commands 1 and 2 put there
    ".venv/bin/python -m pip install ",
)


def install_lines(text: str) -> list[tuple[str, str]]:
    """Every ``pip ... install`` command of a Markdown text, with the paragraph it is in.

    Lines of code blocks are taken as they are; inline code spans may wrap across lines.
    Commands chained with ``&&`` are taken one by one.
    """
    found = []
    parts = text.split("```")
    for index, part in enumerate(parts):
        if index % 2:  # inside a fenced block
            snippets = [(line.split("  #", 1)[0], part) for line in part.splitlines()[1:]]
        else:
            snippets = []
            for paragraph in part.split("\n\n"):
                flat = " ".join(paragraph.split())
                snippets += [(span, flat) for span in re.findall(r"`([^`]+)`", flat)]
        for snippet, context in snippets:
            for command in snippet.split("&&"):
                if re.search(r"\bpip3?\b.*\binstall\b", command):
                    found.append((command.strip(), context))
    return found


def test_install_lines_are_found():
    lines = [line for text in DOCUMENTS.values() for line, _ in install_lines(text)]
    assert len(lines) >= 8
    assert install_lines("run `pip install x` or\n\n```sh\na && pip3 install y  # z\n```\n") == [
        ("pip install x", "run `pip install x` or"),
        ("pip3 install y", "sh\na && pip3 install y  # z\n"),
    ]


def test_every_install_line_reaches_the_readme_environment():
    # A bare `pip install` reaches whatever pip is first on the path: the system's
    # (externally managed on Debian), pyenv's global one, or none. Every line names
    # the environment README commands 1 and 2 make, and installs what exists.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    extras = set(
        re.findall(
            r"^([a-z]+) = \[",
            pyproject.split("[project.optional-dependencies]")[1].split("\n[")[0],
            re.MULTILINE,
        )
    )
    assert {"web", "plot", "batch", "parquet", "dask", "test"} <= extras
    for document, text in DOCUMENTS.items():
        for line, context in install_lines(text):
            form = next((f for f in INSTALL_FORMS if (line + " ").startswith(f)), None)
            assert form is not None, f"{document}: {line!r} is not one of {INSTALL_FORMS}"
            words = line[len(form) - 1 :].replace('"', "").replace("'", "").split()
            while words:
                word = words.pop(0)
                if word in ("-q", "-e", "pip", "."):
                    continue
                if word == "-r":
                    assert (ROOT / words.pop(0)).is_file(), f"{document}: {line!r}"
                    continue
                target = re.fullmatch(r"(\.|palettekit)\[([a-z,]+)\]", word)
                assert target is not None, f"{document}: {line!r} installs {word!r}"
                assert set(target.group(2).split(",")) <= extras, f"{document}: {line!r}"
                if target.group(1) == "palettekit":
                    # not on PyPI yet: the name only where the text says it is the future form
                    assert "PyPI" in context, f"{document}: {line!r} needs palettekit on PyPI"


def test_readme_commands_put_pip_into_the_environment():
    for command in readme_commands():
        assert "python3 -m pip --python .venv/bin/python install -q pip " in command


# --- the changelog -------------------------------------------------------------------------

CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
CHANGE_KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


def test_changelog_is_keep_a_changelog():
    from palettekit import __version__

    assert CHANGELOG.startswith("# Changelog\n")
    assert "https://keepachangelog.com/" in CHANGELOG
    releases = re.findall(r"^## \[([^\]]+)\](.*)$", CHANGELOG, re.MULTILINE)
    names = [name for name, _ in releases]
    assert names[0] == "Unreleased"
    assert __version__ in names
    for name, rest in releases[1:]:
        assert re.fullmatch(r"\d+\.\d+\.\d+", name), name
        assert rest == "" or re.fullmatch(r" - \d{4}-\d{2}-\d{2}", rest), rest
    versions = [tuple(map(int, name.split("."))) for name in names[1:]]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    sections = re.split(r"^## ", CHANGELOG, flags=re.MULTILINE)[1:]
    for section in sections:
        kinds = re.findall(r"^### (.+)$", section, re.MULTILINE)
        assert kinds, section.splitlines()[0]
        assert all(kind in CHANGE_KINDS for kind in kinds), kinds
        assert len(kinds) == len(set(kinds)), kinds
        for body in re.split(r"^### .+$", section, flags=re.MULTILINE)[1:]:
            assert re.search(r"^- \S", body, re.MULTILINE), section.splitlines()[0]
    for name in names:  # every heading links somewhere
        assert re.search(rf"^\[{re.escape(name)}\]: https://\S+$", CHANGELOG, re.MULTILINE), name
