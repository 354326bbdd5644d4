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

    def check(self, url: str, *, redirect: bool = False) -> tuple[str, str | None]:
        """The netloc of `url` (as netloc_of gives it; "" when it has none), and why `url` must
        not be requested, in one line naming the host, or None when it may.

        With `redirect`, the line says that a redirect pointed there.
        """
        to = "redirect to " if redirect else ""
        try:
            parts = urlsplit(url)
            netloc = netloc_of(parts)
        except ValueError:
            return "", f"{to}invalid URL {url}"
        if parts.scheme.lower() not in _DEFAULT_PORTS:
            return netloc, f"{to}non-http(s) URL {url}"
        # Credentials in a URL would be sent to whichever host it names. (An "@" in the netloc
        # is exactly when urlsplit has a username or password; asking it parses twice more.)
        if "@" in parts.netloc:
            return netloc, f"{to}URL with credentials for host {netloc}"
        if netloc not in self._netlocs and not self._default_port_listed(parts):
            shown = netloc or "(none)"
            why = f"{to}disallowed host {shown}" if redirect else f"host not allowed: {shown}"
            return netloc, why
        return netloc, None

    def _default_port_listed(self, parts: SplitResult) -> bool:
        # "kinhtedothi.vn:443" on the list also admits https://kinhtedothi.vn/.
        default = _DEFAULT_PORTS.get(parts.scheme.lower())
        if parts.port not in (None, default):
            return False
        return f"{netloc_of(parts)}:{default}" in self._netlocs
