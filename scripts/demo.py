"""`make demo`: serve the replica of the site on 127.0.0.1, crawl it with the default config.toml
into a SQLite file, show what was archived and the result of one search, then open the archive
in Datasette (`browse`) and print its address; on a terminal it serves until Ctrl-C."""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from replica import start_replica  # noqa: E402

QUERY = "hoai duc"
BROWSE_PORT = 8001
# The seed article's page as headless Chromium rendered it, taken by `make test` (test_browse).
SCREENSHOT = ROOT / "build" / "browse-article.png"


def newsarchive(*args: str) -> int:
    command = [sys.executable, "-m", "newsarchive", *args]
    print(f"$ newsarchive {' '.join(args)}", flush=True)
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def main() -> int:
    options = argparse.ArgumentParser()
    options.add_argument("--port", type=int, default=8765)
    options.add_argument("--db", default="demo.db")
    args = options.parse_args()
    db = ROOT / args.db
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db}"

    with start_replica(port=args.port) as replica:
        print(f"replica of kinhtedothi.vn at {replica.base_url}\n", flush=True)
        status = newsarchive("crawl", "--db", url, "--base-url", replica.base_url)
    if status != 0:
        print(f"crawl exited with status {status}", file=sys.stderr)
        return status

    print("\nArchived, by layout:")
    with sqlite3.connect(db) as conn:
        for layout, count in conn.execute(
            "SELECT layout, count(*) FROM article GROUP BY layout ORDER BY layout"
        ):
            print(f"  {layout:<8} {count}")
        print("\nNewest five:")
        for published, title in conn.execute(
            "SELECT published_at, title FROM article ORDER BY published_at DESC LIMIT 5"
        ):
            print(f"  {published}  {title}")
    print()
    status = newsarchive("search", "--db", url, "--limit", "3", QUERY)
    if status != 0:
        return status
    print(f"\nThe archive in a browser: http://127.0.0.1:{BROWSE_PORT}/{db.stem}/article_browse")
    print(f"  search: http://127.0.0.1:{BROWSE_PORT}/search?q=hoai+duc")
    if SCREENSHOT.exists():
        print(f"  the seed article's page, as `make test` rendered it: {SCREENSHOT}")
    if not sys.stdin.isatty():
        print(f"  (run: newsarchive browse --db {url} --port {BROWSE_PORT})")
        return 0
    print()
    return newsarchive("browse", "--db", url, "--port", str(BROWSE_PORT))


if __name__ == "__main__":
    sys.exit(main())
