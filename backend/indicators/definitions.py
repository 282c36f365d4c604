"""The indicators a screen counts, each defined once: as a predicate over a case's facts (what a case event
carries, so that the event can say what it changes in each count) and as the same rule in SQL (what a full
read counts). An event's change to an indicator is `holds(after) - holds(before)`.

"Today" is the calendar day in the configured local time zone. Overdue means red-carded: the red card is the
sweeper's verdict that the deadline passed, so an overdue case is counted from the sweep after its deadline
(at most `sweep_seconds` later), by a full read and by the events alike.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import InstrumentedAttribute

from backend.models import OPEN_STATES, Case, Report


class CaseFacts(Protocol):
    """What the predicates read of a case (a Case row, or the facts a case event carries)."""

    state: str
    card: str
    closed_at: datetime | None
    received_at: datetime | None  # when the report that opened the case came in (None: no case yet)


@dataclass(frozen=True)
class Day:
    """One local calendar day, as a UTC interval."""

    date: date
    start: datetime
    end: datetime

    @classmethod
    def of(cls, at: datetime, tz: str) -> Day:
        local = at.astimezone(ZoneInfo(tz))
        start = datetime.combine(local.date(), time.min, tzinfo=local.tzinfo)
        return cls(local.date(), start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc))

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.end

    def clause(self, column: InstrumentedAttribute) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


@dataclass(frozen=True)
class Indicator:
    key: str
    table: type  # what a full read counts rows of
    holds: Callable[[CaseFacts, Day], bool]
    clause: Callable[[Day], ColumnElement[bool]]
    daily: bool = False  # counts for one local day: a screen adds an event's change only on that day


def _open(case: CaseFacts) -> bool:
    return case.state in OPEN_STATES


OPEN = Indicator("open_cases", Case, lambda case, day: _open(case), lambda day: Case.state.in_(OPEN_STATES))
INDICATORS = (
    # A case is opened by one report (a merge moves reports, it does not remove any).
    Indicator("reports_today", Report, lambda case, day: day.holds(case.received_at),
              lambda day: day.clause(Report.received_at), daily=True),
    OPEN,
    Indicator("overdue", Case, lambda case, day: _open(case) and case.card == "red",
              lambda day: and_(OPEN.clause(day), Case.card == "red")),
    Indicator("closed_today", Case, lambda case, day: day.holds(case.closed_at),
              lambda day: day.clause(Case.closed_at), daily=True),
)
DAILY = tuple(indicator.key for indicator in INDICATORS if indicator.daily)


def changes(before: CaseFacts | None, after: CaseFacts, day: Day) -> dict[str, int]:
    """What a change from `before` (None: the case is new) to `after` on `day` does to each indicator."""
    return {i.key: int(i.holds(after, day)) - int(before is not None and i.holds(before, day)) for i in INDICATORS}
