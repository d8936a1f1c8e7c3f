"""The public surface stays as it is: CLI help, CLI and web outputs, the OpenAPI document.

Each test compares against a file in tests/golden/surface/. Updating them is a
deliberate act (``PALETTEKIT_UPDATE_GOLDEN=1``, then review the diff): a change
here is a change users see.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from output_samples import GOLDEN_DIR, UPDATE_ENV
from palettekit import formats

SURFACE = GOLDEN_DIR / "surface"
COMMANDS = ("", "extract", "batch", "search", "serve")
MULTI_FORMATS = ("text", "json", "jsonl", "csv", "hex")


def _check(name: str, data: bytes) -> None:
    path = SURFACE / name
    if os.environ.get(UPDATE_ENV):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"missing golden {path} (set {UPDATE_ENV}=1 to write it)"
    assert data == path.read_bytes(), f"{name} differs from its golden file"


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "palettekit", *args],
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_help_text_of_every_command(command: str) -> None:
    result = _run(*([command] if command else []), "--help")
    assert result.returncode == 0, result.stderr
    _check(f"help_{command or 'top'}.txt", result.stdout)


def _two_images(folder: Path) -> list[str]:
    rng = np.random.default_rng(7)
    names = []
    for index, base in enumerate(((200, 40, 40), (30, 90, 200))):
        pixels = np.zeros((60, 80, 3), np.uint8)
        pixels[:, :40] = base
        pixels[:, 40:] = (240, 230, 200)
        pixels[40:, :] = (20, 20, 20)
        noise = rng.integers(-6, 7, size=pixels.shape)
        pixels = np.clip(pixels.astype(int) + noise, 0, 255).astype(np.uint8)
        name = f"img{index}.png"
        Image.fromarray(pixels).save(folder / name)
        names.append(name)
    return names


@pytest.mark.parametrize("fmt", MULTI_FORMATS)
def test_cli_output_of_several_images(tmp_path: Path, fmt: str) -> None:
    names = _two_images(tmp_path)
    result = _run(*names, "-k", "3", "--format", fmt, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    _check(f"cli_two_images.{fmt}", result.stdout)


def test_cli_merged_output(tmp_path: Path) -> None:
    names = _two_images(tmp_path)
    result = _run(*names, "-k", "4", "--merge", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    _check("cli_merged.json", result.stdout)


@pytest.mark.parametrize("fmt", sorted(formats.FORMATS))
def test_cli_output_of_every_registered_format(tmp_path: Path, fmt: str) -> None:
    names = _two_images(tmp_path)
    suffix = (formats.FORMATS[fmt].suffixes or (".out",))[0]
    result = _run(names[0], "-k", "3", "--format", fmt, "-o", f"out{suffix}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    _check(f"cli_one_image.{fmt}", (tmp_path / f"out{suffix}").read_bytes())


def _web_client():  # type: ignore[no-untyped-def]
    if os.environ.get("CI") != "true":
        pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from palettekit.web.app import create_app
    from palettekit.web.settings import Settings

    return TestClient(create_app(Settings()), raise_server_exceptions=False)


def test_openapi_document() -> None:
    with _web_client() as client:
        answer = client.get("/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    _check("openapi.json", text.encode())


def test_web_config() -> None:
    with _web_client() as client:
        answer = client.get("/api/config")
    assert answer.status_code == 200
    _check("web_config.json", answer.content)


# The web answers with one palette: web_palette.jsonl pins its refusal of jsonl.
@pytest.mark.parametrize("fmt", sorted(formats.FORMATS))
def test_web_palette_in_every_format(tmp_path: Path, fmt: str) -> None:
    data = (tmp_path / _two_images(tmp_path)[0]).read_bytes()
    with _web_client() as client:
        answer = client.post(
            "/api/palette",
            files={"file": ("img0.png", data, "image/png")},
            data={"k": "3", "format": fmt},
        )
    head = {
        "status": answer.status_code,
        "content-type": answer.headers.get("content-type"),
        "content-disposition": answer.headers.get("content-disposition"),
    }
    body = json.dumps(head, sort_keys=True).encode() + b"\n" + answer.content
    _check(f"web_palette.{fmt}", body)


def test_web_unknown_option_message() -> None:
    with _web_client() as client:
        answer = client.post("/api/palette", json={"url": "https://example.org/a.png", "nope": 1})
    _check("web_unknown_option.json", answer.content)


def test_png_output_is_an_image(tmp_path: Path) -> None:
    # The PNG goldens above are compared byte for byte; this checks they are sane.
    names = _two_images(tmp_path)
    result = _run(names[0], "-k", "3", "--format", "png", "-o", "bar.png", cwd=tmp_path)
    assert result.returncode == 0
    with Image.open(io.BytesIO((tmp_path / "bar.png").read_bytes())) as image:
        assert image.format == "PNG"
