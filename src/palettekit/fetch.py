"""Fetch an http(s) URL with a total deadline, a byte cap, a redirect limit and
an optional check of every address connected to.

The download runs in a worker thread so that the deadline covers everything,
name lookup included; when it passes, the connection is shut down (which
wakes the worker) and :class:`~palettekit.errors.FetchTimeoutError` is raised
at once. Redirects are followed by hand, so each hop's connection goes through
the same checks. Proxies from the environment are not used: the address check
must see the server actually reached.

Heavy modules (``http.client``, ``ssl``) are imported on first use.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .display_text import one_line
from .errors import (
    AddressRefusedError,
    FetchError,
    FetchTimeoutError,
    ImageTooLargeError,
    PaletteError,
)

__all__ = [
    "fetch_url",
    "display_url",
    "MAX_REDIRECTS",
    "AddressCheck",
    "AddressRefusedError",
    "address_refusal",
    "block_private_addresses",
    "fetch_with_options",
]

MAX_REDIRECTS = 5
"""Most redirects followed before giving up."""

if TYPE_CHECKING:  # socket and ipaddress are imported on first fetch
    import ipaddress
    import socket

    IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

AddressCheck = Callable[["IPAddress"], None]
"""Called with the peer address of each connection; raises FetchError to refuse it."""


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv6 one (mapped, 6to4, Teredo), if any."""
    import ipaddress

    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address
    return None


def _refusal_of(address: IPAddress) -> str | None:
    import ipaddress

    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "not globally routable"
    return None


def address_refusal(address: IPAddress) -> str | None:
    """Why a fetch guarded against private addresses may not connect to ``address``.

    Refuses loopback, private (RFC 1918, unique-local ``fc00::/7``),
    link-local, multicast, unspecified, reserved and every other address that
    is not globally routable (carrier-grade NAT, documentation ranges ...),
    for IPv4 and IPv6 alike. An IPv6 address that carries an IPv4 one
    (IPv4-mapped ``::ffff:a.b.c.d``, 6to4, Teredo) is judged by that IPv4
    address too.

    Returns
    -------
    str or None
        A short reason such as ``"loopback"``, or None for a public address.
    """
    import ipaddress

    embedded = _embedded_ipv4(address)
    if embedded is not None:
        reason = _refusal_of(embedded)
        if reason is not None:
            return f"{reason} (IPv4 inside IPv6)"
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            # ::ffff:0:0/96 is "reserved" in IPv6 terms only: judge the IPv4 address alone
            return None
    return _refusal_of(address)


def block_private_addresses(hint: str = "option block_private_urls") -> AddressCheck:
    """An address check (for ``fetch_url(check_address=...)``) that refuses
    every address :func:`address_refusal` refuses, with ``hint`` in the message."""

    def check_address(address: IPAddress) -> None:
        reason = address_refusal(address)
        if reason is not None:
            raise AddressRefusedError(f"refused to connect to {address}: {reason} address ({hint})")

    return check_address


_SCHEMES = ("http", "https")
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
# Characters kept as they are when a URL's path and query are re-quoted.
_SAFE_IN_TARGET = "/?&=%:@!$'()*+,;~-._[]"


def display_url(url: str) -> str:
    """``url`` for messages and metadata: without user name and password, on
    one line (control characters escaped), long ones shortened in the middle."""
    try:
        parts = urllib.parse.urlsplit(url)
        if "@" in parts.netloc:
            host = parts.netloc.rpartition("@")[2]
            url = urllib.parse.urlunsplit(parts._replace(netloc=f"***@{host}"))
    except ValueError:
        pass
    return one_line(url, 160, escape=True)


