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


@pytest.mark.parametrize("fields", [{"k": "5"}, {"k": True}, {"k": 5.0}, {"sort": 3}, {"bogus": 1}])
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


def test_json_values_are_taken_as_they_are():
    settings = Settings()
    options = options_from_fields({"k": 3, "tol": 0.5}, settings, frozenset({"k", "tol"}))
    assert (options.k, options.tol) == (3, 0.5)
    # a string is not coerced when it came from JSON, so "5" for an integer is refused
    with pytest.raises(OptionsError, match=r"^k must be an integer, got '5'"):
        options_from_fields({"k": "5"}, settings, frozenset({"k"}))
    with pytest.raises(OptionsError, match=r"^detect_background must be True or False"):
        options_from_fields(
            {"detect_background": "true"}, settings, frozenset({"detect_background"})
        )


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
