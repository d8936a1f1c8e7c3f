"""palettekit.cli.exit_status: the exit statuses the command documents, and the error
that carries one."""

from __future__ import annotations

import re

from palettekit.cli import build_parser, exit_status
from palettekit.cli.exit_status import (
    EXIT_BROKEN_PIPE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
)


def test_the_statuses_are_those_the_help_documents() -> None:
    epilog = build_parser(adapters=False).epilog or ""
    section = epilog.split("exit status:", 1)[1].split("\n\n", 1)[0]
    documented = [int(number) for number in re.findall(r"\b(\d+) [a-z]", section)]
    assert documented == [
        EXIT_OK,
        EXIT_ERROR,
        EXIT_USAGE,
        EXIT_PARTIAL,
        EXIT_INTERRUPTED,
        EXIT_BROKEN_PIPE,
    ]
    assert documented == [0, 1, 2, 3, 130, 141]


def test_the_error_carries_its_status_runtime_error_by_default() -> None:
    error = exit_status.CliError("photo.png: is a directory")
    assert str(error) == "photo.png: is a directory" and error.code == EXIT_ERROR
    assert exit_status.CliError("bad flag", EXIT_USAGE).code == EXIT_USAGE
