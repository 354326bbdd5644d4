"""CDXJ index lines, as pywb reads them: `SURT-key timestamp {json}`, one per capture record.

The SURT key is written here rather than taken from the `surt` package: that package brings
tldextract, which reaches for the public suffix list over the network on first use, and the
form needed (pywb's default) is a few rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

_WWW = re.compile(r"^www\d*\.")


def surt_key(url: str) -> str:
    """pywb's sort key: `vn,kinhtedothi)/path?a=1&b=2`: host reversed without `www.`, no scheme,
    default port and fragment dropped, lower case, query arguments sorted."""
    parts = urlsplit(url.strip())
    host = _WWW.sub("", (parts.hostname or "").lower().rstrip("."))
    key = ",".join(reversed(host.split("."))) if host else ""
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if parts.port is not None and parts.port != default_port:
        key += f":{parts.port}"
    path = parts.path or "/"
    key += ")" + path.lower()
    if parts.query:
        key += "?" + "&".join(sorted(parts.query.lower().split("&")))
    return key


def timestamp14(moment: datetime) -> str:
    """`YYYYMMDDhhmmss` in UTC, the CDX timestamp."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def parse_timestamp14(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class IndexLine:
    """One capture record of a WARC file: where it is and what it holds."""

    url: str
    timestamp: str  # YYYYMMDDhhmmss, UTC
    mime: str  # the response's media type; "warc/revisit" for revisit records
    status: int
    digest: str  # payload digest, base32 sha1 without the "sha1:" prefix
    length: int  # bytes of the record in the file (its gzip member)
    offset: int
    filename: str

    def to_line(self) -> str:
        fields = {
            "url": self.url,
            "mime": self.mime,
            "status": str(self.status),
            "digest": self.digest,
            "length": str(self.length),
            "offset": str(self.offset),
            "filename": self.filename,
        }
        return f"{surt_key(self.url)} {self.timestamp} {json.dumps(fields, ensure_ascii=False)}"

    @classmethod
    def from_line(cls, line: str) -> IndexLine:
        """Raises ValueError for a line that is not CDXJ as written here."""
        _key, timestamp, text = line.rstrip("\n").split(" ", 2)
        fields = json.loads(text)
        return cls(
            url=fields["url"],
            timestamp=timestamp,
            mime=fields["mime"],
            status=int(fields["status"]),
            digest=fields["digest"],
            length=int(fields["length"]),
            offset=int(fields["offset"]),
            filename=fields["filename"],
        )


def read_index(path: Path) -> Iterator[IndexLine]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield IndexLine.from_line(line)


def sort_index(path: Path) -> None:
    """Sort a CDXJ file in place (key, then timestamp): the order replay tools search in."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines.sort()
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    temporary.replace(path)
