"""The replica server itself: a client that hangs up is no error worth a traceback."""

from __future__ import annotations

import socket
import struct
import time

import pytest
from replica import start_replica


def test_a_client_hanging_up_mid_answer_prints_no_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with start_replica() as replica:
        host, port = replica.base_url.removeprefix("http://").split(":")
        for _ in range(20):
            with socket.create_connection((host, int(port))) as conn:
                conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                # Close with a reset before the answer is read: the server's writes then fail.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        time.sleep(0.3)
        assert replica.requests.count("/") == 20
    assert "Traceback" not in capfd.readouterr().err
