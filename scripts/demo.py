"""`make demo`: serve the replica of the site on 127.0.0.1, crawl it with the default config.toml
into a SQLite file, then show what was archived and the result of one search."""

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
    return newsarchive("search", "--db", url, "--limit", "3", QUERY)


if __name__ == "__main__":
    sys.exit(main())
