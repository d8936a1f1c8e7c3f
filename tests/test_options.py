"""Options: validation, construction from keywords and dicts, colors, immutability."""

from __future__ import annotations

import dataclasses
import json
import math
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from palettekit import OptionsError, PaletteError
from palettekit.options import SORTS, SPACES, Options, option_specs, parse_color

BAD_VALUES = [
    ("k", 0),
    ("k", 257),
    ("k", -3),
    ("k", 5.5),
    ("k", 5.0),
    ("k", "5"),
    ("k", True),
    ("k", None),
    ("space", "hsv"),
    ("space", ""),
    ("space", None),
    ("space", 3),
    ("sort", "random"),
    ("sort", ["share"]),
    ("seed", -1),
    ("seed", 2**63),
    ("seed", 1.5),
    ("seed", False),
    ("n_init", 0),
    ("n_init", 1001),
    ("max_iter", 0),
    ("max_iter", 100_001),
    ("tol", -1e-9),
    ("tol", "small"),
    ("tol", math.nan),
    ("tol", math.inf),
    ("tol", 10**400),
    ("tol", None),
    ("max_pixels", 0),
    ("max_pixels", 2.5),
    ("max_pixels", "all"),
    ("histogram_bits", 0),
    ("histogram_bits", 9),
    ("alpha_threshold", -1),
    ("alpha_threshold", 256),
    ("alpha_threshold", 0.5),
    ("composite_on", "white"),
    ("composite_on", "#12345"),
    ("composite_on", (0, 0, 256)),
    ("composite_on", (0, 0)),
    ("composite_on", 0xFFFFFF),
    ("max_image_pixels", 0),
    ("max_bytes", 0),
    ("max_bytes", 1.5),
    ("timeout", 0),
    ("timeout", -5.0),
    ("timeout", math.nan),
    ("timeout", math.inf),
    ("timeout", 1e300),
    ("timeout", True),
    ("k", "auto5"),
    ("max_k", 0),
    ("detect_background", 1),
    ("exclude_background", "yes"),
    ("crop", (5, 5, 5, 10)),
    ("crop", (0, 0, 10**400, 0.0)),
    ("crop", "1e999,0,1,1"),
    ("crop", "0,0,10"),
    ("crop", (-1, 0, 10, 10)),
    ("frames", "\u00b2"),
    ("frames", "some"),
    ("frames", 0),
    ("frames", 65),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_every_invalid_value_is_an_options_error_and_a_value_error(name, value):
    with pytest.raises(OptionsError) as info:
        Options(**{name: value})
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, PaletteError)
    message = str(info.value)
    assert name in message
    assert "\n" not in message


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_invalid_values_are_refused_by_from_kwargs_and_replace_too(name, value):
    with pytest.raises(OptionsError):
        Options.from_kwargs(**{name: value})
    with pytest.raises(OptionsError):
        Options().replace(**{name: value})
    with pytest.raises(OptionsError):
        Options.from_kwargs(Options(k=3), **{name: value})


def test_defaults_are_valid_and_documented_values():
    options = Options()
    assert options.k == 5
    assert options.space == "oklab"
    assert options.sort == "share"
    assert options.seed == 0
    assert options.max_pixels == 250_000
    assert options.composite_on is None


GOOD_VALUES = [
    ("k", 1, 1),
    ("k", 256, 256),
    ("k", np.int64(7), 7),
    ("space", "CIELAB", "cielab"),
    ("space", "srgb", "srgb"),
    ("sort", "Hue", "hue"),
    ("seed", 2**63 - 1, 2**63 - 1),
    ("tol", 0, 0.0),
    ("tol", np.float32(0.5), 0.5),
    ("max_pixels", None, None),
    ("max_pixels", 1, 1),
    ("histogram_bits", 8, 8),
    ("alpha_threshold", 0, 0),
    ("alpha_threshold", 255, 255),
    ("composite_on", "#fff", (255, 255, 255)),
    ("composite_on", [1, 2, 3], (1, 2, 3)),
    ("timeout", 0.001, 0.001),
    ("timeout", 86_400, 86_400.0),
    ("k", " AUTO ", "auto"),
    ("frames", " 3 ", 3),
    ("frames", "All", "all"),
    ("crop", "0,0,640,480", (0, 0, 640, 480)),
]


@pytest.mark.parametrize(("name", "value", "stored"), GOOD_VALUES)
def test_valid_values_are_normalised(name, value, stored):
    options = Options(**{name: value})
    assert getattr(options, name) == stored
    assert type(getattr(options, name)) is type(stored)


