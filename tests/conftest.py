"""Shared fixtures: servers on 127.0.0.1 only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from faultserver import FaultServer
from replica import Replica, start_replica


@pytest.fixture
def replica() -> Iterator[Replica]:
    """The replica of kinhtedothi.vn from fixtures/site, served on a free port."""
    with start_replica() as server:
        yield server


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A misbehaving HTTP server on 127.0.0.1 that records every request (tests/faultserver.py)."""
    with FaultServer() as server:
        yield server
