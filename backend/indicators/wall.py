"""Indicators. "Today" is the calendar day in the configured local time zone."""
from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import OPEN_STATES, Case, Report
from backend.geo.scope import Scope


def start_of_day(now: datetime, tz: str) -> datetime:
    local = now.astimezone(ZoneInfo(tz))
    return datetime.combine(local.date(), time.min, tzinfo=local.tzinfo).astimezone(timezone.utc)


def wall_kpis(session: Session, scope: Scope, now: datetime, tz: str) -> dict[str, int]:
    """Reports today, open cases, overdue open cases and cases closed today, in scope."""
    midnight = start_of_day(now, tz)
    is_open = Case.state.in_(OPEN_STATES)
    cases = session.execute(
        select(func.count().filter(is_open),
               func.count().filter(is_open, Case.deadline < now),
               func.count().filter(Case.closed_at >= midnight))
        .where(scope.clause(Case))).one()
    reports = session.scalar(select(func.count()).where(scope.clause(Report), Report.received_at >= midnight))
    return {"reports_today": reports, "open_cases": cases[0], "overdue": cases[1], "closed_today": cases[2]}