def test_every_space_and_sort_is_accepted():
    for space in SPACES:
        assert Options(space=space).space == space
    for sort in SORTS:
        assert Options(sort=sort).sort == sort


# --- from_kwargs, replace ------------------------------------------------------------


def test_from_kwargs_refuses_unknown_names_and_lists_the_known_ones():
    with pytest.raises(OptionsError, match=r"unknown option: colours") as info:
        Options.from_kwargs(colours=5)
    assert isinstance(info.value, ValueError)
    assert "k" in str(info.value) and "space" in str(info.value)
    with pytest.raises(OptionsError, match=r"unknown options: bar, foo"):
        Options.from_kwargs(foo=1, bar=2, k=3)


def test_from_kwargs_builds_on_a_base():
    base = Options(k=3, space="cielab")
    derived = Options.from_kwargs(base, seed=9)
    assert (derived.k, derived.space, derived.seed) == (3, "cielab", 9)
    assert base.seed == 0
    assert Options.from_kwargs(base) == base
    assert Options.from_kwargs() == Options()


def test_replace_returns_a_validated_copy():
    options = Options()
    other = options.replace(k=8, space="SRGB")
    assert (other.k, other.space) == (8, "srgb")
    assert options.k == 5
    with pytest.raises(OptionsError, match="unknown option"):
        options.replace(K=8)


# --- immutability and value semantics ------------------------------------------------


def test_options_are_frozen():
    options = Options()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.k = 9  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del options.space  # type: ignore[misc]
    assert options.k == 5


def test_options_are_hashable_values():
    assert Options(k=3) == Options(k=3)
    assert Options(k=3) != Options(k=4)
    assert hash(Options(composite_on="#000")) == hash(Options(composite_on=(0, 0, 0)))
    assert len({Options(), Options(), Options(k=2)}) == 2


# --- to_dict / from_dict -------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        Options(),
        Options(k=12, space="cielab", sort="hue", seed=7, max_pixels=None),
        Options(composite_on="#102030", alpha_threshold=0, histogram_bits=8, timeout=3.5),
    ],
)
def test_to_dict_from_dict_round_trip(options):
    data = options.to_dict()
    assert set(data) == {f.name for f in dataclasses.fields(Options)}
    # Plain JSON data: survives a JSON round trip too.
    assert json.loads(json.dumps(data)) == data
    assert Options.from_dict(data) == options
    assert Options.from_dict(json.loads(json.dumps(data))) == options


def test_to_dict_gives_colors_as_lists():
    assert Options(composite_on="#0a0b0c").to_dict()["composite_on"] == [10, 11, 12]
    assert Options().to_dict()["composite_on"] is None


def test_from_dict_refuses_unknown_keys_and_bad_values():
    data = Options().to_dict()
    with pytest.raises(OptionsError, match="unknown option"):
        Options.from_dict({**data, "extra": 1})
    with pytest.raises(OptionsError, match="k must"):
        Options.from_dict({**data, "k": 0})


# --- parse_color ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rgb"),
    [
        ("#000000", (0, 0, 0)),
        ("#ffffff", (255, 255, 255)),
        ("#FFFFFF", (255, 255, 255)),
        ("#1a2B3c", (26, 43, 60)),
        ("1a2b3c", (26, 43, 60)),
        ("#abc", (170, 187, 204)),
        ("ABC", (170, 187, 204)),
        ("  #0f0\n", (0, 255, 0)),
        ((0, 128, 255), (0, 128, 255)),
        ([0, 128, 255], (0, 128, 255)),
        ((np.uint8(4), np.int64(5), 6), (4, 5, 6)),
    ],
)
def test_parse_color_accepts_hex_and_triples(text, rgb):
    parsed = parse_color(text)
    assert parsed == rgb
    assert type(parsed) is tuple
    assert all(type(c) is int for c in parsed)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "#",
        "#ab",
        "#abcd",
        "#abcde",
        "#abcdef0",
        "#ggg",
        "red",
        "rgb(1,2,3)",
        "# abc",
        (1, 2),
        (1, 2, 3, 4),
        (1.0, 2, 3),
        (True, 0, 0),
        (-1, 0, 0),
        (0, 0, 256),
        ("1", "2", "3"),
        None,
        0,
        b"#abc",
        {"r": 1, "g": 2, "b": 3},
    ],
)
def test_parse_color_refuses_anything_else(value):
    with pytest.raises(OptionsError) as info:
        parse_color(value)
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


# --- fuzzing: any value for any option is accepted or an OptionsError ----------------

