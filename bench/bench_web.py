"""Bounded load test of the web app on loopback: good and hostile requests mixed.

Starts ``palettekit.web`` on uvicorn in a child process bound to 127.0.0.1 on a
free port, sends a fixed number of requests from a few client threads (every
target is that server; nothing leaves the machine), then reports:

- the rate served (all requests, and good palettes per second);
- the error mix: status codes per kind of request, and whether each kind got
  the status it should;
- latency of the good requests (p50, p95, max);
- the server's memory: RSS at start, at the end, and its peak (VmHWM);
- whether the server still answers ``/api/health`` and a good request at the end.

Then three attacks of issue 11, one after the other, each bounded in count
and time, while a prober asks ``/api/health`` every 50 ms; for each the
report gives the attack's statuses, the health latency during it (p50, p95,
max, failures) and the server's memory (RSS after, peak so far):

- wide samples: concurrent uploads of small files that decode big (a
  7000x7000 float TIFF of 312 KB, a 16-bit PNG, a lossless WebP);
- idle connections: 500 sockets that send nothing and 50 that send their
  head a byte at a time, held for twice the server's head deadline;
- marker floods: 19 MB JPEGs of 5 million COM markers and a PNG of 1.6
  million tiny chunks, whose headers take Pillow seconds to parse.

The run is bounded twice: ``--requests`` in all, and ``--max-seconds`` of
wall time, after which the clients stop sending; the attacks add at most
about a minute (``--no-attacks`` leaves them out).

    python bench/bench_web.py                    # 300 requests, 6 clients (~30 s on 2 cores)
    python bench/bench_web.py --requests 60 --clients 3 --json out.json
"""

from __future__ import annotations

import argparse
import collections
import http.client
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

SERVER_CODE = """
import asyncio, sys, time
import uvicorn
from palettekit.web.app import create_app
from palettekit.web.server import (
    bind_socket, raise_open_file_limit, return_large_buffers, uvicorn_config)
from palettekit.web.settings import Settings
settings = Settings(workers={workers}, queue_size={queue_size}, request_timeout={request_timeout},
                    fetch_timeout=2.0, max_upload_bytes={max_upload_bytes},
                    header_timeout={header_timeout}, allow_private_urls={allow_private_urls})
sock = bind_socket("127.0.0.1", 0)
raise_open_file_limit(settings.max_connections + 256)
return_large_buffers()  # as `palettekit serve`
app = create_app(settings)
import threading
threading.Thread(target=app.state.services.start, daemon=True).start()  # as `palettekit serve`
server = uvicorn.Server(uvicorn_config(app, settings, log_level="warning"))

async def watch_the_loop(path):
    # How late a 10 ms sleep wakes up is how long the event loop could not
    # run it; the loop thread's CPU time over the same interval says how much
    # of that the loop itself was busy (the rest: waiting for the GIL or for
    # a core on a loaded machine).
    with open(path, "w") as out:
        while True:
            started, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(0.01)
            late = time.perf_counter() - started - 0.01
            busy = time.thread_time() - cpu
            if late > 0.005:
                out.write(f"{{time.time():.3f}} {{late * 1000:.1f}} {{busy * 1000:.1f}}\\n")
                out.flush()

async def main():
    watcher = asyncio.ensure_future(watch_the_loop({lag_file!r}))
    print(sock.getsockname()[1], flush=True)
    await server.serve(sockets=[sock])
    watcher.cancel()

asyncio.run(main())
"""


def loop_stalls(path: str, start: float, end: float) -> dict[str, object]:
    """Event-loop stalls the server recorded between two wall-clock times: how
    late its 10 ms timer fired (wall), and how much of that the loop thread
    was running (busy: work done on the loop itself)."""
    wall, busy = [], []
    try:
        with open(path) as lines:
            for line in lines:
                when, late_ms, busy_ms = line.split()
                if start <= float(when) <= end + 0.5:
                    wall.append(float(late_ms))
                    busy.append(float(busy_ms))
    except (OSError, ValueError):
        return {"recorded": False}
    return {
        "late_over_5ms": len(wall),
        "late_max_ms": max(wall, default=0.0),
        "busy_over_50ms": sum(1 for value in busy if value > 50),
        "busy_max_ms": max(busy, default=0.0),
    }


