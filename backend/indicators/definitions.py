"""The indicators a screen counts, each defined once: as a predicate over a case's facts (what a case event
carries, so that the event can say what it changes in each count) and as the same rule in SQL (what a full
read counts). An event's change to an indicator is `holds(after) - holds(before)`.

"Today" is the calendar day in the configured local time zone, "this month" its calendar month. The settlement
rate of a period is the share closed of the cases opened in it that were not cancelled (nor merged, which
cancels): counted as two indicators, what was opened and what of it is closed, so an event carries the change to
each and a screen divides. Overdue means red-carded: the red card is the
sweeper's verdict that the deadline passed, so an overdue case is counted from the sweep after its deadline
(at most `sweep_seconds` later), by a full read and by the events alike.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import InstrumentedAttribute

from backend.models import OPEN_STATES, Case, Report
from backend.platform.db import rare


class CaseFacts(Protocol):
    """What the predicates read of a case (a Case row, or the facts a case event carries)."""

    state: str
    card: str
    closed_at: datetime | None
    received_at: datetime | None  # when the report that opened the case came in (None: no case yet)


@dataclass(frozen=True)
class Interval:
    """A UTC interval [start, end)."""

    start: datetime
    end: datetime

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.end

    def clause(self, column: InstrumentedAttribute) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


@dataclass(frozen=True)
class Day(Interval):
    """One local calendar day, as a UTC interval, and its month."""

    date: date
    month: Interval

    @classmethod
    def of(cls, at: datetime, tz: str) -> Day:
        local = at.astimezone(ZoneInfo(tz))
        start = datetime.combine(local.date(), time.min, tzinfo=local.tzinfo)
        first = start.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        utc = lambda moment: moment.astimezone(timezone.utc)  # noqa: E731
        return cls(utc(start), utc(start + timedelta(days=1)), local.date(), Interval(utc(first), utc(following)))

    def so_far(self, at: datetime) -> Day:
        """The day and its month up to `at` (exclusive): what their figures were at that moment."""
        return replace(self, end=at, month=Interval(self.month.start, at))


@dataclass(frozen=True)
class Indicator:
    key: str
    table: type  # what a full read counts rows of
    holds: Callable[[CaseFacts, Day], bool]
    clause: Callable[[Day], ColumnElement[bool]]
    period: str | None = None  # "day" or "month": a screen adds an event's change only in that local period


def _open(case: CaseFacts) -> bool:
    return case.state in OPEN_STATES


# A registered case under way: to dispatch, dispatched, handled, fed back (the open cases beyond registration;
# the dispatcher console's "in handling" tab is the narrower dispatched and handling, backend.cases.queries).
UNDER_WAY_STATES = tuple(state for state in OPEN_STATES if state != "collected")


_PERIODS: dict[str, Callable[[Day], Interval]] = {"day": lambda day: day, "month": lambda day: day.month}


def _settlement(key: str, period: str, settled: bool) -> Indicator:
    """Cases opened in the period and not cancelled (the settlement rate's denominator), or of those the
    ones closed within it (`settled`: its numerator; for a period so far, closed by its end)."""
    interval = _PERIODS[period]

    def holds(case: CaseFacts, day: Day) -> bool:
        period_ = interval(day)
        if not period_.holds(case.received_at):
            return False
        return case.state == "closed" and case.closed_at < period_.end if settled else case.state != "cancelled"

    def clause(day: Day) -> ColumnElement[bool]:
        period_ = interval(day)
        state = and_(Case.state == "closed", Case.closed_at < period_.end) if settled else Case.state != "cancelled"
        return and_(period_.clause(Case.created_at), state)

    return Indicator(key, Case, holds, clause, period)


OPEN = Indicator("open_cases", Case, lambda case, day: _open(case), lambda day: rare(Case.state.in_(OPEN_STATES)))
INDICATORS = (
    # A case is opened by one report (a merge moves reports, it does not remove any).
    Indicator("reports_today", Report, lambda case, day: day.holds(case.received_at),
              lambda day: day.clause(Report.received_at), "day"),
    OPEN,
    Indicator("to_register", Case, lambda case, day: case.state == "collected",
              lambda day: rare(Case.state == "collected")),
    Indicator("under_way", Case, lambda case, day: case.state in UNDER_WAY_STATES,
              lambda day: rare(Case.state.in_(UNDER_WAY_STATES))),
    Indicator("yellow", Case, lambda case, day: _open(case) and case.card == "yellow",
              lambda day: and_(OPEN.clause(day), Case.card == "yellow")),
    Indicator("overdue", Case, lambda case, day: _open(case) and case.card == "red",
              lambda day: and_(OPEN.clause(day), Case.card == "red")),
    Indicator("closed_today", Case, lambda case, day: day.holds(case.closed_at),
              lambda day: day.clause(Case.closed_at), "day"),
    _settlement("opened_today", "day", settled=False), _settlement("settled_today", "day", settled=True),
    _settlement("opened_month", "month", settled=False), _settlement("settled_month", "month", settled=True),
)
DAILY = tuple(indicator.key for indicator in INDICATORS if indicator.period == "day")
MONTHLY = tuple(indicator.key for indicator in INDICATORS if indicator.period == "month")


def changes(before: CaseFacts | None, after: CaseFacts, day: Day) -> dict[str, int]:
    """What a change from `before` (None: the case is new) to `after` on `day` does to each indicator."""
    return {i.key: int(i.holds(after, day)) - int(before is not None and i.holds(before, day)) for i in INDICATORS}
