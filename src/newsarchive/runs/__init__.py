"""The runs a command starts, each module named for its command.

crawl, reparse, import_warc, check (`check --live`), capture and audit; the crawl's parts beside
it (`crawl_*`, budget, readers, redesign, revisit)."""
