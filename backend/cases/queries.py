"""Case queries for queues and tables, always inside a scope."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from backend.models import Case, Category, Grid
from backend.geo.scope import Scope


def latest_cases(session: Session, scope: Scope, limit: int = 50) -> list[dict]:
    """The newest cases in scope, with the names a table shows (both languages)."""
    unit = aliased(Grid)
    community = aliased(Grid)
    rows = session.execute(
        select(Case, Category.name, Category.name_en, unit.name, unit.name_en, community.name, community.name_en)
        .join(Category, Case.category_id == Category.id)
        .outerjoin(unit, Case.grid_id == unit.id)
        .outerjoin(community, Case.community_id == community.id)
        .where(scope.clause(Case))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit))
    return [
        {"id": case.id, "number": case.number, "created_at": case.created_at, "state": case.state,
         "urgency": case.urgency, "card": case.card, "channel": case.channel, "description": case.description,
         "category": category, "category_en": category_en,
         "grid": " / ".join(n for n in (community_name, unit_name) if n),
         "grid_en": " / ".join(n for n in (community_en, unit_en) if n)}
        for case, category, category_en, unit_name, unit_en, community_name, community_en in rows
    ]
