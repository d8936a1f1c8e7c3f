"""palettekit.errors holds the whole error tree, and only it defines exceptions."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from palettekit import errors

PACKAGE = Path(errors.__file__).resolve().parent
EXCEPTION_BASES = {"Exception", "BaseException", "ValueError", "OSError", "KeyboardInterrupt"}


def _classes_outside_errors() -> list[str]:
    """Classes outside errors.py whose bases name an exception (private ones included)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            names = {
                b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
            }
            if names & EXCEPTION_BASES or any(n.endswith(("Error", "Interrupted")) for n in names):
                found.append(f"{path.relative_to(PACKAGE)}:{node.name}")
    return found


def test_no_exception_class_outside_errors_py() -> None:
    # The control-flow exception of the command line; main turns it into one line.
    assert _classes_outside_errors() == ["cli/exit_status.py:CliError"]


@pytest.mark.parametrize("name", errors.__all__)
def test_every_error_inherits_palette_error(name: str) -> None:
    value = getattr(errors, name)
    if not inspect.isclass(value):
        return
    if issubclass(value, Warning):
        assert issubclass(value, errors.PaletteWarning)
    elif value is errors.BatchInterrupted:
        # An interruption, not an error: ``except Exception`` must not swallow Ctrl-C.
        assert issubclass(value, KeyboardInterrupt) and not issubclass(value, Exception)
    else:
        assert issubclass(value, errors.PaletteError)


def test_require_extra_names_the_extra() -> None:
    assert errors.require_extra("json", "nothing", "a test") is __import__("json")
    with pytest.raises(errors.MissingExtraError, match=r"pip install 'palettekit\[web\]'"):
        errors.require_extra("no_such_module_xyz", "web", "a test")


def test_api_error_carries_status_and_headers() -> None:
    error = errors.ApiError(503, "busy", "the server is busy", {"Retry-After": "1"})
    assert (error.status, error.type, error.message, str(error)) == (
        503,
        "busy",
        "the server is busy",
        "the server is busy",
    )
    assert error.headers == {"Retry-After": "1"}
    assert isinstance(error, errors.PaletteError)
