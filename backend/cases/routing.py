"""Routing ("graded responsibility, classified processing"): who should handle a case.

The category decides the grid level; the persons serving the case's grid at
that level are proposed, least loaded first. The dispatcher may pick anyone
else in scope. Proposals made to an actor are only persons in the actor's
scope (`person_in_scope`'s rule): a case escalated to the city and returned
keeps its city level, and a street's dispatcher must neither see the city's
staff and their phones nor have one assigned by default. Escalation alone
proposes above the actor's scope: handing a case upward is what it is for.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from backend.models import OPEN_STATES, PLACEMENT_COLUMNS, Case, Grid, Person, person_grid
from backend.geo.scope import Scope


@dataclass(frozen=True)
class Proposal:
    person_id: int
    name: str
    name_en: str
    position: str
    phone: str
    grid_id: int
    open_cases: int


def handling_grid_id(case: Case, level: int) -> int | None:
    """The case's grid at `level`, or the nearest known grid above it (an unlocated case sits at the city)."""
    for column in reversed(PLACEMENT_COLUMNS[:level + 1]):
        if getattr(case, column) is not None:
            return getattr(case, column)
    return None


def open_load(session: Session, person_ids: list[int]) -> dict[int, int]:
    rows = session.execute(select(Case.assignee_person_id, func.count())
                           .where(Case.assignee_person_id.in_(person_ids), Case.state.in_(OPEN_STATES))
                           .group_by(Case.assignee_person_id))
    return dict(rows.all())


def propose_assignees(session: Session, case: Case, scope: Scope | None, level: int | None = None) -> list[Proposal]:
    """Persons serving the case's grid at the handling level and in `scope`, least open load first.
    `scope` None proposes whoever serves there: for escalation only, which hands a case above its actor."""
    grid_id = handling_grid_id(case, case.handling_level if level is None else level)
    in_scope = () if scope is None else (_serves_in(scope, Person.id),)
    persons = session.scalars(select(Person).join(person_grid, person_grid.c.person_id == Person.id)
                              .where(person_grid.c.grid_id == grid_id, *in_scope).order_by(Person.id)).all()
    load = open_load(session, [p.id for p in persons])
    proposals = [Proposal(person_id=p.id, name=p.name, name_en=p.name_en, position=p.position, phone=p.phone,
                          grid_id=grid_id, open_cases=load.get(p.id, 0)) for p in persons]
    return sorted(proposals, key=lambda p: p.open_cases)


def _serves_in(scope: Scope, person_id) -> ColumnElement[bool]:
    """The person (an id, or a column) serves at least one grid inside the scope."""
    return exists(select(person_grid.c.person_id).join(Grid, Grid.id == person_grid.c.grid_id)
                  .where(person_grid.c.person_id == person_id, scope.grid_clause()))


def person_in_scope(session: Session, scope: Scope, person_id: int) -> bool:
    """Does the person serve at least one grid inside the scope?"""
    return session.scalar(select(_serves_in(scope, person_id)))
