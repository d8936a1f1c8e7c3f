"""palettekit.cli.search: ``palettekit search``, its flags' checks and its table.

The searches themselves over a results file are tested with the index
(tests/search/test_index.py: ``test_cli_search_table_and_json``).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cli_helpers import assert_one_error_line, run
from palettekit.cli.search import format_table


@pytest.mark.parametrize(
    ("argv", "code", "needle"),
    [
        (["--color", "#000000", "--top", "0"], 1, "--top must be >= 1, got 0"),
        (["--like", "x.png", "--sigma", "0.1"], 1, "--sigma and --all apply to --color"),
        (["--like", "x.png", "--all"], 1, "--sigma and --all apply to --color"),
        (["--color", "nope"], 2, "argument --color: not a color: 'nope'"),
        ([], 2, "one of the arguments --color --like is required"),
    ],
)
def test_flag_problems_are_one_line_before_any_file_is_read(tmp_path, capsys, argv, code, needle):
    results = tmp_path / "missing.jsonl"  # never opened: the flags are checked first
    status, out, err = run(["search", str(results), *argv], capsys)
    assert (status, out) == (code, "")
    assert_one_error_line(err, needle)


def test_a_missing_results_file_is_an_input_error(tmp_path, capsys):
    status, _, err = run(["search", str(tmp_path / "none.jsonl"), "--color", "red"], capsys)
    assert status == 1
    assert_one_error_line(err, "none.jsonl")


def test_the_table_has_a_header_and_one_line_per_hit():
    hits = [
        SimpleNamespace(rank=1, score=0.5, source="a.png", hex=["#ff0000"], shares=[0.75]),
        SimpleNamespace(
            rank=2, score=0.25, source="b.png", hex=["#00ff00", "#000000"], shares=[0.5, 0.5]
        ),
    ]
    lines = format_table(hits, "distance").splitlines()
    assert lines[0].split() == ["rank", "distance", "source", "colors"]
    assert lines[1].split() == ["1", "0.5000", "a.png", "#ff0000:75%"]
    assert lines[2].split() == ["2", "0.2500", "b.png", "#00ff00:50%", "#000000:50%"]
