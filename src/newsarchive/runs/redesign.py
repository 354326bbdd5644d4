"""A site redesign noticed during a crawl: the share of articles read by the generic reader jumps.

When the site changes its templates, no layout's rules know the new pages and the generic
reader reads them: they are still stored, but with fields guessed or missing. A page here and
there read so is no alarm (a special page, a sister site's); most of the latest ones is. The
watch keeps the last `WINDOW` articles read, starting from the archive's latest ones (so a short
daily run is judged with its predecessors), and raises its alarm once a run, when more than
`ALARM_SHARE` of them were read generically and at least twice the share of the whole archive
before the run: a jump, not what this archive always was.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass

from ..record import FIELDS, Article
from ..store import GenericReads

WINDOW = 20  # articles
ALARM_SHARE = 0.5  # of the window read generically: above it, an alarm
LOW_CONFIDENCE = 0.5  # a page the parser is less sure of than this counts as read generically
# The record's fields worth naming: `body_text` follows `paragraphs`, the rest are given.
NAMED_FIELDS = tuple(f for f in FIELDS if f not in ("url", "body_text", "layout", "parser_version"))


def read_generically(article: Article) -> bool:
    """Read by the generic reader: no layout's rules know the page, or the parser is unsure."""
    provenance = article.provenance
    low = provenance is not None and provenance.confidence < LOW_CONFIDENCE
    return article.layout == "generic" or low


@dataclass(frozen=True, slots=True)
class _Read:
    """One article as the watch keeps it: where, whether read generically, and for those read
    in this run, its fields that came from the generic reader and those that came out empty."""

    url: str
    generic: bool
    from_generic: tuple[str, ...] | None = None  # None: the parser did not say
    empty: tuple[str, ...] = ()
    this_run: bool = False


class RedesignWatch:
    """One crawl's watch: `see` every article read, `finish` at the end; each returns the
    alarm's message the one time it is due, None otherwise."""

    def __init__(self, archived: GenericReads) -> None:
        self._archived = archived
        self._window: deque[_Read] = deque(
            (_Read(url, generic) for url, generic in archived.latest), maxlen=WINDOW
        )
        self._seen_generic = False  # in this run
        self._alarmed = False

    @property
    def baseline(self) -> float:
        """The archive's share of articles read generically before the run."""
        archived = self._archived
        return archived.read / archived.articles if archived.articles else 0.0

    def see(self, article: Article) -> str | None:
        """Note one article read; the alarm's message, the first time the window calls for it."""
        generic = read_generically(article)
        self._window.append(_noted(article) if generic else _Read(article.url, False))
        self._seen_generic |= generic
        if not generic or len(self._window) < WINDOW:
            return None
        return self._judge()

    def finish(self) -> str | None:
        """At the end of the run: a window never filled (a young archive, a short run) is
        judged on what it holds; the alarm's message if it calls for one."""
        if not self._seen_generic or len(self._window) >= WINDOW:
            return None
        return self._judge()

    def _judge(self) -> str | None:
        if self._alarmed:
            return None
        generic = [read for read in self._window if read.generic]
        share = len(generic) / len(self._window)
        if share <= ALARM_SHARE or share < 2 * self.baseline:
            return None
        self._alarmed = True
        return self._message(generic)

    def _message(self, generic: list[_Read]) -> str:
        ours = [read for read in generic if read.this_run]
        archived = self._archived.articles
        before = (
            f"{self.baseline:.0%} of the {archived} archived before this run"
            if archived
            else "the archive was empty before this run"
        )
        parts = [
            f"site redesign? {len(generic)} of the last {len(self._window)} articles are in a "
            f"layout no rules know (read by the generic reader; {before}), e.g. {ours[-1].url}"
        ]
        said = [read.from_generic for read in ours if read.from_generic is not None]
        if said:
            parts.append(f"fields from the generic reader: {_tally(f for r in said for f in r)}")
        else:
            parts.append("fields from the generic reader: not said by the parser")
        parts.append(f"empty: {_tally(name for read in ours for name in read.empty)}")
        return "; ".join(parts)


def _noted(article: Article) -> _Read:
    record = article.to_dict()
    empty = tuple(name for name in NAMED_FIELDS if record[name] in (None, "", []))
    provenance = article.provenance
    from_generic = None
    if provenance is not None:
        from_generic = tuple(n for n, _ in provenance.fields if provenance.kind(n) == "generic")
    return _Read(article.url, True, from_generic, empty, this_run=True)


def _tally(names: Iterable[str]) -> str:
    """`paragraphs 16, title 16, authors 3`: the commonest first; `none` when there are none."""
    counted = Counter(names)
    return ", ".join(f"{name} {n}" for name, n in counted.most_common()) or "none"
