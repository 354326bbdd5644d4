"""The article record of ARTICLE.md as a typed, immutable value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

RelatedKind = Literal["inline", "related", "latest", "most_read"]
RELATED_KINDS: tuple[RelatedKind, ...] = ("inline", "related", "latest", "most_read")

# The field order of ARTICLE.md; exports and `to_dict()` keep it.
FIELDS: tuple[str, ...] = (
    "url",
    "site_id",
    "title",
    "sapo",
    "paragraphs",
    "body_text",
    "captions",
    "images",
    "published_at",
    "updated_at",
    "authors",
    "category",
    "tags",
    "related",
    "layout",
    "parser_version",
)


class PickledByFields:
    """A dataclass pickled as its class and field values, because the crawl's reading workers
    send back the records of every page and dataclasses' own pickling of a slots class looks its
    fields up again for every object (`make bench` measures both: bench/choices.py)."""

    __slots__ = ()
    __match_args__: ClassVar[tuple[str, ...]]  # the fields, in order (dataclass sets it)

    def __reduce__(self) -> tuple[type[Any], tuple[Any, ...]]:
        return type(self), tuple([getattr(self, name) for name in self.__match_args__])


@dataclass(frozen=True, slots=True)
class Image(PickledByFields):
    url: str
    caption: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "caption": self.caption}


@dataclass(frozen=True, slots=True)
class Related(PickledByFields):
    url: str
    title: str
    kind: RelatedKind

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "title": self.title, "kind": self.kind}


# Where a field's value came from, by the kind of rule: the layout's own selectors, the page's
# standard metadata (JSON-LD, Open Graph, `article:*`, `itemprop`), the generic reader's cues
# and structure, the URL, or nothing at all (the field is empty).
SourceKind = Literal["layout", "metadata", "generic", "url", "none"]
SOURCE_KINDS: tuple[SourceKind, ...] = ("layout", "metadata", "generic", "url", "none")


@dataclass(frozen=True, slots=True)
class Provenance(PickledByFields):
    """How each field of one record was read, and how sure the parser is of the whole page.

    `fields` pairs a field name with its rule, written `kind:detail` (`layout:h1.article-title`,
    `metadata:json-ld datePublished`, `generic:structure`, `none`); `confidence` runs from 0 (a
    guess) to 1 (a layout's rules found every required field). Not part of the ARTICLE.md record.
    """

    fields: tuple[tuple[str, str], ...] = ()
    confidence: float = 0.0

    def source(self, name: str) -> str:
        return dict(self.fields).get(name, "none")

    def kind(self, name: str) -> SourceKind:
        kind = self.source(name).split(":", 1)[0]
        for known in SOURCE_KINDS:
            if kind == known:
                return known
        return "none"

    def to_dict(self) -> dict[str, Any]:
        return {"confidence": round(self.confidence, 3), "fields": dict(self.fields)}


@dataclass(frozen=True, slots=True)
class Article(PickledByFields):
    """One article as the parser read it. Timestamps are ISO 8601 strings in Hanoi time."""

    url: str
    title: str
    site_id: str | None = None
    sapo: str | None = None
    paragraphs: tuple[str, ...] = ()
    captions: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    published_at: str | None = None
    updated_at: str | None = None
    authors: tuple[str, ...] = ()
    category: str | None = None
    tags: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    layout: str = "generic"
    parser_version: str = field(default="")
    # How each field was read; outside the record (`to_dict`) and its equality.
    provenance: Provenance | None = field(default=None, compare=False)

    @property
    def body_text(self) -> str:
        return "\n\n".join(self.paragraphs)

    def to_dict(self) -> dict[str, Any]:
        """The ARTICLE.md form: plain JSON types, fields in the documented order."""
        return {
            "url": self.url,
            "site_id": self.site_id,
            "title": self.title,
            "sapo": self.sapo,
            "paragraphs": list(self.paragraphs),
            "body_text": self.body_text,
            "captions": list(self.captions),
            "images": [image.to_dict() for image in self.images],
            "published_at": self.published_at,
            "updated_at": self.updated_at,
            "authors": list(self.authors),
            "category": self.category,
            "tags": list(self.tags),
            "related": [link.to_dict() for link in self.related],
            "layout": self.layout,
            "parser_version": self.parser_version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Inverse of `to_dict()` (`body_text` is derived, so it is ignored)."""
        return cls(
            url=data["url"],
            site_id=data.get("site_id"),
            title=data["title"],
            sapo=data.get("sapo"),
            paragraphs=tuple(data.get("paragraphs", ())),
            captions=tuple(data.get("captions", ())),
            images=tuple(Image(i["url"], i.get("caption")) for i in data.get("images", ())),
            published_at=data.get("published_at"),
            updated_at=data.get("updated_at"),
            authors=tuple(data.get("authors", ())),
            category=data.get("category"),
            tags=tuple(data.get("tags", ())),
            related=tuple(
                Related(r["url"], r["title"], r["kind"]) for r in data.get("related", ())
            ),
            layout=data.get("layout", "generic"),
            parser_version=data.get("parser_version", ""),
        )