any_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(-(10**400), 10**400),
        st.floats(),
        st.text(max_size=12),
        st.sampled_from(["auto", "all", "first", "#fff", "10%,0,90%,100%", "\u00b2", "1e999"]),
        st.binary(max_size=4),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.tuples(inner, inner, inner, inner)),
    max_leaves=8,
)


@given(st.sampled_from([f.name for f in dataclasses.fields(Options)]), any_value)
def test_any_value_for_any_option_is_accepted_or_an_options_error(name, value):
    try:
        options = Options(**{name: value})
    except OptionsError as exc:
        assert isinstance(exc, ValueError)
        assert "\n" not in str(exc)
    else:
        # Whatever was accepted is normalised to plain, JSON-ready data.
        data = options.to_dict()
        assert Options.from_dict(json.loads(json.dumps(data))) == options


# --- a new field with its spec reaches the CLI, the web request and the OpenAPI schema ---


def _extended_options():  # type: ignore[no-untyped-def]
    import dataclasses

    from palettekit.options import OptionSpec, option

    @dataclasses.dataclass(frozen=True)
    class Extended(Options):
        vibrance: float = option(
            0.5,
            OptionSpec(
                help="how vivid the colors are, 0-1 (default {default})",
                web=True,
                schema={"minimum": 0, "maximum": 1, "description": "How vivid."},
            ),
        )
        passes: int = option(
            3,
            OptionSpec(
                help="refinement passes, {minimum}-{maximum} (default {default})",
                schema={"minimum": 1, "maximum": 10},
            ),
        )
        accent: str = option(
            "warm",
            OptionSpec(
                help="accent family (default {default})", parse=str.lower, choices=("warm", "cool")
            ),
        )
        label: str = "{name} at 50%"  # a field without a spec gets a plain flag

    return Extended


def test_a_new_field_is_validated_by_the_bounds_and_choices_of_its_spec() -> None:
    extended = _extended_options()
    assert (extended().passes, extended(passes=1).passes, extended(passes=10).passes) == (3, 1, 10)
    for bad in (0, 11):
        with pytest.raises(OptionsError, match=rf"^passes must be between 1 and 10, got {bad}$"):
            extended(passes=bad)
    with pytest.raises(OptionsError, match=r"^passes must be an integer, got 2\.5$"):
        extended(passes=2.5)
    with pytest.raises(OptionsError, match="passes must be between 1 and 10"):
        extended().replace(passes=11)
    with pytest.raises(OptionsError, match="passes must be between 1 and 10"):
        extended.from_dict({**extended().to_dict(), "passes": 0})
    assert extended(vibrance=1).vibrance == 1.0
    with pytest.raises(OptionsError, match=r"^vibrance must be between 0\.0 and 1\.0, got 1\.5$"):
        extended(vibrance=1.5)
    with pytest.raises(OptionsError, match="vibrance must be a finite number"):
        extended(vibrance=math.nan)
    assert extended(accent="COOL").accent == "cool"
    with pytest.raises(OptionsError, match=r"^accent must be one of warm, cool; got 'hot'$"):
        extended(accent="hot")
    # The inherited fields keep their checks.
    with pytest.raises(OptionsError, match="k must be between 1 and 256"):
        extended(k=0)


def test_the_bounds_options_checks_are_those_its_specs_publish() -> None:
    from palettekit.options import option_specs

    for name, (default, spec) in option_specs().items():
        low, high = spec.bounds
        if low is None or isinstance(default, bool) or name == "crop":
            continue
        below = low - 1 if isinstance(low, int) else low / 2
        with pytest.raises(OptionsError, match=name):
            Options(**{name: below})
        Options(**{name: low})
        if high is not None:
            Options(**{name: high})
            with pytest.raises(OptionsError, match=name):
                Options(**{name: high + 1})