# --------------------------------------------------------------------------- payloads


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(image: Image.Image, quality: int = 88) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def photo_like(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack(
        [255 * x / width, 255 * y / height, 128 + 100 * np.sin(x / 23.0) * np.cos(y / 17.0)],
        axis=-1,
    )
    pixels = pixels + rng.normal(0, 14, (height, width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def bomb_png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    idat = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def multipart(fields: dict[str, str], file_name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Payloads:
    small_png: bytes
    medium_jpeg: bytes
    large_jpeg: bytes
    truncated: bytes
    bomb: bytes
    text: bytes
    oversize: bytes

    @classmethod
    def make(cls, corpus: Path | None, max_upload_bytes: int) -> Payloads:
        small = png_bytes(photo_like(256, 192, 1))
        medium = jpeg_bytes(photo_like(1024, 768, 2))
        large = None
        if corpus is not None:
            photos = sorted((corpus / "unsplash" / "1920x1280").glob("*.jpg"))
            if photos:
                large = photos[0].read_bytes()
        if large is None:
            large = jpeg_bytes(photo_like(1920, 1280, 3))
        return cls(
            small_png=small,
            medium_jpeg=medium,
            large_jpeg=large,
            truncated=small[: len(small) // 3],
            bomb=bomb_png(60_000, 60_000),
            text=b"this is not an image\n" * 200,
            oversize=b"\0" * (max_upload_bytes + 1024 * 1024),
        )


# --------------------------------------------------------------------------- requests


@dataclass
class Result:
    kind: str
    status: int  # 0: connection error
    seconds: float
    expected: tuple[int, ...]


@dataclass
class Tally:
    results: list[Result] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, result: Result) -> None:
        with self.lock:
            self.results.append(result)


def post(port: int, path: str, body: bytes, content_type: str, timeout: float = 60.0) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": content_type})
        response = connection.getresponse()
        response.read()
        return response.status
    except (ConnectionError, http.client.HTTPException, OSError):
        return 0
    finally:
        connection.close()


def oversize_upload(port: int, total: int, chunked: bool) -> int:
    """An upload far over the cap, with or without Content-Length, sent on a raw socket so
    that the server's early answer is read even after it stops reading; returns its status."""
    chunk = b"\0" * (256 * 1024)
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % total
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(
            b"POST /api/palette HTTP/1.1\r\nHost: bench\r\nContent-Type: image/png\r\n"
            + framing
            + b"\r\n\r\n"
        )
        sent = 0
        try:
            while sent < total:
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n" if chunked else chunk)
                sent += len(chunk)
        except OSError:
            pass
        answer = b""
        try:
            while b"\r\n" not in answer:
                piece = sock.recv(4096)
                if not piece:
                    break
                answer += piece
        except OSError:
            pass
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def stalled_upload(port: int, seconds: float) -> int:
    """Announce a body, send half of it, stall, then give up (a slow client)."""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds + 5) as sock:
        sock.sendall(
            b"POST /api/palette HTTP/1.1\r\nHost: bench\r\nContent-Type: image/png\r\n"
            b"Content-Length: 100000\r\n\r\n" + b"\0" * 50_000
        )
        time.sleep(seconds)
    return -1  # no answer expected: the client leaves


def make_kinds(
    port: int, payloads: Payloads, rng: random.Random
) -> dict[str, tuple[float, object]]:
    """Request kinds: weight, and a function returning (status, expected statuses)."""

    def good(data: bytes, name: str):  # type: ignore[no-untyped-def]
        def run() -> tuple[int, tuple[int, ...]]:
            fields = {
                "k": str(rng.randint(2, 12)),
                "sort": rng.choice(["share", "hue", "lightness"]),
            }
            body, kind = multipart(fields, name, data)
            return post(port, "/api/palette", body, kind), (200, 503)

        return run

    def hostile(body_fn, path: str, expected: tuple[int, ...]):  # type: ignore[no-untyped-def]
        def run() -> tuple[int, tuple[int, ...]]:
            body, kind = body_fn()
            return post(port, path, body, kind), expected

        return run

    oversize = len(payloads.oversize)

    def json_url(url: str):  # type: ignore[no-untyped-def]
        return lambda: (json.dumps({"url": url}).encode(), "application/json")

    return {
        "good small png": (20, good(payloads.small_png, "small.png")),
        "good 1024px jpeg": (12, good(payloads.medium_jpeg, "medium.jpg")),
        "good 1920px photo": (6, good(payloads.large_jpeg, "large.jpg")),
        "good bar png": (
            4,
            hostile(
                lambda: multipart({"k": "6"}, "s.png", payloads.small_png),
                "/api/bar.png",
                (200, 503),
            ),
        ),
        "oversize (Content-Length)": (4, lambda: (oversize_upload(port, oversize, False), (413,))),
        "oversize (chunked)": (2, lambda: (oversize_upload(port, 8 * oversize, True), (413,))),
        "not an image": (
            8,
            hostile(lambda: multipart({}, "notes.png", payloads.text), "/api/palette", (415,)),
        ),
        "bomb header": (
            8,
            hostile(lambda: multipart({}, "bomb.png", payloads.bomb), "/api/palette", (413,)),
        ),
        "truncated image": (
            6,
            hostile(
                lambda: multipart({}, "cut.png", payloads.truncated), "/api/palette", (422, 503)
            ),
        ),
        "bad options": (
            8,
            hostile(
                lambda: multipart(
                    {"k": rng.choice(["0", "999", "x"])}, "s.png", payloads.small_png
                ),
                "/api/palette",
                (400,),
            ),
        ),
        "private URL (literal)": (
            6,
            hostile(json_url("http://169.254.169.254/latest/meta-data"), "/api/palette", (400,)),
        ),
        "private URL (name)": (
            6,
            hostile(json_url(f"http://localhost:{port}/api/health"), "/api/palette", (400, 503)),
        ),
        "bad JSON": (4, hostile(lambda: (b"{nope", "application/json"), "/api/palette", (400,))),
        "stalled upload": (2, lambda: (stalled_upload(port, 1.5), (-1,))),
    }


# --------------------------------------------------------------------------- server


def rss_kib(pid: int) -> dict[str, int]:
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()


def start_server(
    args: argparse.Namespace, allow_private_urls: bool = False
) -> tuple[subprocess.Popen[str], int]:
    code = SERVER_CODE.format(
        allow_private_urls=allow_private_urls,
        workers=args.workers,
        queue_size=args.queue_size,
        request_timeout=args.request_timeout,
        max_upload_bytes=args.max_upload_mb * 1024 * 1024,
        header_timeout=args.header_timeout,
        lag_file=args.lag_file,
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": ""},
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    deadline = time.monotonic() + 20
    while get(port, "/api/health") != 200:
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise SystemExit("bench_web: the server did not start")
        time.sleep(0.05)
    return process, port


# --------------------------------------------------------------------------- attacks


class HealthProbe:
    """Asks ``/api/health`` every ``interval`` seconds on a new connection; keeps latencies."""

    def __init__(self, port: int, interval: float = 0.05):
        self.port = port
        self.interval = interval
        self.latencies: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            status = get(self.port, "/api/health")
            if status == 200:
                self.latencies.append(time.perf_counter() - started)
            else:
                self.failures += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(15)

    def summary(self) -> dict[str, object]:
        values = sorted(self.latencies)
        if not values:
            return {"answered": 0, "failures": self.failures}

        def ms(q: float) -> float:
            return round(1000 * values[min(len(values) - 1, int(q * len(values)))], 1)

        return {
            "answered": len(values),
            "failures": self.failures,
            "p50_ms": ms(0.5),
            "p95_ms": ms(0.95),
            "max_ms": round(1000 * values[-1], 1),
        }


def _image_file(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def wide_sample_files() -> dict[str, bytes]:
    """Small files that decode big (issue 11.1)."""
    side = 7000
    return {
        "float TIFF 7000x7000": _image_file(
            Image.new("F", (side, side), 0.5), "TIFF", compression="tiff_deflate"
        ),
        "16-bit PNG 7000x7000": _image_file(Image.new("I;16", (side, side), 30000), "PNG"),
        "lossless WebP 7000x7000": _image_file(
            Image.new("RGB", (side, side), (10, 20, 30)), "WEBP", lossless=True
        ),
    }


def marker_flood_files(max_upload_bytes: int) -> dict[str, bytes]:
    """Files whose header takes Pillow seconds to parse (issue 11.3)."""
    jpeg = _image_file(Image.new("RGB", (16, 16), (200, 30, 30)), "JPEG")
    room = max(0, min(19 * 2**20, max_upload_bytes - 64 * 1024) - len(jpeg))
    com_flood = jpeg[:2] + b"\xff\xfe\x00\x02" * (room // 4) + jpeg[2:]
    png = _image_file(Image.new("RGB", (16, 16), (30, 200, 30)), "PNG")
    chunk = (0).to_bytes(4, "big") + b"tEXt" + zlib.crc32(b"tEXt").to_bytes(4, "big")
    count = min(1_600_000, max(0, max_upload_bytes - 64 * 1024 - len(png)) // len(chunk))
    ihdr_end = 8 + 25  # signature, then the IHDR chunk
    chunk_flood = png[:ihdr_end] + chunk * count + png[ihdr_end:]
    return {"COM-marker JPEG (19 MB)": com_flood, "tiny-chunk PNG": chunk_flood}


def _upload_all(port: int, items: list[tuple[str, bytes]], timeout: float) -> dict[str, dict]:
    counts: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    lock = threading.Lock()

    def one(name: str, data: bytes) -> None:
        status = post(port, "/api/palette", data, "application/octet-stream", timeout=timeout)
        with lock:
            counts[name][status] += 1

    threads = [threading.Thread(target=one, args=item, daemon=True) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 5)
    return {name: dict(sorted(counter.items())) for name, counter in sorted(counts.items())}


def attack_wide_samples(port: int, pid: int, copies: int) -> dict[str, object]:
    files = wide_sample_files()
    items = [(name, data) for name, data in files.items() for _ in range(copies)]
    with HealthProbe(port) as probe:
        statuses = _upload_all(port, items, timeout=60)
    return {
        "attack": f"{copies} concurrent uploads of each: "
        + ", ".join(f"{name} ({len(data) // 1024} KB)" for name, data in files.items()),
        "statuses": statuses,
        "health": probe.summary(),
        "server_rss_mib": _memory(pid),
    }


def attack_idle_connections(
    port: int, pid: int, idle: int, slow: int, hold: float
) -> dict[str, object]:
    sockets: list[socket.socket] = []
    closed_by_server = 0
    head = b"GET /api/health HTTP/1.1\r\nHost: bench\r\nX-Slow: " + b"a" * 4000
    try:
        with HealthProbe(port) as probe:
            for _ in range(idle + slow):
                try:
                    sockets.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                except OSError:
                    break
            for sock in sockets:
                sock.setblocking(False)
            end = time.monotonic() + hold
            position = 0
            while time.monotonic() < end:
                for sock in sockets[idle:]:  # the slow ones: one more byte each
                    try:
                        sock.send(head[position : position + 1])
                    except OSError:
                        pass
                position = min(position + 1, len(head) - 1)
                time.sleep(0.2)
            for sock in sockets:
                try:
                    if sock.recv(1) == b"":
                        closed_by_server += 1
                except BlockingIOError:
                    pass
                except OSError:
                    closed_by_server += 1
    finally:
        for sock in sockets:
            sock.close()
    return {
        "attack": f"{idle} idle and {slow} slow-header connections held {hold:g} s",
        "opened": len(sockets),
        "closed_by_server": closed_by_server,
        "health": probe.summary(),
        "server_rss_mib": _memory(pid),
    }


def attack_marker_floods(port: int, pid: int, copies: int, max_upload_bytes: int) -> dict:
    files = marker_flood_files(max_upload_bytes)
    items = [(name, data) for name, data in files.items() for _ in range(copies)]
    with HealthProbe(port) as probe:
        statuses = _upload_all(port, items, timeout=60)
    return {
        "attack": f"{copies} concurrent uploads of each: "
        + ", ".join(f"{name} ({len(data) // 2**20} MB)" for name, data in files.items()),
        "statuses": statuses,
        "health": probe.summary(),
        "server_rss_mib": _memory(pid),
    }


def _descendants(pid: int) -> list[int]:
    """The processes under ``pid`` (the fork server and the worker processes it starts)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as children:
                    kids = [int(child) for child in children.read().split()]
            except OSError:
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def _pss_kib(pid: int) -> int:
    """A process's proportional set size: its private pages plus its share of the pages it
    shares (workers share what the fork server imported, which RSS would count each time)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        return rss_kib(pid)["VmRSS"]
    except (OSError, KeyError):
        return 0


def _memory(pid: int) -> dict[str, float]:
    """The server process's RSS now and at its peak, and the PSS of its worker processes
    (and fork server) now, summed."""
    values = rss_kib(pid)
    workers = sum(_pss_kib(child) for child in _descendants(pid))
    return {
        "now": round(values["VmRSS"] / 1024, 1),
        "peak": round(values["VmHWM"] / 1024, 1),
        "workers_now": round(workers / 1024, 1),
    }


class MemoryWatch:
    """Samples the memory of the server (RSS) and its worker processes (PSS), summed,
    every 0.2 s."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            memory = _memory(self.pid)
            self.peak = max(self.peak, memory["now"] + memory["workers_now"])
            self._stop.wait(0.2)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


# --------------------------------------------------------------------------- round two


def fill_byte_jpeg(size: int) -> bytes:
    """SOI and then ``size`` bytes of 0xFF fill: the segment counter and Pillow step
    through it one byte at a time (18 s in the CLI for 19 MB)."""
    return b"\xff\xd8" + b"\xff" * size


def post_idat_chunk_png(count: int) -> bytes:
    """A small PNG with ``count`` empty chunks between its IDAT and IEND (1.66 M: 4 s)."""
    png = _image_file(Image.new("RGB", (16, 16), (30, 30, 200)), "PNG")
    chunk = (0).to_bytes(4, "big") + b"tEXt" + zlib.crc32(b"tEXt").to_bytes(4, "big")
    return png[:-12] + chunk * count + png[-12:]


def attack_with_bystanders(
    port: int, pid: int, name: str, body: bytes, attackers: int, seconds: float, good: bytes
) -> dict[str, object]:
    """``attackers`` connections upload ``body`` in a loop for ``seconds`` while three other
    clients post a small good PNG one after another: the share of theirs answered 200."""
    stop = time.monotonic() + seconds
    attack_counts: collections.Counter[int] = collections.Counter()
    good_counts: collections.Counter[int] = collections.Counter()
    lock = threading.Lock()

    def attacker() -> None:
        while time.monotonic() < stop:
            status = post(port, "/api/palette", body, "image/jpeg", timeout=60)
            with lock:
                attack_counts[status] += 1

    def bystander() -> None:
        time.sleep(0.5)  # the attack first
        while time.monotonic() < stop:
            status = post(port, "/api/palette?k=4", good, "image/png", timeout=60)
            with lock:
                good_counts[status] += 1
            time.sleep(0.2)

    threads = [threading.Thread(target=attacker, daemon=True) for _ in range(attackers)]
    threads += [threading.Thread(target=bystander, daemon=True) for _ in range(3)]
    with HealthProbe(port) as probe, MemoryWatch(pid) as memory:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 70)
    total = sum(good_counts.values())
    return {
        "attack": f"{attackers} connections uploading {name} ({len(body) // 2**20} MB) "
        f"in a loop for {seconds:g} s, 3 other clients posting a small PNG",
        "statuses": {"attack": dict(attack_counts), "others": dict(good_counts)},
        "others_ok_percent": round(100 * good_counts[200] / total, 1) if total else None,
        "health": probe.summary(),
        "server_rss_mib": {**_memory(pid), "tree_peak_sampled": round(memory.peak, 1)},
    }


def attack_form_bodies(port: int, pid: int, max_upload_bytes: int) -> dict[str, object]:
    """4 COM-marker JPEGs and a body of '&' sent as application/x-www-form-urlencoded."""
    files = marker_flood_files(max_upload_bytes)
    jpeg = files["COM-marker JPEG (19 MB)"]
    ampersands = b"&" * min(19 * 2**20, max_upload_bytes - 64 * 1024)
    items = [("COM-marker JPEG as a form", jpeg)] * 4 + [("19 MB of '&' as a form", ampersands)]
    counts: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    lock = threading.Lock()

    def one(name: str, data: bytes) -> None:
        status = post(port, "/api/palette", data, "application/x-www-form-urlencoded", 60)
        with lock:
            counts[name][status] += 1

    threads = [threading.Thread(target=one, args=item, daemon=True) for item in items]
    with HealthProbe(port) as probe, MemoryWatch(pid) as memory:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(70)
    return {
        "attack": "4 COM-marker JPEGs (19 MB) and 19 MB of '&', all as "
        "application/x-www-form-urlencoded, at once",
        "statuses": {name: dict(counter) for name, counter in counts.items()},
        "health": probe.summary(),
        "server_rss_mib": {**_memory(pid), "tree_peak_sampled": round(memory.peak, 1)},
    }


def _raw_request(port: int, head: bytes, body_iter: object, timeout: float) -> int:
    """Send ``head`` and the byte strings of ``body_iter``; the status answered (0: none)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(head)
            try:
                for piece in body_iter:  # type: ignore[attr-defined]
                    sock.sendall(piece)
            except OSError:
                pass
            answer = b""
            try:
                while b"\r\n" not in answer:
                    piece = sock.recv(4096)
                    if not piece:
                        break
                    answer += piece
            except OSError:
                pass
    except OSError:
        return 0
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def attack_slow_bodies(port: int, pid: int, good: bytes, seconds: float) -> dict[str, object]:
    """8 chunked POSTs sending about 4 bytes a second, reopened after each answer, while
    another client posts a small PNG every half second."""
    stop = time.monotonic() + seconds
    slow_counts: collections.Counter[int] = collections.Counter()
    good_counts: collections.Counter[int] = collections.Counter()
    lock = threading.Lock()
    head = (
        b"POST /api/palette HTTP/1.1\r\nHost: bench\r\nContent-Type: image/png\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )

    def trickle():  # type: ignore[no-untyped-def]
        while time.monotonic() < stop:
            yield b"1\r\nx\r\n"
            time.sleep(0.25)

    def slow() -> None:
        while time.monotonic() < stop:
            status = _raw_request(port, head, trickle(), timeout=seconds + 10)
            with lock:
                slow_counts[status] += 1

    def other() -> None:
        time.sleep(1.0)
        while time.monotonic() < stop:
            status = post(port, "/api/palette?k=4", good, "image/png", timeout=60)
            with lock:
                good_counts[status] += 1
            time.sleep(0.5)

    threads = [threading.Thread(target=slow, daemon=True) for _ in range(8)]
    threads.append(threading.Thread(target=other, daemon=True))
    with HealthProbe(port) as probe:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 20)
    return {
        "attack": f"8 chunked POSTs at about 4 bytes/s for {seconds:g} s, reopened after "
        "each answer; another client posts a small PNG every 0.5 s",
        "statuses": {"slow": dict(slow_counts), "others": dict(good_counts)},
        "health": probe.summary(),
        "server_rss_mib": _memory(pid),
    }


def attack_framing_and_json(port: int, pid: int, max_upload_bytes: int) -> dict[str, object]:
    """Bodies that declare one length and send another: Content-Length 1 with a chunked
    19 MB body (x 30), and 20 MB JSON bodies (x 8)."""
    size = min(19 * 2**20, max_upload_bytes - 64 * 1024)
    chunk = b"\0" * 65536

    def chunked_body():  # type: ignore[no-untyped-def]
        for _ in range(size // len(chunk)):
            yield b"%x\r\n" % len(chunk) + chunk + b"\r\n"
        yield b"0\r\n\r\n"

    both = (
        b"POST /api/palette HTTP/1.1\r\nHost: bench\r\nContent-Type: image/png\r\n"
        b"Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    json_body = b'{"url": "https://example.org/a.png", "pad": "' + b"x" * (20 * 2**20) + b'"}'
    json_head = (
        b"POST /api/palette HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(json_body)
    )
    counts: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    lock = threading.Lock()

    def one(name: str, head: bytes, body: object) -> None:
        status = _raw_request(port, head, body, timeout=60)
        with lock:
            counts[name][status] += 1

    items = [("Content-Length 1 + chunked 19 MB", both, None) for _ in range(30)]
    items += [("JSON 20 MB", json_head, None) for _ in range(8)]
    threads = [
        threading.Thread(
            target=one,
            args=(name, head, chunked_body() if name.startswith("Content") else [json_body]),
            daemon=True,
        )
        for name, head, _ in items
    ]
    with HealthProbe(port) as probe, MemoryWatch(pid) as memory:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
    return {
        "attack": "30 requests with Content-Length: 1 and a chunked 19 MB body, "
        "8 JSON bodies of 20 MB, at once",
        "statuses": {name: dict(counter) for name, counter in counts.items()},
        "health": probe.summary(),
        "server_rss_mib": {**_memory(pid), "tree_peak_sampled": round(memory.peak, 1)},
    }


def attack_hanging_fetches(args: argparse.Namespace, seconds: float) -> dict[str, object]:
    """3 connections ask for URLs that never answer, in a loop, on a server of their own that
    may fetch from loopback (fetch limit 2 s), while 3 other clients post a small PNG: the
    fetches still running just after each 504 (before: 7 of 8 slots stayed taken)."""
    import http.server

    class Hanging(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            time.sleep(seconds + 5)  # never answers within the fetch limit

        def log_message(self, *args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

    hanging = Server(("127.0.0.1", 0), Hanging)
    threading.Thread(target=hanging.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{hanging.server_address[1]}/never.png"
    own = argparse.Namespace(**{**vars(args), "lag_file": args.lag_file + ".fetch"})
    process, port = start_server(own, allow_private_urls=True)
    started = time.time()
    good = png_bytes(photo_like(160, 120, seed=3))
    stop = time.monotonic() + seconds
    fetch_counts: collections.Counter[int] = collections.Counter()
    good_counts: collections.Counter[int] = collections.Counter()
    after_504: list[int] = []
    lock = threading.Lock()

    def in_progress() -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", "/api/health")
            return int(json.loads(connection.getresponse().read())["fetches_in_progress"])
        finally:
            connection.close()

    def attacker() -> None:
        body = json.dumps({"url": target}).encode()
        while time.monotonic() < stop:
            status = post(port, "/api/palette", body, "application/json", timeout=60)
            running = in_progress() if status == 504 else None
            with lock:
                fetch_counts[status] += 1
                if running is not None:
                    after_504.append(running)

    def bystander() -> None:
        while time.monotonic() < stop:
            status = post(port, "/api/palette?k=4", good, "image/png", timeout=60)
            with lock:
                good_counts[status] += 1
            time.sleep(0.2)

    threads = [threading.Thread(target=attacker, daemon=True) for _ in range(3)]
    threads += [threading.Thread(target=bystander, daemon=True) for _ in range(3)]
    try:
        with HealthProbe(port) as probe:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(seconds + 30)
        memory = _memory(process.pid)
        stalls = loop_stalls(own.lag_file, started, time.time())
    finally:
        process.terminate()
        process.wait(10)
        hanging.shutdown()
        hanging.server_close()
        try:
            os.unlink(own.lag_file)
        except OSError:
            pass
    total = sum(good_counts.values())
    return {
        "attack": f"3 connections asking for URLs that hang, in a loop for {seconds:g} s "
        "(fetch limit 2 s), 3 other clients posting a small PNG",
        "statuses": {"fetches": dict(fetch_counts), "others": dict(good_counts)},
        "others_ok_percent": round(100 * good_counts[200] / total, 1) if total else None,
        "fetches_running_after_a_504": {
            "max": max(after_504, default=0),
            "mean": round(statistics.fmean(after_504), 2) if after_504 else 0,
        },
        "health": probe.summary(),
        "server_rss_mib": memory,
        "event_loop_stalls": stalls,
    }


def unbounded_format_files() -> dict[str, bytes]:
    """Tiny files of formats whose decode memory no header estimate covered (issue 20.1),
    where this Pillow can write them: the worker's address-space cap is their backstop."""
    from PIL import features

    side = 7000
    files = {}
    if features.check("jpg_2000"):
        files["JPEG 2000 7000x7000"] = _image_file(
            Image.new("RGB", (side, side), (10, 20, 30)), "JPEG2000", irreversible=False
        )
    try:
        files["AVIF 7000x7000"] = _image_file(Image.new("RGB", (side, side), (30, 20, 10)), "AVIF")
    except (KeyError, OSError, ValueError):
        pass
    return files


def attack_unbounded_formats(port: int, pid: int, copies: int) -> dict[str, object]:
    files = unbounded_format_files()
    items = [(name, data) for name, data in files.items() for _ in range(copies)]
    with HealthProbe(port) as probe, MemoryWatch(pid) as memory:
        statuses = _upload_all(port, items, timeout=60)
    return {
        "attack": f"{copies} concurrent uploads of each: "
        + ", ".join(f"{name} ({len(data) / 1024:.1f} KB)" for name, data in files.items()),
        "statuses": statuses,
        "health": probe.summary(),
        "server_rss_mib": {**_memory(pid), "tree_peak_sampled": round(memory.peak, 1)},
    }


def run_round_two(args: argparse.Namespace, port: int, pid: int) -> list[dict[str, object]]:
    """The server attacks of issue 20 (sections 2, 3, 4), one after the other."""
    max_upload = args.max_upload_mb * 1024 * 1024
    good = png_bytes(photo_like(160, 120, seed=3))
    size = min(19 * 2**20, max_upload - 64 * 1024)
    attacks = [
        lambda: attack_unbounded_formats(port, pid, args.attack_copies),
        lambda: attack_with_bystanders(
            port, pid, "SOI + 0xFF fill", fill_byte_jpeg(size), 3, args.attack_seconds, good
        ),
        lambda: attack_with_bystanders(
            port,
            pid,
            "a PNG with 1.66 M chunks after IDAT",
            post_idat_chunk_png(min(1_660_000, (size - 200) // 12)),
            3,
            args.attack_seconds,
            good,
        ),
        lambda: attack_form_bodies(port, pid, max_upload),
        lambda: attack_slow_bodies(port, pid, good, args.attack_seconds),
        lambda: attack_framing_and_json(port, pid, max_upload),
        lambda: attack_hanging_fetches(args, args.attack_seconds),
    ]
    results = []
    for attack in attacks:
        started = time.time()
        result = attack()
        result.setdefault("event_loop_stalls", loop_stalls(args.lag_file, started, time.time()))
        results.append(result)
    return results


def run_attacks(args: argparse.Namespace, port: int, pid: int) -> list[dict[str, object]]:
    max_upload = args.max_upload_mb * 1024 * 1024
    attacks = [
        lambda: attack_wide_samples(port, pid, copies=args.attack_copies),
        lambda: attack_idle_connections(
            port, pid, idle=500, slow=50, hold=max(2 * args.header_timeout, 2.0)
        ),
        lambda: attack_marker_floods(
            port, pid, copies=args.attack_copies, max_upload_bytes=max_upload
        ),
    ]
    results = []
    for attack in attacks:
        started = time.time()
        result = attack()
        result.setdefault("event_loop_stalls", loop_stalls(args.lag_file, started, time.time()))
        results.append(result)
    return results


# --------------------------------------------------------------------------- run


def run(args: argparse.Namespace) -> dict[str, object]:
    rng = random.Random(args.seed)
    corpus = Path(args.corpus) if args.corpus and Path(args.corpus).is_dir() else None
    payloads = Payloads.make(corpus, args.max_upload_mb * 1024 * 1024)
    process, port = start_server(args)
    try:
        memory_start = rss_kib(process.pid)
        kinds = make_kinds(port, payloads, rng)
        names = list(kinds)
        weights = [kinds[name][0] for name in names]
        plan = rng.choices(names, weights=weights, k=args.requests)
        tally = Tally()
        next_index = 0
        index_lock = threading.Lock()
        stop_at = time.monotonic() + args.max_seconds

        def client() -> None:
            nonlocal next_index
            while time.monotonic() < stop_at:
                with index_lock:
                    if next_index >= len(plan):
                        return
                    name = plan[next_index]
                    next_index += 1
                started = time.perf_counter()
                status, expected = kinds[name][1]()  # type: ignore[operator]
                tally.add(Result(name, status, time.perf_counter() - started, expected))

        started = time.perf_counter()
        mixed_from = time.time()
        threads = [threading.Thread(target=client, daemon=True) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        mixed_stalls = loop_stalls(args.lag_file, mixed_from, time.time())
        memory_end = rss_kib(process.pid)
        attacks = [] if args.no_attacks else run_attacks(args, port, process.pid)
        attacks += run_round_two(args, port, process.pid) if args.round_two else []

        health = get(port, "/api/health")
        body, kind = multipart({"k": "5"}, "final.png", payloads.small_png)
        final = post(port, "/api/palette", body, kind)
        alive = process.poll() is None
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        try:
            os.unlink(args.lag_file)
        except OSError:
            pass

    results = tally.results
    by_kind: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    unexpected: collections.Counter[str] = collections.Counter()
    for result in results:
        by_kind[result.kind][result.status] += 1
        if result.status not in result.expected:
            unexpected[f"{result.kind}: {result.status}"] += 1
    good = [r for r in results if r.kind.startswith("good") and r.status == 200]
    latencies = sorted(r.seconds for r in good)
    statuses = collections.Counter(r.status for r in results)

    def quantile(q: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {
        "requests_sent": len(results),
        "seconds": round(elapsed, 2),
        "requests_per_second": round(len(results) / elapsed, 1),
        "good_palettes_per_second": round(len(good) / elapsed, 1),
        "status_counts": dict(sorted(statuses.items())),
        "by_kind": {
            name: dict(sorted(counter.items())) for name, counter in sorted(by_kind.items())
        },
        "unexpected": dict(unexpected),
        "good_latency_s": {
            "p50": round(quantile(0.5), 3),
            "p95": round(quantile(0.95), 3),
            "max": round(max(latencies), 3) if latencies else None,
            "mean": round(statistics.fmean(latencies), 3) if latencies else None,
        },
        "server_rss_mib": {
            "start": round(memory_start["VmRSS"] / 1024, 1),
            "end": round(memory_end["VmRSS"] / 1024, 1),
            "peak": round(memory_end["VmHWM"] / 1024, 1),
        },
        "event_loop_stalls": mixed_stalls,
        "attacks": attacks,
        "still_answering": {"alive": alive, "health": health, "good_request": final},
        "settings": {
            "workers": args.workers,
            "queue_size": args.queue_size,
            "clients": args.clients,
            "max_upload_mb": args.max_upload_mb,
            "header_timeout": args.header_timeout,
        },
    }


def report(summary: dict[str, object]) -> str:
    lines = [
        f"sent {summary['requests_sent']} requests in {summary['seconds']} s: "
        f"{summary['requests_per_second']} req/s, "
        f"{summary['good_palettes_per_second']} good palettes/s",
        f"statuses: {summary['status_counts']}",
        "by kind:",
    ]
    for name, counts in summary["by_kind"].items():  # type: ignore[union-attr]
        lines.append(f"  {name:28s} {counts}")
    lines.append(f"good latency (s): {summary['good_latency_s']}")
    lines.append(f"server RSS (MiB): {summary['server_rss_mib']}")
    lines.append(f"event-loop stalls: {summary['event_loop_stalls']}")
    lines.append(f"unexpected statuses: {summary['unexpected'] or 'none'}")
    for attack in summary.get("attacks") or []:  # type: ignore[attr-defined]
        lines.append(f"attack: {attack['attack']}")
        keys = (
            "statuses",
            "others_ok_percent",
            "fetches_running_after_a_504",
            "opened",
            "closed_by_server",
            "health",
            "event_loop_stalls",
        )
        for key in (*keys, "server_rss_mib"):
            if key in attack:
                lines.append(f"  {key}: {attack[key]}")
    lines.append(f"at the end: {summary['still_answering']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--requests", type=int, default=300, help="requests in all (default: %(default)d)"
    )
    parser.add_argument(
        "--clients", type=int, default=6, help="concurrent client threads (default: %(default)d)"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=120.0, help="wall-time cap (default: %(default)g)"
    )
    parser.add_argument("--workers", type=int, default=2, help="server clustering threads")
    parser.add_argument("--queue-size", type=int, default=8, help="server queue size")
    parser.add_argument("--request-timeout", type=float, default=30.0)
    parser.add_argument("--max-upload-mb", type=int, default=20)
    parser.add_argument(
        "--header-timeout", type=float, default=5.0, help="server head deadline (s)"
    )
    parser.add_argument(
        "--attack-copies",
        type=int,
        default=4,
        help="concurrent uploads of each wide-sample and marker-flood file (default: %(default)d)",
    )
    parser.add_argument("--no-attacks", action="store_true", help="skip the issue-11 attacks")
    parser.add_argument(
        "--round-two",
        action="store_true",
        help="also run the server attacks of issue 20 (about 2 minutes more)",
    )
    parser.add_argument(
        "--attack-seconds",
        type=float,
        default=20.0,
        help="how long each looping attack of issue 20 runs (default: %(default)g)",
    )
    parser.add_argument(
        "--lag-file",
        default=os.path.join(tempfile.gettempdir(), f"bench_web_lag_{os.getpid()}.txt"),
        help="where the server writes its event-loop stalls",
    )
    parser.add_argument(
        "--corpus", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus")
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the summary as JSON here")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.clients < 1:
        parser.error("--requests and --clients must be >= 1")

    summary = run(args)
    print(report(summary))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    answering = summary["still_answering"]
    ok = answering["alive"] and answering["health"] == 200 and answering["good_request"] == 200  # type: ignore[index]
    return 0 if ok and not summary["unexpected"] else 1


if __name__ == "__main__":
    sys.exit(main())
