"""Every outgoing connection and name lookup this process attempts, seen through Python's audit
hooks (`socket.connect`, `socket.getaddrinfo`): proof that a refused URL was never even dialled.

    with watching() as seen:
        ...crawl...
    assert seen.addresses() <= {("127.0.0.1", replica.port)}

An audit hook cannot be removed, so one is installed on first use and records only while a
`watching()` block is open.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Seen:
    connects: list[tuple[Any, ...]] = field(default_factory=list)  # (host, port[, ...])
    lookups: list[str] = field(default_factory=list)  # host names looked up

    def addresses(self) -> set[tuple[str, int]]:
        return {(str(a[0]), int(a[1])) for a in self.connects}


_lock = threading.Lock()
_active: list[Seen] = []
_installed = False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active or event not in ("socket.connect", "socket.getaddrinfo"):
        return
    with _lock:
        for seen in _active:
            if event == "socket.connect":
                address = args[1]
                if isinstance(address, tuple):  # AF_UNIX paths are no network
                    seen.connects.append(address)
            else:
                host = args[0]
                seen.lookups.append(host.decode() if isinstance(host, bytes) else str(host))


@contextmanager
def watching() -> Iterator[Seen]:
    global _installed
    with _lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True
    seen = Seen()
    _active.append(seen)
    try:
        yield seen
    finally:
        _active.remove(seen)
