"""The wall's figures in scope, read from the database by the indicator definitions (a full read)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.geo.scope import Scope
from backend.indicators.definitions import INDICATORS, Day


def wall_kpis(session: Session, scope: Scope, now: datetime, tz: str) -> dict[str, int]:
    """Reports today, open cases, overdue (red-carded open) cases and cases closed today, in scope."""
    day = Day.of(now, tz)
    counts = {}
    for table in dict.fromkeys(i.table for i in INDICATORS):
        mine = [i for i in INDICATORS if i.table is table]
        row = session.execute(select(*(func.count().filter(i.clause(day)) for i in mine))
                              .where(scope.clause(table))).one()
        counts |= dict(zip((i.key for i in mine), row))
    return {i.key: counts[i.key] for i in INDICATORS}
