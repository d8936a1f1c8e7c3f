"""palettekit.cli.serve: ``palettekit serve``, light to import, a one-line hint without the
extra, its flags and their checks, a real server on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from palettekit.web.server import missing_web_packages
from server_helpers import get_json, start_serve


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_cli_module_imports_no_web_framework():
    done = run_python(
        "import sys, palettekit.cli.serve, palettekit.web.server, palettekit.web.settings\n"
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
        "from palettekit.cli.serve import run\n"
        "sys.exit(run(None))"
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "palettekit: error: the web app needs its extra packages: pip install 'palettekit[web]'"
    ]


# Locally the web extra may be absent; in CI it must be there.
needs_web = pytest.mark.skipif(
    os.environ.get("CI") != "true" and bool(missing_web_packages()),
    reason="the web extra is not installed",
)


@needs_web
def test_serve_runs_on_loopback_and_stops_on_interrupt():
    process, url = start_serve("-k", "8", "--sort", "hue", "--max-upload-mb", "2")
    try:
        assert get_json(f"{url}/api/health")["status"] == "ok"
        config = get_json(f"{url}/api/config")
        assert config["defaults"]["k"] == 8
        assert config["defaults"]["sort"] == "hue"
        assert config["limits"]["max_upload_bytes"] == 2 * 1024 * 1024
        assert config["allow_private_urls"] is False
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Traceback" not in err


@needs_web
def test_serve_on_a_busy_port_is_a_one_line_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "palettekit", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"palettekit: error: cannot listen on 127.0.0.1:{port}"
    )


@pytest.mark.parametrize(
    "flags", [["--max-upload-mb", "0"], ["--workers", "0"], ["--port", "70000"]]
)
def test_serve_with_bad_settings_is_a_usage_error(flags):
    done = subprocess.run(
        [sys.executable, "-m", "palettekit", "serve", *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("palettekit: error:")
    assert "Traceback" not in done.stderr


def test_serve_help_has_one_flag_per_limit():
    from palettekit.cli import build_parser
    from palettekit.cli.serve import settings_from_args

    parser = build_parser()
    serve = parser.commands["serve"]
    flags = {flag for action in serve._actions for flag in action.option_strings}
    assert "--max-upload-mb" in flags and "--max-bytes" not in flags  # one size limit
    assert "--fetch-timeout" in flags and "--timeout" not in flags  # one download time limit
    assert {"--k-limit", "--max-k", "--max-image-pixels"} <= flags
    args = parser.parse_args(["serve", "--k-limit", "32", "--max-k", "9", "-k", "6"])
    settings = settings_from_args(args)
    assert settings.max_k == 32  # the cap on what requests may ask for
    assert settings.options.max_k == 9 and settings.options.k == 6  # the defaults, as in extract
    assert settings.base_options().max_k == 9
    # --max-k means for serve what it means for extract
    extract_help = next(
        a.help for a in parser.commands["extract"]._actions if "--max-k" in a.option_strings
    )
    serve_help = next(a.help for a in serve._actions if "--max-k" in a.option_strings)
    assert serve_help == extract_help


def test_every_setting_is_a_serve_flag_read_and_checked_by_its_spec():
    from palettekit.cli import build_parser
    from palettekit.cli.serve import SETTING_DEST_PREFIX, settings_from_args
    from palettekit.web.settings import MIB, Settings, setting_specs

    serve = build_parser().commands["serve"]
    dests = {action.dest for action in serve._actions}
    assert {SETTING_DEST_PREFIX + name for name in setting_specs()} <= dests
    args = serve.parse_args(
        [
            "--max-upload-mb=0.5",
            "--max-iter-limit=50",
            "--max-work-pixels=4096",
            "--port=0",
            "--request-timeout=2.5",
            "--allow-private-urls",
            "--max-iter=40",
        ]
    )
    settings = settings_from_args(args)
    assert settings.max_upload_bytes == MIB // 2 and settings.max_max_iter == 50
    assert (settings.max_work_pixels, settings.port, settings.request_timeout) == (4096, 0, 2.5)
    assert settings.allow_private_urls and settings.options.max_iter == 40
    assert settings_from_args(serve.parse_args([])) == Settings()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--max-upload-mb", "0"], "expected a number of MiB above 0, got '0'"),
        (["--port", "70000"], "port must be between 0 (any free port) and 65535"),
        (["--workers", "0"], "workers must be a positive integer, got 0"),
        (["--queue-size", "-1"], "queue_size must be an integer >= 0, got -1"),
        (["--fetch-timeout", "0"], "fetch_timeout must be a positive number of seconds"),
        (["--k-limit", "x"], "expected an integer, got 'x'"),
    ],
)
def test_a_bad_setting_is_a_usage_error_naming_the_flag(flags, message, capsys):
    from palettekit.cli import main

    assert main(["serve", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"palettekit: error: argument {flags[0]}: {message}"), err


def test_serve_check_timeout_sets_the_header_checks_time_limit():
    from palettekit.cli import build_parser
    from palettekit.cli.serve import settings_from_args

    parser = build_parser()
    assert settings_from_args(parser.parse_args(["serve"])).check_timeout == 2.0
    args = parser.parse_args(["serve", "--check-timeout", "0.5"])
    assert settings_from_args(args).check_timeout == 0.5