def test_a_new_field_becomes_a_cli_flag(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from palettekit.cli.flags import add_extract_options, options_from_args

    extended = _extended_options()
    parser = argparse.ArgumentParser()
    add_extract_options(parser, options_class=extended)
    assert "--vibrance VIBRANCE" in parser.format_help()
    help_text = " ".join(parser.format_help().split())
    assert "how vivid the colors are, 0-1 (default 0.5)" in help_text
    assert "refinement passes, 1-10 (default 3)" in help_text  # the bounds of the spec
    assert "--label LABEL Options.label (default '{name} at 50%')" in help_text
    options = options_from_args(parser.parse_args(["--vibrance", "0.75", "-k", "3"]), extended())
    assert isinstance(options, extended)
    assert (options.vibrance, options.k) == (0.75, 3)
    with pytest.raises(SystemExit):
        parser.parse_args(["--vibrance", "much"])
    with pytest.raises(SystemExit):
        parser.parse_args(["--passes", "11"])
    assert "argument --passes: passes must be between 1 and 10, got 11" in capsys.readouterr().err


def test_a_new_field_becomes_a_web_field_and_an_openapi_property() -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from palettekit.web.app import create_app
    from palettekit.web.fields import options_from_fields
    from palettekit.web.settings import Settings

    extended = _extended_options()
    settings = Settings(options=extended())
    assert "vibrance" in settings.client_option_names
    from_form = options_from_fields({"vibrance": " 0.25 ", "k": "4"}, settings)
    assert (from_form.vibrance, from_form.k) == (0.25, 4)
    from_json = options_from_fields({"vibrance": 1.0}, settings, frozenset({"vibrance"}))
    assert from_json.vibrance == 1.0
    with TestClient(create_app(settings)) as client:
        document = client.get("/openapi.json").json()
        config = client.get("/api/config").json()
    body = document["paths"]["/api/palette"]["post"]["requestBody"]["content"]
    for media_type in ("multipart/form-data", "application/json"):
        assert body[media_type]["schema"]["properties"]["vibrance"] == {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "How vivid.",
            "default": 0.5,
        }
    assert config["defaults"]["vibrance"] == 0.5


# --- one text parser per spec ----------------------------------------------------------


def test_every_field_reads_its_text_with_one_parser_from_its_spec():
    from palettekit.options import (
        parse_integer,
        parse_k,
        parse_pixels_or_none,
        parse_real,
        parse_switch,
        parse_text_or_none,
    )

    specs = option_specs()
    expected = {
        "k": parse_k,
        "seed": parse_integer,
        "tol": parse_real,
        "max_pixels": parse_pixels_or_none,
        "detect_background": parse_switch,
        "crop": parse_text_or_none,
    }
    for name, parse in expected.items():
        default, spec = specs[name]
        assert spec.text_parser(default) is parse, name


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("k", " AUTO ", "auto"),
        ("k", "7", 7),
        ("max_pixels", "250k", 250_000),
        ("max_pixels", "none", None),
        ("max_bytes", "100M", 100 * 1024 * 1024),
        ("tol", "1e-3", 0.001),
        ("detect_background", "on", True),
        ("detect_background", "", False),
        ("crop", "", None),
        ("crop", " 0,0,1,1 ", "0,0,1,1"),
        ("composite_on", "None", None),
        ("sort", " Hue ", "hue"),
    ],
)
def test_from_text_reads_a_value_of_the_fields_type(name, text, value):
    default, spec = option_specs()[name]
    assert spec.from_text(name, text, default) == value


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("k", "five", "k must be an integer from 1 to 256, or 'auto', got 'five'"),
        ("tol", "small", "tol must be a number, got 'small'"),
        ("seed", "1.5", "seed must be an integer, got '1.5'"),
        ("max_pixels", "12q", "max_pixels must be an integer, got '12q'"),
        ("detect_background", "perhaps", "detect_background must be true or false, got 'perhaps'"),
    ],
)
def test_from_text_names_the_field_and_what_it_expects(name, text, message):
    default, spec = option_specs()[name]
    with pytest.raises(OptionsError) as caught:
        spec.from_text(name, text, default)
    assert str(caught.value) == message


def test_fields_left_at_their_default_are_not_checked_again_but_equal() -> None:
    # __post_init__ skips a field whose value is its (valid) default: the
    # options are the same as when every field is checked.
    from palettekit.options import _field_checks

    checks = _field_checks(Options)
    assert [name for name, *_ in checks] == list(option_specs())
    assert all(valid for *_, valid in checks)  # every default is valid as it is
    for name, default, spec, _ in checks:
        assert spec.validate(name, default, default) == default
    built = Options(k=7)
    for name, default, spec, _ in checks:
        value = getattr(built, name)
        assert value == spec.validate(name, value, default)
    # A value equal to the default but not the default object is still checked.
    assert Options(kind="PALETTE").kind == "palette"
    with pytest.raises(OptionsError):
        Options(k=0)


def test_a_subclass_with_an_invalid_default_still_fails_on_construction() -> None:
    from palettekit.options import OptionSpec, _field_checks, option

    @dataclasses.dataclass(frozen=True)
    class Broken(Options):
        passes: int = option(99, OptionSpec(help="passes", schema={"minimum": 1, "maximum": 10}))

    assert [valid for name, *_, valid in _field_checks(Broken) if name == "passes"] == [False]
    with pytest.raises(OptionsError, match="passes must be between 1 and 10"):
        Broken()
    assert Broken(passes=3).passes == 3
