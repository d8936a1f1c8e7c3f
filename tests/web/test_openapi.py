"""palettekit.web.openapi: the OpenAPI description of the API's bodies and answers."""

from __future__ import annotations


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
