"""When to look at an archived article again: often while it is young and may still be edited,
then less often, then never (the `[crawl] revisit` rules)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..config import RevisitRule


def next_visit(rules: Sequence[RevisitRule], published: datetime, now: datetime) -> datetime | None:
    """`now` plus the interval of the first rule the article is young enough for; None (never)
    when it is older than every rule allows."""
    age = now - published
    for rule in rules:
        if age < rule.younger_than:
            return now + rule.every
    return None
