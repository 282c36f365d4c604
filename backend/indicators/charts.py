"""The wall's charts, read from the database by the indicator definitions (a full read; pushed events then add
the counts they carry, assets/wallcharts.js): today's settlement by child grid, reports and closures by local
hour of today and of the same day a week ago, and today's reports by category.

Each figure counts by its indicator's own clause (backend/indicators/definitions.py): an hour is counted by
the daily indicator's clause over that hour instead of the whole day, so a chart and its KPI tile never
disagree on what they count.
"""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.geo.scope import Scope
from backend.indicators.definitions import INDICATORS, Day, Indicator, Interval
from backend.models import PLACEMENT_COLUMNS, Case, Category, Grid, Report

BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
OPENED, SETTLED = BY_KEY["opened_today"], BY_KEY["settled_today"]
REPORTS, CLOSED = BY_KEY["reports_today"], BY_KEY["closed_today"]
WEEK = timedelta(days=7)


def bar_level(parent: Grid) -> int:
    """The level of the grids a chart of `parent` has a bar for: its children (a unit grid has none: itself)."""
    return min(parent.level + 1, len(PLACEMENT_COLUMNS) - 1)


def settlement_by_child(session: Session, scope: Scope, parent: Grid, day: Day) -> list[dict]:
    """Each child grid of `parent` in `scope` (a unit grid: `parent` itself), by its code, with the cases
    opened on `day` (not cancelled) and how many of them are settled: the settlement rate's two parts."""
    level = bar_level(parent)
    child, under = (getattr(Case, PLACEMENT_COLUMNS[i]) for i in (level, parent.level))
    counts = {grid: (opened, settled) for grid, opened, settled in session.execute(
        select(child, func.count().filter(OPENED.clause(day)), func.count().filter(SETTLED.clause(day)))
        .where(scope.clause(Case), under == parent.id, or_(OPENED.clause(day), SETTLED.clause(day)))
        .group_by(child))}
    grids = session.execute(select(Grid.id, Grid.name, Grid.name_en).where(
        scope.grid_clause(), Grid.id == parent.id if level == parent.level else Grid.parent_id == parent.id)
        .order_by(Grid.code)).all()
    return [{"id": grid.id, "name": grid.name, "name_en": grid.name_en, "opened": counts.get(grid.id, (0, 0))[0],
             "settled": counts.get(grid.id, (0, 0))[1]} for grid in grids]


def local_hours(day: Day, tz: str) -> list[Interval]:
    """The 24 hours of `day` on the local wall clock, as UTC intervals (where the clock is put back, its
    hour holds two; where it skips an hour, that one is empty): the hour a browser reads off a time."""
    zone = ZoneInfo(tz)
    starts = [datetime.combine(day.date, time(hour), tzinfo=zone).astimezone(UTC) for hour in range(24)]
    return [Interval(start, max(start, end)) for start, end in zip(starts, [*starts[1:], day.end])]


def _by_hour(session: Session, scope: Scope, indicator: Indicator, day: Day, tz: str) -> list[int]:
    """`indicator` (a daily count) over each local hour of `day`."""
    row = session.execute(select(*(func.count().filter(indicator.clause(hour)) for hour in local_hours(day, tz)))
                          .where(scope.clause(indicator.table), indicator.clause(day))).one()
    return list(row)


def week_before(day: Day, tz: str) -> Day:
    """The same weekday a week earlier (its noon is a week before this one's, whatever the clocks did)."""
    return Day.of(day.start + timedelta(hours=12) - WEEK, tz)


def hourly(session: Session, scope: Scope, day: Day, tz: str) -> dict[str, list[int]]:
    """Reports and closures in each local hour of `day`, and of the same day a week before."""
    ago = week_before(day, tz)
    return {"reports": _by_hour(session, scope, REPORTS, day, tz), "closures": _by_hour(session, scope, CLOSED, day, tz),
            "reports_ago": _by_hour(session, scope, REPORTS, ago, tz),
            "closures_ago": _by_hour(session, scope, CLOSED, ago, tz)}


def reports_by_category(session: Session, scope: Scope, day: Day) -> list[dict]:
    """Every category reported on `day`, most reported first: all of them, so that a screen adding pushed
    reports can tell when one climbs into its top few (the category a report came in with: registration may
    reclassify its case, never the report)."""
    count = func.count().label("count")
    rows = session.execute(select(Category.id, Category.name, Category.name_en, count)
                           .select_from(Report).join(Category, Report.category_id == Category.id)
                           .where(scope.clause(Report), REPORTS.clause(day))
                           .group_by(Category.id, Category.name, Category.name_en, Category.code)
                           .order_by(count.desc(), Category.code)).all()
    return [{"id": row.id, "name": row.name, "name_en": row.name_en, "count": row.count} for row in rows]
