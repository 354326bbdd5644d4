"""WARC files, the web archivists' format: responses written as a crawl fetches, read back.

Fetched responses written as WARC/1.1 records with a CDXJ index, and WARC files (ours or
anyone's) read back record by record. Knows nothing of HTML or SQL.
"""

from ..errors import WarcError
from .cdxj import IndexLine, read_index, surt_key
from .reader import Capture, Entry, Problem, Skipped, read_captures
from .writer import WarcWriter, open_warc_writer

__all__ = [
    "Capture",
    "Entry",
    "IndexLine",
    "Problem",
    "Skipped",
    "WarcError",
    "WarcWriter",
    "open_warc_writer",
    "read_captures",
    "read_index",
    "surt_key",
]
