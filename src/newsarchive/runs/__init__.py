"""The runs a command starts, each named for its command: crawl, reparse, import-warc, check,
capture and audit, with the parts only the crawl uses."""
