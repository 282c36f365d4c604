"""The wall's figures in scope, read from the database by the indicator definitions (a full read), now and at
the same time yesterday."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, cast, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from backend.geo.scope import Scope
from backend.indicators.definitions import INDICATORS, Day, Indicator
from backend.models import OutboxEvent


def _count(session: Session, scope: Scope, indicators: Iterable[Indicator], day: Day) -> dict[str, int]:
    """Each indicator's figure on `day`, one query per table counted. Only rows some indicator counts are read
    (the OR of their clauses, each served by an index): a city's million past cases took a full scan, 0.5 s."""
    indicators = tuple(indicators)
    counts = {}
    for table in dict.fromkeys(i.table for i in indicators):
        mine = [i for i in indicators if i.table is table]
        clauses = [i.clause(day) for i in mine]
        row = session.execute(select(*(func.count().filter(clause) for clause in clauses))
                              .where(scope.clause(table), or_(*clauses))).one()
        counts |= dict(zip((i.key for i in mine), row))
    return {i.key: counts[i.key] for i in indicators}


def wall_kpis(session: Session, scope: Scope, now: datetime, tz: str) -> dict[str, int]:
    """Every indicator's figure in scope now: today's, this month's, and the open cases as they stand."""
    return _count(session, scope, INDICATORS, Day.of(now, tz))


def same_time_yesterday(now: datetime, tz: str) -> datetime:
    """The same local clock time a day earlier (in UTC)."""
    return (now.astimezone(ZoneInfo(tz)) - timedelta(days=1)).astimezone(timezone.utc)


def _change(session: Session, key: str):
    """One indicator's change as a case event's outbox row records it (its payload's `counts`)."""
    if session.get_bind().dialect.name == "postgresql":
        payload = cast(OutboxEvent.payload, JSONB)
    else:  # SQLite's JSON functions read the text as it is
        payload = type_coerce(OutboxEvent.payload, JSON)
    return func.coalesce(func.sum(payload[("counts", key)].as_integer()), 0)


def changes_since(session: Session, scope: Scope, since: datetime, keys: tuple[str, ...]) -> dict[str, int]:
    """What the case events in scope from `since` on changed in each of `keys`: the events say it themselves,
    by the same definitions the figures are counted by, so no rule is stated twice."""
    row = session.execute(select(*(_change(session, key) for key in keys))
                          .where(scope.clause(OutboxEvent), OutboxEvent.kind.startswith("case."),
                                 OutboxEvent.created_at >= since)).one()
    return dict(zip(keys, row))


def wall_yesterday(session: Session, scope: Scope, now: datetime, tz: str) -> dict[str, int]:
    """Every indicator's figure in scope at the same time yesterday. A figure of a period (reports today, the
    month's settlement) is that period's so far, as history stands now; a figure of how cases stand (to
    register, red cards) is today's less what the case events since then changed in it, so it holds only
    changes made through the product (a generated demo history has no events)."""
    then = same_time_yesterday(now, tz)
    periods = [i for i in INDICATORS if i.period]
    standing = tuple(i.key for i in INDICATORS if not i.period)
    figures = _count(session, scope, periods, Day.of(then, tz).so_far(then))
    current = _count(session, scope, (i for i in INDICATORS if not i.period), Day.of(now, tz))
    changed = changes_since(session, scope, then, standing)
    return figures | {key: current[key] - changed[key] for key in standing}
