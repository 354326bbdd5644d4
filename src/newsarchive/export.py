"""Article records written as JSON Lines, CSV or Parquet, one at a time as they come (CLI.md).

Columns are the fields of ARTICLE.md in its order. JSON Lines: one record per line. CSV: UTF-8
with a byte order mark (spreadsheets then read Vietnamese right), list and object fields as JSON
text in their cell, null as an empty cell. Parquet: lists as list columns, `images` and `related`
as lists of structs, the two timestamps as `timestamp[us, tz=Asia/Ho_Chi_Minh]`, one row group
per `ROWS_PER_GROUP` articles.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from functools import cache
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .record import FIELDS, Article

if TYPE_CHECKING:
    import pyarrow as pa

FORMATS = ("jsonl", "csv", "parquet")
# Fields whose values are lists or objects: JSON text in a CSV cell.
JSON_FIELDS = frozenset({"paragraphs", "captions", "images", "authors", "tags", "related"})
ROWS_PER_GROUP = 1000
HANOI = "Asia/Ho_Chi_Minh"


@cache
def parquet_schema() -> pa.Schema:
    """The Parquet file's columns: ARTICLE.md's fields, in order, with their types."""
    import pyarrow as pa  # loaded only for Parquet: it takes a good part of a second

    text = pa.string()
    texts = pa.list_(pa.field("item", text, nullable=False))
    timestamp = pa.timestamp("us", tz=HANOI)

    def records(*fields: tuple[str, bool]) -> pa.DataType:
        struct = pa.struct([pa.field(name, text, nullable=nullable) for name, nullable in fields])
        return pa.list_(pa.field("item", struct, nullable=False))

    return pa.schema(
        [
            pa.field("url", text, nullable=False),
            pa.field("site_id", text),
            pa.field("title", text, nullable=False),
            pa.field("sapo", text),
            pa.field("paragraphs", texts, nullable=False),
            pa.field("body_text", text, nullable=False),
            pa.field("captions", texts, nullable=False),
            pa.field("images", records(("url", False), ("caption", True)), nullable=False),
            pa.field("published_at", timestamp),
            pa.field("updated_at", timestamp),
            pa.field("authors", texts, nullable=False),
            pa.field("category", text),
            pa.field("tags", texts, nullable=False),
            pa.field(
                "related",
                records(("url", False), ("title", False), ("kind", False)),
                nullable=False,
            ),
            pa.field("layout", text, nullable=False),
            pa.field("parser_version", text, nullable=False),
        ]
    )


def write_jsonl(articles: Iterable[Article], out: IO[bytes]) -> int:
    """One ARTICLE.md record per line, UTF-8; how many were written."""
    count = 0
    for article in articles:
        out.write(json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8") + b"\n")
        count += 1
    return count


def write_csv(articles: Iterable[Article], out: IO[bytes]) -> int:
    """A header of the field names, then one row per article; how many were written."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        rows = csv.writer(text)
        rows.writerow(FIELDS)
        count = 0
        for article in articles:
            rows.writerow(_csv_cell(name, value) for name, value in article.to_dict().items())
            count += 1
        text.flush()
        return count
    finally:
        text.detach()  # the caller owns `out`


def _csv_cell(name: str, value: Any) -> str:
    if name in JSON_FIELDS:
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def write_parquet(articles: Iterable[Article], out: IO[bytes]) -> int:
    """A Parquet file of `parquet_schema()`; how many articles it holds."""
    import pyarrow.parquet as pq

    count = 0
    with pq.ParquetWriter(out, parquet_schema()) as writer:
        remaining = iter(articles)
        while group := list(islice(remaining, ROWS_PER_GROUP)):
            writer.write_table(arrow_table(group))
            count += len(group)
    return count


def arrow_table(articles: Iterable[Article]) -> pa.Table:
    """The articles as one Arrow table with the Parquet file's columns (`parquet_schema()`)."""
    import pyarrow as pa

    return pa.Table.from_pylist([_parquet_row(a) for a in articles], schema=parquet_schema())


def _parquet_row(article: Article) -> dict[str, Any]:
    row = article.to_dict()
    for name in ("published_at", "updated_at"):
        if row[name] is not None:
            row[name] = datetime.fromisoformat(row[name])
    return row


WRITERS: dict[str, Callable[[Iterable[Article], IO[bytes]], int]] = {
    "jsonl": write_jsonl,
    "csv": write_csv,
    "parquet": write_parquet,
}


def write(format: str, articles: Iterable[Article], out: IO[bytes]) -> int:
    """Write `articles` to `out` in `format` (one of FORMATS); how many were written."""
    return WRITERS[format](articles, out)


@contextmanager
def replacing(path: Path) -> Iterator[IO[bytes]]:
    """A new file that takes `path`'s place only when the block ends without error: it is
    written beside `path` under a temporary name, then renamed, so a crash or a kill never
    leaves a half-written file at `path` (at worst a `.NAME.*.part` file beside it)."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a file is not
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
