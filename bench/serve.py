"""`tests/replica.py` serving a generated site, for the crawl benchmarks' child process.

(Nagle's algorithm is off on the replica's sockets: its head and body go out in two writes, and
with Nagle on every keep-alive request waited ~40 ms for the client's delayed ACK.)

    python -m bench.serve --root SITE --port 0
"""

from __future__ import annotations

import sys

from .common import ROOT

sys.path.insert(0, str(ROOT / "tests"))

import replica  # type: ignore[import-not-found, unused-ignore]  # tests/ is not a package


def main() -> None:
    replica.main()


if __name__ == "__main__":
    main()
