"""`tests/replica.py` serving a generated site, with Nagle's algorithm off on its sockets.

The replica writes a response's headers and body in two writes; with Nagle on, the body waits
for the client's delayed ACK, about 40 ms on Linux, so every keep-alive request took ~44 ms and
both the crawl and its floor measured that stall instead of themselves. Proposed for
tests/replica.py itself (`disable_nagle_algorithm = True` on its handler); until then the
benchmark sets it here.

    python -m bench.serve --root SITE --port 0
"""

from __future__ import annotations

import sys

from .common import ROOT

sys.path.insert(0, str(ROOT / "tests"))

import replica  # type: ignore[import-not-found, unused-ignore]  # tests/ is not a package


def main() -> None:
    replica._Handler.disable_nagle_algorithm = True
    replica.main()


if __name__ == "__main__":
    main()
