"""palettekit.web.openapi: the OpenAPI description of the API's bodies and answers."""

from __future__ import annotations

import json

import pytest

from palettekit.options import Options, option_specs
from palettekit.web.fields import RENDER_SIZES, REQUEST_FIELD_NAMES
from palettekit.web.openapi import (
    error_responses,
    option_schemas,
    request_body,
    route_field_schemas,
)
from palettekit.web.settings import Settings
from palettekit.web.status import ERROR_STATUSES

ROUTES = ("palette", "bar", "figure", "preview")


def test_openapi_document_describes_the_api(client):
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert {"/api/palette", "/api/bar.png", "/api/figure.png", "/api/config", "/api/health"} <= set(
        paths
    )
    body = paths["/api/palette"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/json", "image/*"} <= set(body)
    k_schema = body["multipart/form-data"]["schema"]["properties"]["k"]
    assert {"type": "integer", "minimum": 1, "maximum": 64} in k_schema["oneOf"]
    responses = paths["/api/palette"]["post"]["responses"]
    assert {"200", "400", "413", "415", "422", "504"} <= set(responses)


def _numeric_part(schema: dict) -> dict:
    """The part of a schema that carries the bounds (k's integer branch of its oneOf)."""
    parts = [p for p in schema.get("oneOf", [schema]) if "minimum" in p or "maximum" in p]
    assert len(parts) <= 1
    return parts[0] if parts else {}


@pytest.mark.parametrize(
    "settings",
    [
        Settings(),
        Settings(
            max_k=9,
            max_n_init=4,
            max_max_iter=50,
            max_work_pixels=5000,
            options=Options(k=3, n_init=4, max_iter=50, sort="hue"),
        ),
    ],
)
def test_option_schemas_are_exactly_the_web_settable_fields_with_their_bounds(settings):
    schemas = option_schemas(settings)
    assert tuple(schemas) == settings.client_option_names  # the same names, in field order
    specs = option_specs(Options)
    assert set(schemas) == {name for name, (_, spec) in specs.items() if spec.web}
    caps = settings.option_caps()
    base = settings.base_options()
    for name, schema in schemas.items():
        default, spec = specs[name]
        low, high = spec.bounds
        bounds = _numeric_part(schema)
        assert bounds.get("minimum") == low, name
        assert bounds.get("maximum") == caps.get(name, high), name
        value = getattr(base, name)
        assert schema.get("default") == value, name
        assert ("default" in schema) == (value is not None), name
        if spec.choices:
            assert schema["enum"] == list(spec.choices)
        if "oneOf" not in schema:
            kind = {bool: "boolean", int: "integer", float: "number"}.get(type(default), "string")
            assert schema["type"] == kind, name


def test_the_schemas_follow_the_servers_defaults_and_caps():
    settings = Settings(max_k=9, options=Options(k=3, sort="hue", max_k=20))
    schemas = option_schemas(settings)
    assert schemas["k"]["default"] == 3 and schemas["sort"]["default"] == "hue"
    assert _numeric_part(schemas["k"]) == {"type": "integer", "minimum": 1, "maximum": 9}
    assert schemas["max_k"]["default"] == 9 and schemas["max_k"]["maximum"] == 9
    assert "default" not in schemas["crop"] and "default" not in schemas["composite_on"]
    # the specs themselves are not changed by the caps
    assert option_specs(Options)["k"][1].schema["oneOf"][0]["maximum"] == 256


def test_route_fields_are_every_field_the_server_takes_beside_the_options():
    settings = Settings(max_render_width=300)
    assert list(route_field_schemas(settings, "palette")) == ["format"]
    assert route_field_schemas(settings, "palette")["format"]["default"] == "json"
    assert list(route_field_schemas(settings, "bar")) == ["width", "height", "labels"]
    assert list(route_field_schemas(settings, "figure")) == ["width", "bar_height", "labels"]
    assert route_field_schemas(settings, "preview") == {}
    for route in RENDER_SIZES:
        for name in RENDER_SIZES[route]:
            size = route_field_schemas(settings, route)[name]
            assert size == {"type": "integer", "minimum": 1, "maximum": 300}
    documented = {"url"} | {name for r in ROUTES for name in route_field_schemas(settings, r)}
    assert documented == REQUEST_FIELD_NAMES


@pytest.mark.parametrize("route", ROUTES)
def test_request_body_takes_a_file_a_url_or_bytes_with_the_options(route):
    settings = Settings(max_upload_bytes=5000)
    body = request_body(settings, route)
    assert body["required"] is True and "5000 bytes" in body["description"]
    content = body["content"]
    assert list(content) == ["multipart/form-data", "application/json", "image/*"]
    options = list(settings.client_option_names)
    extra = list(route_field_schemas(settings, route))
    form = content["multipart/form-data"]["schema"]["properties"]
    assert list(form) == ["file", "url", *options, *extra]
    as_json = content["application/json"]["schema"]
    assert list(as_json["properties"]) == ["url", *options, *extra]
    assert as_json["required"] == ["url"]
    assert content["image/*"]["schema"] == {"type": "string", "format": "binary"}


def test_error_responses_are_the_documented_statuses():
    responses = error_responses()
    assert list(responses) == [str(status) for status in ERROR_STATUSES]
    for status, text in ERROR_STATUSES.items():
        answer = responses[str(status)]
        assert answer["description"] == text
        schema = answer["content"]["application/json"]["schema"]
        assert schema["required"] == ["error"]
        assert schema["properties"]["error"]["required"] == ["type", "message"]


def test_the_served_document_uses_these_schemas(make_client):
    settings = {"max_k": 9, "max_render_width": 300}
    client = make_client(**settings)
    paths = client.get("/openapi.json").json()["paths"]
    for route, path in zip(ROUTES, ("palette", "bar.png", "figure.png", "preview"), strict=True):
        post = paths[f"/api/{path}"]["post"]
        want = json.loads(json.dumps(request_body(Settings(**settings), route)))
        assert post["requestBody"] == want
        errors = {code: answer for code, answer in post["responses"].items() if code != "200"}
        assert errors == json.loads(json.dumps(error_responses()))


def test_the_format_field_and_the_answers_media_types_come_from_the_registry():
    from palettekit.formats import FORMATS
    from palettekit.web.fields import served_formats
    from palettekit.web.openapi import palette_response_content

    served = served_formats()
    assert set(served) == {n for n, e in FORMATS.items() if e.holds != "many"}
    assert "jsonl" not in served and {"hex", "csv", "svg", "png"} <= set(served)
    assert route_field_schemas(Settings(), "palette")["format"]["enum"] == list(served)
    content = palette_response_content()
    assert set(content) == {FORMATS[n].media_type.split(";")[0] for n in served}
    assert content["application/json"]["schema"]["properties"]["schema"]["type"] == "string"


def test_the_config_answer_has_every_choice_bound_and_format_a_page_needs(make_client):
    from palettekit.formats import FORMATS
    from palettekit.web.openapi import config_body

    settings = Settings(max_k=20, max_render_width=2000)
    body = config_body(settings)
    assert body["options"] == option_schemas(settings)
    assert body["options"]["sort"]["enum"] == ["share", "lightness", "hue"]
    assert body["options"]["k"]["oneOf"][0]["maximum"] == 20
    assert body["options"]["max_k"]["maximum"] == 20
    assert body["limits"]["max_render_width"] == 2000
    names = [f["name"] for f in body["formats"]]
    assert names == sorted(names) and "hex" in names and "csv" in names
    for entry in body["formats"]:
        fmt = FORMATS[entry["name"]]
        assert entry == {
            "name": fmt.name,
            "title": fmt.title,
            "file_suffix": fmt.file_suffix,
            "media_type": fmt.media_type,
        }
    assert json.loads(json.dumps(body)) == body
    assert make_client(max_k=20, max_render_width=2000).get("/api/config").json() == body
