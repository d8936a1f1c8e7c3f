"""palettekit.web.fields: a request's fields as options, render sizes and an export format."""

from __future__ import annotations

import dataclasses

import pytest
from webutil import assert_error

from palettekit.errors import ExportError, OptionsError
from palettekit.formats import FORMATS
from palettekit.options import Options
from palettekit.web.fields import (
    RENDER_SIZES,
    REQUEST_FIELD_NAMES,
    export_format,
    options_from_fields,
    render_params,
)
from palettekit.web.settings import Settings

WEB_FIELDS = Settings().client_option_names


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"k": "0"}, "k must be"),
        ({"k": "abc"}, "k must be an integer"),
        ({"k": "2.5"}, "k must be an integer"),
        ({"k": "65"}, "at most 64 on this server"),
        ({"sort": "random"}, "sort must be one of"),
        ({"space": "hsv"}, "space must be one of"),
        ({"tol": "nan"}, "tol"),
        ({"n_init": "1000"}, "at most 32"),
        ({"max_pixels": "none"}, "max_pixels"),
        ({"composite_on": "#12345"}, "not a hex color"),
        ({"bogus": "1"}, "unknown option: bogus"),
        ({"max_bytes": "999999999"}, "unknown option: max_bytes"),
        ({"timeout": "3600"}, "unknown option: timeout"),
        ({"max_image_pixels": "1"}, "unknown option"),
        ({"frames": "all"}, "unknown option: frames"),
        ({"max_k": "65"}, "at most 64 on this server"),
        ({"k": "automatic"}, "k must be"),
        ({"detect_background": "perhaps"}, "detect_background must be true or false"),
        ({"crop": "1,2,3"}, "crop"),
    ],
)
def test_bad_options_are_400(client, photo_png, fields, needle):
    response = client.post("/api/palette", files={"file": ("p.png", photo_png)}, data=fields)
    error = assert_error(response, 400, "bad_options")
    assert needle in error["message"]


@pytest.mark.parametrize(
    "fields", [{"k": "five"}, {"k": True}, {"k": 5.0}, {"sort": 3}, {"bogus": 1}]
)
def test_bad_json_options_are_400_before_any_fetch(make_client, local_server, fields):
    server = local_server({})
    client = make_client(allow_private_urls=True)
    response = client.post("/api/palette", json={"url": server.url("/a.png"), **fields})
    assert_error(response, 400, "bad_options")
    assert server.hits == []


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/api/bar.png", {"width": "0"}),
        ("/api/bar.png", {"height": "99999"}),
        ("/api/figure.png", {"labels": "maybe"}),
    ],
)
def test_bad_render_options_are_400(client, photo_png, path, fields):
    assert_error(
        client.post(path, files={"file": ("p.png", photo_png)}, data=fields), 400, "bad_options"
    )


def test_unknown_format_is_400(client, photo_png):
    response = client.post(
        "/api/palette", files={"file": ("p.png", photo_png)}, data={"format": "docx"}
    )
    assert_error(response, 400, "bad_format")


# --------------------------------------------------------------------------- direct


def test_form_strings_take_the_type_of_the_fields_default():
    options = options_from_fields(
        {
            "k": " 4 ",
            "tol": "1e-3",
            "detect_background": "yes",
            "exclude_background": "off",
            "sort": " lightness ",
            "composite_on": "none",
            "crop": "",
            "seed": "7",
        },
        Settings(),
    )
    assert (options.k, options.tol, options.seed) == (4, 0.001, 7)
    assert (options.detect_background, options.exclude_background) == (True, False)
    assert options.sort == "lightness"
    assert options.composite_on is None and options.crop is None
    assert options_from_fields({"k": "auto"}, Settings()).k == "auto"


def test_json_values_are_taken_as_they_are_and_json_strings_read_as_text():
    settings = Settings()
    options = options_from_fields({"k": 3, "tol": 0.5}, settings, frozenset({"k", "tol"}))
    assert (options.k, options.tol) == (3, 0.5)
    # a JSON string is text, read by the option's own parser as the CLI reads the flag
    typed = frozenset({"k", "max_pixels", "detect_background"})
    options = options_from_fields(
        {"k": "5", "max_pixels": "250k", "detect_background": "true"}, settings, typed
    )
    assert (options.k, options.max_pixels, options.detect_background) == (5, 250_000, True)
    # other JSON values are not converted: a number is no bool, a float no integer
    with pytest.raises(OptionsError, match=r"^detect_background must be True or False"):
        options_from_fields({"detect_background": 1}, settings, frozenset({"detect_background"}))
    with pytest.raises(OptionsError, match=r"^k must be an integer, got 5.0"):
        options_from_fields({"k": 5.0}, settings, frozenset({"k"}))


