"""A real ``palettekit serve`` process for the tests of the command and the protocol."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request


def start_serve(*flags: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "palettekit",
            "serve",
            "--port",
            "0",
            "--log-level",
            "warning",
            *flags,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("palettekit: serving on http://127.0.0.1:"), (line, process.stderr)
    return process, line.split()[3]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())
