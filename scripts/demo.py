"""`make demo`: serve the replica of the site on 127.0.0.1, crawl it with the default config.toml
into a SQLite file, show what was archived and the result of one search, print commands
to try next that work as printed from the project's folder, then open the archive in
Datasette (`browse`) and print its address; on a terminal it serves until Ctrl-C."""

from __future__ import annotations

import argparse
import errno
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
    options.add_argument("--config", help="a config file instead of config.toml (tests: no delay)")
    args = options.parse_args()
    db = ROOT / args.db
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    # As a person types it in the project's folder, where the demo runs its commands.
    url = f"sqlite:///{db.relative_to(ROOT) if db.is_relative_to(ROOT) else db}"
    config = ["--config", args.config] if args.config else []

    try:
        replica = start_replica(port=args.port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(
            f"demo: port {args.port} is in use; choose another with DEMO_PORT, "
            f"e.g. make demo DEMO_PORT={args.port + 1}",
            file=sys.stderr,
        )
        return 2
    with replica:
        print(f"replica of kinhtedothi.vn at {replica.base_url}\n", flush=True)
        status = newsarchive("crawl", "--db", url, *config, "--base-url", replica.base_url)
    if status != 0:
        print(f"crawl exited with status {status}", file=sys.stderr)
        return status

    with sqlite3.connect(db) as conn:
        [gone] = conn.execute("SELECT count(*) FROM raw_page WHERE outcome = 'gone'").fetchone()
        if gone:
            print(
                f"\nThe {gone} 'gone: HTTP 404' are on purpose: pages of the site link to pages "
                "the replica leaves out (it holds a few dozen pages, not the whole site); a "
                "crawl counts such links as failed and goes on."
            )
        print("\nArchived, by layout:")
        for layout, count in conn.execute(
            "SELECT layout, count(*) FROM article GROUP BY layout ORDER BY layout"
        ):
            print(f"  {layout:<8} {count}")
        print("\nNewest five:")
        for published, title in conn.execute(
            "SELECT published_at, title FROM article ORDER BY published_at DESC LIMIT 5"
        ):
            print(f"  {published}  {title}")
        [site_id] = conn.execute(
            "SELECT site_id FROM article WHERE site_id IS NOT NULL "
            "ORDER BY published_at DESC LIMIT 1"
        ).fetchone()
    print()
    status = newsarchive("search", "--db", url, "--limit", "3", QUERY)
    if status != 0:
        return status
    print(next_steps(url, site_id))
    print(f"\nThe archive in a browser: http://127.0.0.1:{BROWSE_PORT}/{db.stem}/article_browse")
    print(f"  search: http://127.0.0.1:{BROWSE_PORT}/search?q=hoai+duc")
    if SCREENSHOT.exists():
        print(f"  the seed article's page, as `make test` rendered it: {SCREENSHOT}")
    if not sys.stdin.isatty():
        print(f"  (run: newsarchive browse --db {url} --port {BROWSE_PORT})")
        return 0
    print()
    return newsarchive("browse", "--db", url, "--port", str(BROWSE_PORT))


def next_steps(url: str, site_id: str) -> str:
    """Commands to try on the demo's archive, as they work from this folder."""
    commands = [
        f"newsarchive show --db {url} {site_id}",
        f"newsarchive show --db {url} {site_id} --raw | head -n 5",
        f'newsarchive search --db {url} "ha noi" --limit 5',
        f"newsarchive stats --db {url}",
        f"newsarchive cite --db {url} {site_id} --format bibtex",
        f'newsarchive export --db {url} --format jsonl --category "kinh te" | head -n 1',
    ]
    return "\n".join(
        [
            "",
            "Try next, in this folder (`. .venv/bin/activate` first puts newsarchive on PATH;",
            "without --db, commands use config.toml's archive, archive.db, for a real crawl:",
            "docs/first-crawl.md):",
            *(f"  {command}" for command in commands),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
