"""The page shows each swatch's name, and its family and the nearest CSS name
where they say something the name does not (it showed "dark grey · gray");
the name and family agree (the page showed "brown · red")."""

from __future__ import annotations

from pathlib import Path

# Importing test_e2e first skips this module where it skips (no chromium).
from test_e2e import api_palette, browser, expect, page  # noqa: F401  (fixtures)

from palettekit.families import FAMILIES
from palettekit.names import survey_names

MACAWS = Path(__file__).resolve().parents[2] / "examples" / "macaws.png"


def _plain(text: str) -> str:
    return text.lower().replace("grey", "gray").replace(" ", "").replace("-", "")


def _adds_to(name: str, word: str) -> bool:
    """Whether ``word`` says something ``name`` does not."""
    return bool(word) and _plain(word) not in _plain(name)


def test_a_word_the_name_already_says_is_left_out():
    assert not _adds_to("dark grey", "gray") and not _adds_to("dark grey", "darkgray")
    assert not _adds_to("light blue", "lightblue") and not _adds_to("navy blue", "navy")
    assert _adds_to("dark grey", "dimgray") and _adds_to("teal", "blue")


def test_swatches_show_agreeing_name_and_family_and_the_css_name(page, live_url):  # noqa: F811
    photo = MACAWS.read_bytes()
    page.goto(live_url)
    page.set_input_files(
        "#file-input", files=[{"name": "macaws.png", "mimeType": "image/png", "buffer": photo}]
    )
    expect(page.locator("#swatches .swatch")).to_have_count(5)
    answer = api_palette(live_url, photo, "macaws.png", k=5, sort="share", space="oklab")
    details = page.locator("#swatches .swatch-detail").all_inner_texts()
    table = survey_names()
    assert len(details) == len(answer["colors"]) == 5
    for detail, color in zip(details, answer["colors"], strict=True):
        rgb = ", ".join(map(str, color["rgb"]))
        parts = [f"rgb({rgb})", color["name"]]
        if _adds_to(color["name"], color["family"]):
            parts.append(color["family"])
        if _adds_to(color["name"], color["css_name"]):
            parts.append(f"CSS {color['css_name']}")
        assert detail == " · ".join(parts)
        assert table.says_family[table.index[color["name"]], FAMILIES.index(color["family"])]
    assert page.problems == []  # type: ignore[attr-defined]
