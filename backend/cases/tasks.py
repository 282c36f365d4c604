"""A handler's open tasks: the cases assigned to them (or to their department, when no one person has them),
nearest deadline first, as the handlers' desk shows them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from backend.cases.workflow import Actor, allowed_actions, step_light
from backend.models import Case, Category, Grid

# What a handler works on: a case fed back waits for the centre, not for them.
TASK_STATES = ("dispatched", "handling")
MAX_TASKS = 200  # a desk, not an export: no handler has more open at once


@dataclass(frozen=True)
class Task:
    case: Case
    category: Category
    grid: Grid | None
    community: Grid | None
    light: str  # green, yellow or red (workflow.step_light)
    actions: list[str]


def assigned_to(actor: Actor):
    """Cases assigned to the actor's person, or to their department while no one person has them."""
    mine = []
    if actor.person_id is not None:
        mine.append(Case.assignee_person_id == actor.person_id)
    if actor.department_id is not None:
        mine.append(and_(Case.assignee_person_id.is_(None), Case.assignee_department_id == actor.department_id))
    return or_(*mine) if mine else Case.id.is_(None)


def my_tasks(session: Session, actor: Actor, now: datetime, yellow_share: float) -> list[Task]:
    unit, community = aliased(Grid), aliased(Grid)
    rows = session.execute(
        select(Case, Category, unit, community)
        .join(Category, Case.category_id == Category.id)
        .outerjoin(unit, Case.grid_id == unit.id)
        .outerjoin(community, Case.community_id == community.id)
        .where(Case.state.in_(TASK_STATES), assigned_to(actor), actor.scope.clause(Case))
        .order_by(Case.deadline.asc().nulls_last(), Case.id)
        .limit(MAX_TASKS))
    return [Task(case, category, grid, parent, step_light(case, now, yellow_share, category.time_limit_hours),
                 allowed_actions(case, actor))
            for case, category, grid, parent in rows]
