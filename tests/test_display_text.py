"""palettekit.display_text: messages, labels and shares on one line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from palettekit.display_text import format_share, one_line, reason_of
from palettekit.errors import ImageLoadError


@pytest.mark.parametrize(
    ("text", "flat"),
    [
        ("plain", "plain"),
        ("two\nlines", "two lines"),
        ("tab\there\r\nand\x00nul", "tab here and nul"),
        ("  runs   of \n\n spaces  ", "runs of spaces"),
        ("\u2028line separator", "line separator"),
        ("", ""),
        ("café · 31.2%", "café · 31.2%"),
    ],
)
def test_unprintable_characters_become_single_spaces(text: str, flat: str) -> None:
    assert one_line(text) == flat


def test_a_long_message_is_cut_at_its_end_to_the_limit() -> None:
    assert one_line("abcdefghij", 6) == "abcde…"
    assert one_line("abcdef", 6) == "abcdef"  # at the limit: untouched
    assert len(one_line("x" * 500, 80)) == 80


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("photo\n.png", "photo\\n.png"),
        ("a\tb", "a\\tb"),
        ("bell\x07", "bell\\x07"),
        ("plain name.png", "plain name.png"),
        ("\u200bzero width", "\\u200bzero width"),
    ],
)
def test_escaped_labels_show_unprintables_as_python_escapes(text: str, escaped: str) -> None:
    assert one_line(text, escape=True) == escaped


def test_a_long_escaped_label_loses_its_middle_and_keeps_both_ends() -> None:
    label = "https://example.com/" + "x" * 100 + "/photo.jpg"
    short = one_line(label, 21, escape=True)
    assert short == "https://ex…/photo.jpg"
    assert len(short) == 21


@given(st.text(max_size=300), st.integers(3, 120), st.booleans())
def test_the_result_is_one_printable_line_within_the_limit(
    text: str, limit: int, escape: bool
) -> None:
    shown = one_line(text, limit, escape=escape)
    assert shown.isprintable()
    assert len(shown) <= limit
    if text.isprintable() and " " * 2 not in text and text == text.strip() and len(text) <= limit:
        assert shown == text  # nothing to change, nothing changed


def test_reason_of_names_the_type_and_keeps_the_message_on_one_line() -> None:
    assert reason_of(ValueError("bad value")) == "ValueError: bad value"
    assert reason_of(KeyError()) == "KeyError"
    assert reason_of(ImageLoadError("a\nb")) == "ImageLoadError: a\\nb"
    long = reason_of(OSError("y" * 1000 + "z"))
    assert 190 <= len(long) <= 200
    assert long.startswith("OSError: yyy") and long.endswith("yyz") and "…" in long


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.0, "0.0%"),
        (0.3123, "31.2%"),
        (0.5, "50.0%"),
        (0.0001, "<0.1%"),
        (0.00049, "<0.1%"),
        (0.00051, "0.1%"),
        (0.0005, "0.1%"),
        (1e-12, "<0.1%"),
        (0.99951, ">99.9%"),
        (1.0 - 1e-12, ">99.9%"),
        (0.9994, "99.9%"),
        (1.0, "100.0%"),
    ],
)
def test_format_share_never_rounds_a_real_share_to_nothing_or_everything(
    share: float, text: str
) -> None:
    assert format_share(share) == text