@pytest.mark.parametrize("name", WEB_FIELDS)
@pytest.mark.parametrize("value", ["%%bad%%", "-1", [1]])
def test_a_bad_value_of_any_web_field_names_the_field(name, value):
    typed = frozenset({name}) if not isinstance(value, str) else frozenset()
    with pytest.raises(OptionsError) as caught:
        options_from_fields({name: value}, Settings(), typed)
    assert str(caught.value).startswith(name), str(caught.value)


@pytest.mark.parametrize("text", ["nan", "inf", "-inf"])
def test_a_number_field_must_be_finite(text):
    with pytest.raises(OptionsError, match=r"^tol must be a finite number"):
        options_from_fields({"tol": text}, Settings())


def test_unknown_and_server_controlled_options_are_refused_with_the_accepted_list():
    server_controlled = [f.name for f in dataclasses.fields(Options) if f.name not in WEB_FIELDS]
    assert {"max_bytes", "timeout", "max_image_pixels", "frames"} <= set(server_controlled)
    for name in server_controlled:
        with pytest.raises(OptionsError, match=rf"^unknown option: {name} \(accepted: k, "):
            options_from_fields({name: "1"}, Settings())
    with pytest.raises(OptionsError, match=r"^unknown options: a, b \(accepted: "):
        options_from_fields({"b": "1", "a": "2"}, Settings())


def test_the_servers_caps_bound_the_options():
    settings = Settings(
        max_k=9,
        max_n_init=2,
        max_max_iter=50,
        max_work_pixels=4096,
        options=Options(n_init=2, max_iter=50),
    )
    for name, cap in settings.option_caps().items():
        assert getattr(options_from_fields({name: str(cap)}, settings), name) == cap
        with pytest.raises(OptionsError, match=rf"^{name} must be at most {cap} on this server"):
            options_from_fields({name: str(cap + 1)}, settings)
    # no working-size limit (None) is the server's to give, not a request's
    with pytest.raises(OptionsError, match=r"^max_pixels must be an integer up to 4096"):
        options_from_fields({"max_pixels": None}, settings, frozenset({"max_pixels"}))


def test_the_request_starts_from_the_servers_defaults_and_limits():
    settings = Settings(max_upload_bytes=5000, options=Options(k=3, sort="hue"))
    options = options_from_fields({"sort": "share"}, settings)
    assert (options.k, options.sort, options.max_bytes) == (3, "share", 5000)
    assert options == settings.base_options().replace(sort="share")


def test_render_params_take_the_routes_sizes_and_labels_out_of_the_fields():
    settings = Settings(max_render_width=300)
    fields = {"width": " 300 ", "height": 2, "labels": "on", "k": "4"}
    assert render_params(fields, "bar", settings) == {"width": 300, "height": 2, "labels": True}
    assert fields == {"k": "4"}
    figure = {"width": "10", "bar_height": "20", "height": "5"}
    assert render_params(figure, "figure", settings) == {"width": 10, "bar_height": 20}
    assert figure == {"height": "5"}  # not a figure field: left for the options, which refuse it
    assert render_params({}, "bar", settings) == {}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"width": "0"}, "width must be an integer between 1 and 300, got 0"),
        ({"height": "301"}, "height must be an integer between 1 and 300, got 301"),
        ({"width": "wide"}, "width must be an integer, got 'wide'"),
        ({"width": True}, "width must be an integer between 1 and 300, got True"),
        ({"height": 2.0}, "height must be an integer between 1 and 300, got 2.0"),
        ({"labels": "maybe"}, "labels must be true or false, got 'maybe'"),
    ],
)
def test_bad_render_params_name_the_field(fields, message):
    with pytest.raises(OptionsError) as caught:
        render_params(fields, "bar", Settings(max_render_width=300))
    assert str(caught.value) == message


def test_export_format_is_a_registered_format_of_one_palette():
    served = [name for name, entry in FORMATS.items() if entry.holds != "many"]
    assert "json" in served and "css" in served and "jsonl" not in served
    for name in served:
        assert export_format(f" {name.upper()} ") == name
    for bad in ("jsonl", "docx", ""):
        with pytest.raises(ExportError) as caught:
            export_format(bad)
        assert str(caught.value) == f"unknown format {bad!r} (known: {', '.join(served)})"


