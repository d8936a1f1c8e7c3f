"""Fetch an http(s) URL with a total deadline, a byte cap and a redirect limit."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ._version import __version__
from .errors import FetchError, FetchTimeoutError, ImageTooLargeError

__all__ = ["fetch_url", "MAX_REDIRECTS"]

MAX_REDIRECTS = 5
_CHUNK = 64 * 1024


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS
    max_repeats = 2

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchError(f"redirect to a non-http(s) URL refused: {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _download(url: str, deadline: float, max_bytes: int, result: dict[str, Any]) -> None:
    try:
        opener = urllib.request.build_opener(_RedirectHandler())
        request = urllib.request.Request(
            url, headers={"User-Agent": f"palettekit/{__version__}", "Accept": "image/*,*/*;q=0.5"}
        )
        remaining = max(0.001, deadline - time.monotonic())
        with opener.open(request, timeout=remaining) as response:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise ImageTooLargeError(f"{url}: {length} bytes exceeds the limit of {max_bytes}")
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise FetchTimeoutError(f"{url}: took longer than the deadline")
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise ImageTooLargeError(f"{url}: more than {max_bytes} bytes")
                chunks.append(chunk)
        result["data"] = b"".join(chunks)
    except BaseException as exc:  # handed to the calling thread
        result["error"] = exc


def fetch_url(url: str, *, timeout: float, max_bytes: int) -> bytes:
    """Download ``url`` (http or https only) and return its body.

    Parameters
    ----------
    url : str
        An http:// or https:// URL. Redirects are followed (at most
        ``MAX_REDIRECTS``), to http(s) URLs only.
    timeout : float
        Total deadline in seconds, covering name lookup, connection,
        redirects and the body.
    max_bytes : int
        Largest body accepted.

    Raises
    ------
    FetchError
        Bad scheme, HTTP error status, network error, redirect loop.
    FetchTimeoutError
        The deadline passed.
    ImageTooLargeError
        The body is larger than ``max_bytes``.
    """
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https URLs are supported")
    deadline = time.monotonic() + timeout
    result: dict[str, Any] = {}
    worker = threading.Thread(
        target=_download, args=(url, deadline, max_bytes, result), daemon=True, name="palettekit-fetch"
    )
    worker.start()
    worker.join(timeout + 0.05)
    if worker.is_alive():
        raise FetchTimeoutError(f"{url}: no complete answer within {timeout:g} s")
    error = result.get("error")
    if error is None:
        return result["data"]
    if isinstance(error, (FetchError, ImageTooLargeError)):
        raise error
    if isinstance(error, urllib.error.HTTPError):
        raise FetchError(f"{url}: HTTP {error.code} {error.reason}") from None
    if isinstance(error, urllib.error.URLError):
        reason = error.reason
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise FetchTimeoutError(f"{url}: timed out") from None
        raise FetchError(f"{url}: {reason}") from None
    if isinstance(error, TimeoutError):
        raise FetchTimeoutError(f"{url}: timed out") from None
    if isinstance(error, (OSError, ValueError)):
        raise FetchError(f"{url}: {error}") from None
    raise error
