"""``palettekit serve``: light to import, a one-line hint without the extra, settings checked."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from palettekit.errors import OptionsError
from palettekit.options import Options
from palettekit.web.cli import bind_socket
from palettekit.web.settings import Settings


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_cli_module_imports_no_web_framework():
    done = run_python(
        "import sys, palettekit.web.cli, palettekit.web.settings\n"
        "names = ('fastapi', 'starlette', 'uvicorn', 'pydantic')\n"
        "heavy = sorted(m for m in names if m in sys.modules)\n"
        "print(','.join(heavy))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_serve_without_the_extra_prints_a_one_line_hint():
    done = run_python(
        "import sys\n"
        "for name in ('fastapi', 'uvicorn', 'python_multipart', 'multipart'):\n"
        "    sys.modules[name] = None\n"
        "from palettekit.web.cli import run\n"
        "sys.exit(run(None))"
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "palettekit: error: the web app needs its extra packages: pip install palettekit[web]"
    ]


def test_bind_socket_picks_a_free_loopback_port_and_reports_a_busy_one():
    first = bind_socket("127.0.0.1", 0)
    try:
        host, port = first.getsockname()[:2]
        assert host == "127.0.0.1" and port > 0
        with pytest.raises(OSError):
            bind_socket("127.0.0.1", port).close()
    finally:
        first.close()
    with socket.socket() as probe:  # the port is free again
        probe.bind(("127.0.0.1", port))


@pytest.mark.parametrize(
    "changes",
    [
        {"port": 70000},
        {"port": -1},
        {"max_upload_bytes": 0},
        {"workers": 0},
        {"queue_size": -1},
        {"request_timeout": 0},
        {"fetch_timeout": float("nan")},
        {"max_k": True},
        {"options": {"k": 3}},
    ],
)
def test_bad_settings_are_refused(changes):
    with pytest.raises(OptionsError):
        Settings(**changes)


def test_base_options_apply_the_server_limits():
    settings = Settings(
        max_upload_bytes=1234,
        max_image_pixels=5678,
        fetch_timeout=3.0,
        max_work_pixels=10_000,
        options=Options(k=7, max_pixels=None),
    )
    base = settings.base_options()
    assert (base.k, base.max_bytes, base.max_image_pixels, base.timeout) == (7, 1234, 5678, 3.0)
    assert base.max_pixels == 10_000
