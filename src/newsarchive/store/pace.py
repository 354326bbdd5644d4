"""The politeness delay across crawls sharing an archive: one `host_pace` row per host says when
the next request to it may start, by the database's clock, the one clock all crawls share.

A request claims its turn when the turn is due, not ahead of it: the claim moves the row to now
plus the spacing, and the request starts right after. A claim booked seconds ahead would let a
process that wakes late from its wait start its request close to the next one's; claimed when
due, two requests to a host start at least the spacing apart, whichever crawls, processes or
machines they come from. A request that still left late after its claim (its process held back
by the operating system) pushes the next turn on from when it did leave.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from .dialect import insert_or_ignore
from .models import HostPaceRow

_NOW = "extract(epoch FROM clock_timestamp())"
_CLAIM = text(
    f"UPDATE host_pace SET next_allowed_at = {_NOW} + :spacing "
    f"WHERE host = :host AND next_allowed_at <= {_NOW} RETURNING host"
)
_WAIT = text(f"SELECT next_allowed_at - {_NOW} FROM host_pace WHERE host = :host")


def claim_turn(session: Session, host: str, spacing: float) -> float:
    """Claim the turn to send a request to `host` now, the next one `spacing` seconds later:
    0 when claimed (send it at once), else the seconds to wait before asking again.
    PostgreSQL only (the row's lock makes concurrent claims queue; one of them wins)."""
    parameters = {"host": host, "spacing": max(0.0, spacing)}
    if session.execute(_CLAIM, parameters).first() is not None:
        return 0.0
    wait = session.execute(_WAIT, parameters).scalar_one_or_none()
    if wait is None:  # the host's first request: its row is made, then claimed as any other
        insert_or_ignore(session, HostPaceRow, [{"host": host, "next_allowed_at": 0.0}], ["host"])
        return 0.0 if session.execute(_CLAIM, parameters).first() is not None else 1e-3
    # Asked again at once if it came due meanwhile; never a busy loop of zero waits.
    return max(1e-3, float(wait))


_PUSH = text(
    f"UPDATE host_pace SET next_allowed_at = greatest(next_allowed_at, {_NOW} + :spacing) "
    "WHERE host = :host"
)


def push_turn(session: Session, host: str, spacing: float) -> None:
    """A request to `host` left only now, late after its claim: the next turn is `spacing`
    from now, not from the claim (if nobody has claimed it yet, it is in time)."""
    session.execute(_PUSH, {"host": host, "spacing": max(0.0, spacing)})
