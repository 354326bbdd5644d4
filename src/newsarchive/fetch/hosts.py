"""Which URLs we may request at all: http(s), no credentials, a host on the allowed list."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def netloc_of(parts: SplitResult) -> str:
    """`host` or `host:port`, lower-cased, without credentials or the scheme's default port.

    Raises ValueError for a port that is not a number.
    """
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 address keeps its brackets in a netloc
        host = f"[{host}]"
    port = parts.port
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


class AllowedHosts:
    """The netlocs this run may talk to (`host` or `host:port`, compared case-insensitively)."""

    def __init__(self, netlocs: Iterable[str]) -> None:
        self._netlocs = frozenset(
            netloc_of(urlsplit(f"http://{n.strip()}")) for n in netlocs if n.strip()
        )

    def refusal(self, url: str) -> str | None:
        """Why `url` must not be requested, in a few words naming the host; None when it may."""
        try:
            parts = urlsplit(url)
            netloc = netloc_of(parts)
        except ValueError:
            return f"not a valid URL: {url}"
        if parts.scheme.lower() not in _DEFAULT_PORTS:
            return f"not an http(s) URL: {url}"
        if parts.username is not None or parts.password is not None:
            # Credentials in a URL would be sent to whoever the redirect names.
            return f"credentials in URL for host {netloc}"
        if netloc not in self._netlocs:
            return f"host not allowed: {netloc or '(none)'}"
        return None
