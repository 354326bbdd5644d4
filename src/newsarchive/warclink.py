"""Where a raw page lies in a WARC file: the link between the archive's row and the record.

A plain value the WARC writer hands the crawl and the store keeps with the raw page, so that
`show`, `cite` and a replay tool find the record of any capture.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WarcLink:
    """The record written for one fetch: its file (as the writer named it), the offset and
    length in bytes of its gzip member there, and its `WARC-Record-ID`."""

    file: str
    offset: int
    length: int
    record_id: str