def test_request_fields_are_no_option_and_cover_every_route_field():
    option_names = {f.name for f in dataclasses.fields(Options)}
    assert REQUEST_FIELD_NAMES.isdisjoint(option_names)
    route_fields = {name for sizes in RENDER_SIZES.values() for name in sizes}
    assert REQUEST_FIELD_NAMES == {"url", "format", "labels"} | route_fields


# --------------------------------------------------------------------------- one dialect

# Texts for every web option, good and bad; each is read by the CLI flag, a form field and
# a JSON string, and all three must agree.
_TEXTS = {
    "k": ["5", " 12 ", "auto", "AUTO", "0", "257", "2.5", "x", "", "1e3"],
    "kind": ["palette", "Theme", "other", ""],
    "space": ["oklab", "SRGB", "hsv"],
    "sort": ["hue", " lightness ", "random"],
    "seed": ["0", "7", "-1", "1.5", "9223372036854775808"],
    "n_init": ["1", "8", "0", "1001", "x"],
    "max_iter": ["1", "300", "0"],
    "tol": ["1e-3", "0", "nan", "inf", "-1", "small"],
    "max_pixels": ["250k", "250K", "1M", "4096", "12q", "0", "", "1.5k"],
    "histogram_bits": ["1", "8", "9", "x"],
    "alpha_threshold": ["0", "255", "256"],
    "composite_on": ["#fff", "#ffffff", "none", "", "#12345", "red"],
    "max_k": ["1", "12", "256", "257"],
    "crop": ["0,0,10,10", "10%,0%,90%,100%", "0.1,0,0.9,1", "1,2,3", "none", ""],
}

_BIG_SETTINGS = Settings(max_k=256, max_n_init=1000, max_max_iter=100_000, max_work_pixels=10**9)


class _Refused(Exception):
    pass


def _cli_value(name, text):
    import argparse

    from palettekit.cli.flags import add_extract_options, options_from_args
    from palettekit.options import option_specs

    class Parser(argparse.ArgumentParser):
        def error(self, message):
            raise _Refused(message)

    parser = Parser()
    add_extract_options(parser)
    spec = option_specs()[name][1]
    flag = (spec.flags or ("--" + name.replace("_", "-"),))[-1]
    args = parser.parse_args([f"{flag}={text}"])
    return getattr(options_from_args(args), name)


def _web_value(name, value, typed):
    try:
        return getattr(options_from_fields({name: value}, _BIG_SETTINGS, typed), name)
    except OptionsError as exc:
        raise _Refused(str(exc)) from None


def _outcome(read, *args):
    try:
        return ("accepted", read(*args))
    except _Refused:
        return ("refused", None)


def test_the_texts_cover_every_web_option():
    assert set(_TEXTS) | {"detect_background", "exclude_background"} == set(WEB_FIELDS)


@pytest.mark.parametrize(("name", "text"), [(n, t) for n, texts in _TEXTS.items() for t in texts])
def test_an_option_text_means_the_same_on_the_cli_in_a_form_and_in_json(name, text):
    cli = _outcome(_cli_value, name, text)
    form = _outcome(_web_value, name, text, frozenset())
    json_string = _outcome(_web_value, name, text, frozenset({name}))
    assert form == json_string
    if name == "max_pixels" and cli == ("accepted", None):
        # "none" (no working-size limit) is the CLI's; a server keeps its own cap
        assert form == ("refused", None)
    else:
        assert cli == form, (cli, form)


@pytest.mark.parametrize("name", ["detect_background", "exclude_background"])
def test_an_on_off_option_is_a_pair_of_flags_on_the_cli_and_a_word_on_the_web(name):
    flag = "--" + name.replace("_", "-")
    import argparse

    from palettekit.cli.flags import add_extract_options, options_from_args

    parser = argparse.ArgumentParser()
    add_extract_options(parser)
    on = getattr(options_from_args(parser.parse_args([flag])), name)
    off = getattr(options_from_args(parser.parse_args(["--no-" + flag[2:]])), name)
    assert (on, off) == (True, False)
    for word, value in [("true", True), ("on", True), ("1", True), ("no", False), ("", False)]:
        assert _web_value(name, word, frozenset()) is value
        assert _web_value(name, word, frozenset({name})) is value
    assert _web_value(name, True, frozenset({name})) is True
    with pytest.raises(_Refused, match=f"^{name} must be true or false"):
        _web_value(name, "perhaps", frozenset())


def test_max_pixels_with_a_suffix_over_http_as_form_and_json(client, photo_png):
    response = client.post(
        "/api/palette", files={"file": ("p.png", photo_png)}, data={"max_pixels": "250k"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["options"]["max_pixels"] == 250_000
