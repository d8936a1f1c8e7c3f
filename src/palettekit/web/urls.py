"""The SSRF guard of the web app: which URL inputs it fetches.

- :func:`check_url`: scheme and host of a URL input, before any connection;
- :func:`make_address_check`: the ``check_address`` hook handed to
  :func:`palettekit.fetch.fetch_url`, so that the address actually connected
  to is judged (by :func:`palettekit.fetch.address_refusal`), on the first
  request and on every redirect.
"""

from __future__ import annotations

import ipaddress
import logging
import urllib.parse
from collections.abc import Callable

from ..errors import AddressRefusedError, ApiError
from ..fetch import address_refusal, block_private_addresses

__all__ = ["IPAddress", "address_refusal", "make_address_check", "check_url"]


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

log = logging.getLogger("palettekit.web")

VISITOR_NOTE = "this server fetches images from public addresses only"
"""What a refused URL's message tells the visitor (no server flag: that is the operator's)."""

_OPERATOR_NOTE = (
    "refused a URL input: %s; start the server with --allow-private-urls to fetch "
    "from intranet addresses"
)


def _tell_the_operator(message: str) -> None:
    """The server's log says which flag would allow the refused URL."""
    log.info(_OPERATOR_NOTE, message)


def make_address_check(allow_private: bool) -> Callable[[IPAddress], None] | None:
    """The ``check_address`` hook for :func:`palettekit.fetch.fetch_url`.

    Returns None (no check) when private addresses are allowed; otherwise a
    function raising :class:`~palettekit.errors.AddressRefusedError` for any
    address :func:`address_refusal` refuses.
    """
    if allow_private:
        return None
    check = block_private_addresses(VISITOR_NOTE)

    def check_address(address: IPAddress) -> None:
        try:
            check(address)
        except AddressRefusedError as exc:
            _tell_the_operator(str(exc))
            raise

    return check_address


def check_url(url: object, allow_private: bool) -> str:
    """Validate a URL input before any connection; return it stripped.

    Only http and https, with a host; a host given as an IP literal is judged
    at once (a name is judged by the address it resolves to, at connection).

    Raises
    ------
    ApiError
        400 ``bad_url`` or ``url_refused``.
    """
    if not isinstance(url, str) or not url.strip():
        raise ApiError(400, "bad_url", "url must be a non-empty string")
    url = url.strip()
    if len(url) > 2048:
        raise ApiError(400, "bad_url", "url is longer than 2048 characters")
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ApiError(400, "bad_url", f"not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ApiError(
            400, "bad_url", f"only http and https URLs are accepted, not {parts.scheme or 'none'!r}"
        )
    if not host:
        raise ApiError(400, "bad_url", "the URL has no host")
    if not allow_private:
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            reason = address_refusal(literal)
            if reason is not None:
                message = f"refused to connect to {literal}: {reason} address ({VISITOR_NOTE})"
                _tell_the_operator(message)
                raise ApiError(400, "url_refused", message)
    return url
