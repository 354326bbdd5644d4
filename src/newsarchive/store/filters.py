"""Which articles a command works on: published within some Hanoi days, in some categories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from newsarchive.derived.fold import fold

from .models import ArticleRow

# Stored `published_at` values are all in Hanoi time with this offset and one fixed format, so a
# day's bounds compare correctly as text.
HANOI_OFFSET = "+07:00"


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """None means no limit. `since` and `until` are Hanoi calendar days, both included; with
    either, undated articles are left out. `categories` are stored names, any of them."""

    since: date | None = None
    until: date | None = None
    categories: tuple[str, ...] | None = None

    @property
    def since_bound(self) -> str | None:
        """The first moment included, as stored text."""
        return None if self.since is None else _day_start(self.since)

    @property
    def until_bound(self) -> str | None:
        """The first moment after the last day included, as stored text."""
        return None if self.until is None else _day_start(self.until + timedelta(days=1))


ALL_ARTICLES = ArticleFilter()


def _day_start(day: date) -> str:
    return f"{day.isoformat()}T00:00:00{HANOI_OFFSET}"


def conditions(chosen: ArticleFilter) -> list[ColumnElement[bool]]:
    """The filter as conditions on `ArticleRow`."""
    found: list[ColumnElement[bool]] = []
    if chosen.since_bound is not None:
        found.append(ArticleRow.published_at >= chosen.since_bound)
    if chosen.until_bound is not None:
        found.append(ArticleRow.published_at < chosen.until_bound)
    if chosen.categories is not None:
        found.append(ArticleRow.category.in_(chosen.categories))
    return found


def chosen_id_sets(chosen: ArticleFilter) -> tuple[tuple[str, ...], dict[str, object]]:
    """The filter as queries for sets of article ids, the chosen articles being in all of them
    (none: every article), and their parameters (`:categories` to be expanded). Each set is
    read from an index alone: categories and dates together from `(category, published_at, id)`,
    either alone from its own."""
    conditions, bounds = list[str](), dict[str, object]()
    if chosen.categories is not None:
        conditions.append("category IN :categories")
        bounds["categories"] = list(chosen.categories)
    if chosen.since_bound is not None:
        conditions.append("published_at >= :since")
        bounds["since"] = chosen.since_bound
    if chosen.until_bound is not None:
        conditions.append("published_at < :until")
        bounds["until"] = chosen.until_bound
    if not conditions:
        return (), bounds
    return (f"SELECT id FROM article WHERE {' AND '.join(conditions)}",), bounds


def categories_like(session: Session, name: str) -> tuple[str, ...]:
    """The stored categories that are `name` up to case and diacritics (`kinh te`: `Kinh tế`)."""
    wanted = _folded(name)
    return tuple(c for c in categories(session) if _folded(c) == wanted)


def categories(session: Session) -> list[str]:
    """Every stored category, sorted."""
    stored = session.scalars(
        select(ArticleRow.category).where(ArticleRow.category.is_not(None)).distinct()
    )
    return sorted(c for c in stored if c is not None)


def _folded(name: str) -> str:
    return " ".join(fold(name).split())
