"""Shared fixtures: servers on 127.0.0.1 only (and the PostgreSQL server the build machines
run, see tests/pgserver.py), and the config file of a fast crawl of one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from crawled import FAST_CONFIG
from faultserver import FaultServer
from pgserver import PgServer, no_server_answers, server_url
from replica import Replica, start_replica


@pytest.fixture
def replica() -> Iterator[Replica]:
    """The replica of kinhtedothi.vn from fixtures/site, served on a free port."""
    with start_replica() as server:
        yield server


@pytest.fixture
def fast_conf(tmp_path: Path) -> Path:
    """A config file for a fast crawl of a server on 127.0.0.1 (crawled.FAST_CONFIG)."""
    conf = tmp_path / "fast.toml"
    conf.write_text(FAST_CONFIG, encoding="utf-8")
    return conf


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A misbehaving HTTP server on 127.0.0.1 that records every request (tests/faultserver.py)."""
    with FaultServer() as server:
        yield server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A database of the tests' own on the PostgreSQL server of NEWSARCHIVE_TEST_PG_URL, dropped
    at the end. No server answering at that address: the test is skipped, saying why, except
    under CI (CI=true), where the build machines run one and a skip would hide the PostgreSQL
    tests. A server that answers but cannot be used (no such database, no rights) is an error."""
    url = server_url()
    silent = no_server_answers(url)
    if silent:
        reason = (
            f"no PostgreSQL server for the tests at {url} (set NEWSARCHIVE_TEST_PG_URL): {silent}"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    server = PgServer(url).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The URL of a new, empty archive on PostgreSQL."""
    return pg_server.archive_url()