def _check_scheme(url: str, label: str, *, redirect: bool = False) -> urllib.parse.SplitResult:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise FetchError(f"{label}: invalid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        shown = f"{scheme}:" if scheme else "a URL without a scheme"
        if redirect:
            raise FetchError(
                f"{label}: redirect to {shown} refused ({display_url(url)}); "
                "only http and https are followed"
            )
        raise FetchError(f"{label}: only http and https URLs are supported, not {shown}")
    if not parts.hostname:
        raise FetchError(f"{label}: no host in URL")
    return parts


def _request_target(parts: urllib.parse.SplitResult) -> str:
    path = urllib.parse.quote(parts.path or "/", safe=_SAFE_IN_TARGET)
    if parts.query:
        path += "?" + urllib.parse.quote(parts.query, safe=_SAFE_IN_TARGET)
    return path


class _Download:
    """One fetch, run in a worker thread; ``abort`` may be called from another."""

    def __init__(
        self,
        url: str,
        label: str,
        timeout: float,
        max_bytes: int,
        check_address: AddressCheck | None,
        limit_names: tuple[str, str] = ("option timeout", "option max_bytes"),
    ) -> None:
        self.url = url
        self.label = label
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.max_bytes = max_bytes
        self.check_address = check_address
        self.timeout_name, self.size_name = limit_names
        self.data: bytes | None = None
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None  # set and shut down under _lock
        self._aborted = False

    # -- control from the calling thread --

    def abort(self) -> None:
        """Stop the worker: shut its socket down so any blocked read returns."""
        import socket

        with self._lock:
            self._aborted = True
            if self._sock is not None:
                try:
                    self._sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    # -- the worker --

    def run(self) -> None:
        try:
            self.data = self._fetch()
        except BaseException as exc:  # handed to the calling thread
            self.error = self._as_fetch_error(exc)

    def timeout_error(self) -> FetchTimeoutError:
        return FetchTimeoutError(
            f"{self.label}: no complete answer within {self.timeout:.3g} s ({self.timeout_name})"
        )

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0 or self._aborted:
            raise self.timeout_error()
        return left

    def _judge(self, address: IPAddress) -> None:
        """The address check, its refusal renamed to start with the source's label."""
        if self.check_address is None:
            return
        try:
            self.check_address(address)
        except FetchError as exc:  # name the source, keep the class
            text = one_line(str(exc), 300, escape=True)
            if text.startswith(self.label):
                raise
            try:
                renamed = type(exc)(f"{self.label}: {text}")
            except Exception:
                renamed = FetchError(f"{self.label}: {text}")
            raise renamed from None

    def _connect(
        self, address: tuple[str, int], timeout: float | None = None, source_address: Any = None
    ) -> socket.socket:
        """Resolve, check every address, then connect to an allowed one only.

        No packet goes to a refused address, so a refusal looks the same
        whether anything listens there or not (no port-scan oracle), and the
        address connected to is the one checked (no second lookup for a
        rebinding name to answer differently).
        """
        import ipaddress
        import socket

        host, port = address
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        allowed = []
        refusal: BaseException | None = None
        for family, kind, proto, _, sockaddr in infos:
            try:
                self._judge(ipaddress.ip_address(sockaddr[0]))
            except FetchError as exc:
                refusal = refusal or exc
                continue
            allowed.append((family, kind, proto, sockaddr))
        if not allowed:
            if refusal is not None:
                raise refusal
            raise OSError(f"no address found for {host}")
        last_error: OSError | None = None
        for family, kind, proto, sockaddr in allowed:
            sock = socket.socket(family, kind, proto)
            try:
                with self._lock:
                    self._sock = sock
                if self._aborted:
                    raise self.timeout_error()
                sock.settimeout(self._remaining())
                if source_address is not None:
                    sock.bind(source_address)
                sock.connect(sockaddr)  # the address judged above, not a new lookup
                return sock
            except OSError as exc:
                sock.close()
                if isinstance(exc, PaletteError) or self._aborted:
                    raise
                last_error = exc
            except BaseException:
                sock.close()
                raise
        assert last_error is not None
        raise last_error

    def _fetch(self) -> bytes:
        import http.client

        url = self.url
        seen = {url}
        for hop in range(MAX_REDIRECTS + 1):
            parts = _check_scheme(url, self.label, redirect=hop > 0)
            connection: http.client.HTTPConnection
            if parts.scheme.lower() == "https":
                import ssl

                connection = http.client.HTTPSConnection(
                    parts.hostname or "",
                    parts.port,
                    timeout=self._remaining(),
                    context=ssl.create_default_context(),
                )
            else:
                connection = http.client.HTTPConnection(
                    parts.hostname or "", parts.port, timeout=self._remaining()
                )
            connection._create_connection = self._connect  # type: ignore[attr-defined]
            response = None
            try:
                connection.request(
                    "GET",
                    _request_target(parts),
                    headers={
                        "User-Agent": f"palettekit/{__version__}",
                        "Accept": "image/*,*/*;q=0.5",
                        "Accept-Encoding": "identity",
                    },
                )
                self._tighten(connection)
                response = connection.getresponse()
                if response.status in _REDIRECT_STATUSES:
                    location = response.getheader("Location")
                    if not location:
                        raise FetchError(
                            f"{self.label}: HTTP {response.status} redirect without a Location"
                        )
                    url = urllib.parse.urljoin(url, location.strip())
                    if url in seen:
                        raise FetchError(f"{self.label}: redirect loop ({display_url(url)})")
                    seen.add(url)
                    continue
                if not 200 <= response.status < 300:
                    raise FetchError(
                        f"{self.label}: HTTP {response.status} {response.reason}".rstrip()
                    )
                return self._read_body(connection, response)
            finally:
                if response is not None:  # holds the socket open after connection.close()
                    response.close()
                connection.close()
                with self._lock:
                    self._sock = None
        raise FetchError(f"{self.label}: more than {MAX_REDIRECTS} redirects")

    def _tighten(self, connection: Any) -> None:
        """Give the next socket operation only the time left."""
        remaining = self._remaining()
        if connection.sock is not None:
            connection.sock.settimeout(remaining)

    def _read_body(self, connection: Any, response: Any) -> bytes:
        declared = response.getheader("Content-Length")
        if declared is not None and declared.strip().isdigit():
            if int(declared) > self.max_bytes:
                raise ImageTooLargeError(
                    f"{self.label}: {int(declared)} bytes exceeds the limit of "
                    f"{self.max_bytes} ({self.size_name})"
                )
        chunks: list[bytes] = []
        size = 0
        while True:
            self._tighten(connection)
            chunk = response.read1(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_bytes:
                raise ImageTooLargeError(
                    f"{self.label}: more than {self.max_bytes} bytes ({self.size_name})"
                )
            chunks.append(chunk)
        if response.length:  # bytes still expected after the server closed
            raise FetchError(
                f"{self.label}: connection closed after {size} of {size + response.length} bytes"
            )
        return b"".join(chunks)

    def _as_fetch_error(self, exc: BaseException) -> BaseException:
        """Network and protocol failures -> FetchError / FetchTimeoutError."""
        import http.client
        import socket

        label = self.label
        if isinstance(exc, PaletteError):
            return exc
        if self._aborted or isinstance(exc, (TimeoutError, socket.timeout)):
            return self.timeout_error()
        if isinstance(exc, ConnectionRefusedError):
            return FetchError(f"{label}: connection refused")
        if isinstance(exc, socket.gaierror):
            return FetchError(
                f"{label}: cannot resolve host "
                f"({one_line(str(exc.strerror or exc), 160, escape=True)})"
            )
        if isinstance(exc, http.client.HTTPException):
            text = str(exc)
            name = type(exc).__name__
            reason = one_line(f"{name}: {text}" if text else name, 200, escape=True)
            return FetchError(f"{label}: bad HTTP response ({reason})")
        if isinstance(exc, (OSError, ValueError)):  # ssl.SSLError is an OSError
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            return FetchError(f"{label}: {one_line(reason, 200, escape=True)}")
        return exc  # a bug, or the address check's own exception: re-raised as is


def fetch_url(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    check_address: AddressCheck | None = None,
    timeout_name: str = "option timeout",
    size_name: str = "option max_bytes",
) -> bytes:
    """Download ``url`` (http or https only) and return its body.

    Parameters
    ----------
    url : str
        An ``http://`` or ``https://`` URL. Redirects (301, 302, 303, 307,
        308) are followed, at most ``MAX_REDIRECTS``, to http(s) URLs only.
    timeout : float
        Total deadline in seconds (> 0), covering name lookup, connections,
        redirects and the body.
    max_bytes : int
        Largest body accepted (>= 1): a larger ``Content-Length`` is refused
        before reading, and reading stops one byte past the cap.
    check_address : callable, optional
        Called (in the worker thread) with each ``ipaddress`` address the
        host of the URL, and of each redirect, resolves to, before any
        connection: only allowed addresses are connected to. Raise
        :class:`~palettekit.errors.FetchError` to refuse; any exception it
        raises aborts the fetch and reaches the caller.
        :func:`block_private_addresses` is the check the web server uses.
    timeout_name, size_name : str
        How messages name the time and byte limits ("option timeout" and
        "option max_bytes"; the web server names its flags).

    Returns
    -------
    bytes
        The body of the final 2xx response.

    Raises
    ------
    FetchError
        Not http(s), a redirect to another scheme, a redirect loop or too
        many redirects, an HTTP status other than 2xx, a refused address,
        a network or TLS error, a body cut short.
    FetchTimeoutError
        The deadline passed.
    ImageTooLargeError
        The body is larger than ``max_bytes``.
    """
    label = display_url(url)
    _check_scheme(url, label)
    if not timeout > 0:
        raise FetchError(f"{label}: timeout must be > 0, got {timeout!r}")
    download = _Download(url, label, timeout, max_bytes, check_address, (timeout_name, size_name))
    worker = threading.Thread(target=download.run, daemon=True, name="palettekit-fetch")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        download.abort()
        worker.join(0.1)  # usually ends at once; a stuck name lookup cannot be interrupted
        raise download.timeout_error()
    if download.error is not None:
        raise download.error
    assert download.data is not None
    return download.data


def fetch_with_options(url: str, options: Any) -> bytes:
    """:func:`fetch_url` with the limits of an :class:`~palettekit.options.Options`:
    ``timeout``, ``max_bytes``, and the address guard when ``block_private_urls``."""
    check = block_private_addresses() if options.block_private_urls else None
    return fetch_url(url, timeout=options.timeout, max_bytes=options.max_bytes, check_address=check)
