"""A crawl's health: required fields checked, the failure watch that stops a run the site keeps
refusing, the redesign watch, alarms, and the judgement of the run into its exit status."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Iterable

from ..config import CrawlSettings
from ..errors import Status
from ..record import Article
from .crawl_events import Events
from .crawl_report import CrawlReport
from .redesign import RedesignWatch, read_generically

# Answers that are no page: the site refusing or failing us. Retried by a later run.
FAILING = frozenset({"failed", "blocked", "challenge", "empty"})


class Health:
    """Watches every page a crawl writes, telling `events` of its alarms and early stops. The
    report it writes into is the run's own."""

    def __init__(self, settings: CrawlSettings, report: CrawlReport, events: Events) -> None:
        self.settings = settings
        self.report = report
        self.events = events
        self._recent: deque[tuple[bool, str]] = deque(maxlen=settings.failure_window)
        self._answered_at = time.monotonic()  # when the site last gave a page (or the run began)
        self._seeds: list[tuple[bool, str]] = []  # the entry points' fetches: failed?, cause
        self._incomplete: Counter[str] = Counter()  # missing required fields among new articles
        self._incomplete_articles = 0
        self.redesign: RedesignWatch | None = None  # made when the run starts

    def begin(self) -> None:
        """The run starts fetching: the site's silence is counted from now."""
        self._answered_at = time.monotonic()

    def check(self, article: Article, *, new: bool) -> None:
        if new:
            missing = [
                name
                for name, absent in (
                    ("title", not article.title),
                    ("body", not article.paragraphs),
                    ("published date", article.published_at is None),
                )
                if absent
            ]
            self._incomplete.update(missing)
            self._incomplete_articles += bool(missing)

    def watch_layouts(self, article: Article) -> None:
        """Every article read: a jump in those no layout's rules know raises the alarm, once."""
        if read_generically(article):
            self.report.read_generically += 1
            self.report.generic_example = self.report.generic_example or article.url
        if self.redesign is not None and (message := self.redesign.see(article)):
            self.alarm("unknown_layout", message)

    def fetched(self, outcome: str, cause: str, *, seed: bool) -> bool:
        """One fetch's outcome seen; True when it stops the run early (`watch_failures`)."""
        failing = outcome in FAILING
        self._recent.append((failing, f"{outcome}: {cause}"))
        if seed:
            self._seeds.append((failing, f"{outcome}: {cause}"))
        if not failing:
            self._answered_at = time.monotonic()
        return self._watch_failures()

    def _watch_failures(self) -> bool:
        """Stop when the share of failures over the last `failure_window` fetches reaches
        `failure_share`, or when the site has given no page for `give_up_after`: the site is
        refusing or failing us, going on would only hammer it."""
        settings = self.settings
        if self.report.stopped_early:
            return False
        failing = [cause for failed, cause in self._recent if failed]
        silent = time.monotonic() - self._answered_at
        if silent >= settings.give_up_seconds and self._recent and self._recent[-1][0]:
            reason = (
                f"no page from the site for {silent:.0f} s "
                f"(give_up_after {settings.give_up_after}): {tally(failing)}"
            )
        elif len(self._recent) >= settings.failure_window and len(failing) >= (
            settings.failure_share * len(self._recent)
        ):
            reason = (
                f"{len(failing)} of the last {len(self._recent)} fetches failed ({tally(failing)})"
            )
        else:
            return False
        self.report.stopped_early = reason
        self.events.emit("stopped", reason=reason)
        return True

    def judge(self, signal: int | None) -> None:
        """The run's exit status: site failing (5) over alarm (4) over signal over done (0)."""
        report = self.report
        settings = self.settings
        judged = list(self._recent)
        if not report.stopped_early and 0 < len(judged) < settings.failure_window:
            # A short run (fewer fetches than the window) is judged on all of them.
            failing = [cause for failed, cause in judged if failed]
            if failing and len(failing) >= settings.failure_share * len(judged):
                report.stopped_early = (
                    f"{len(failing)} of {len(judged)} fetches failed ({tally(failing)})"
                )
        if not report.stopped_early and self._seeds and all(failed for failed, _ in self._seeds):
            # Without its entry points a run sees nothing new, whatever else it fetched.
            causes = [cause for _, cause in self._seeds]
            report.stopped_early = f"every entry point failed ({tally(causes)})"
        new = report.counts["new"]
        share = self._incomplete_articles / new if new else 0.0
        if share > settings.alarm_missing_share:
            lacking = ", ".join(f"{name} {n}" for name, n in self._incomplete.most_common())
            self.alarm(
                "missing_fields",
                f"{self._incomplete_articles} of {new} new articles ({share:.0%}) lack a "
                f"required field ({lacking}); threshold crawl.alarm_missing_share "
                f"{settings.alarm_missing_share:.0%}",
            )
        if self.redesign is not None and (message := self.redesign.finish()):
            self.alarm("unknown_layout", message)
        if report.exit_status != Status.OK:  # set during the run (the lock was lost)
            return
        if report.stopped_early:
            report.exit_status = Status.STOPPED
        elif report.alarms:
            report.exit_status = Status.ALARM
        elif signal is not None:
            report.exit_status = 128 + signal  # the shell's convention for "killed by"

    def alarm(self, kind: str, message: str) -> None:
        self.report.alarms.append(message)
        self.events.emit("alarm", kind=kind, message=message)


def tally(causes: Iterable[str]) -> str:
    """`blocked: HTTP 403 ×12, failed: HTTP 503 after 5 attempts ×3`: the commonest first."""
    counted = Counter(causes).most_common(3)
    return ", ".join(f"{cause} ×{n}" for cause, n in counted)
