"""What a screen's grid panel shows of one grid: its name and code, the persons responsible for it, and its open
cases by state. The grid must be inside the reader's scope; phones only for roles that call staff."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.accounts.permissions import sees_staff_phone
from backend.geo.grids import scoped_grid
from backend.geo.scope import Scope
from backend.indicators.definitions import OPEN
from backend.models import OPEN_STATES, Case, Person, person_grid

# A unit grid has four or five persons, a district five, the city six: the panel lists those that fit beside
# the map (four at 1366x768) and says how many there are.
MAX_PERSONS = 6


@dataclass(frozen=True)
class Responsible:
    name: str
    name_en: str
    position: str
    phone: str | None  # None: the reader's role does not see staff phones


@dataclass(frozen=True)
class GridPanel:
    id: int
    code: str
    name: str
    name_en: str
    level: int
    persons: list[Responsible]
    serving: int  # persons serving the grid, those listed among them
    open: dict[str, int]  # open cases of its subtree, by state


def open_by_state(session: Session, scope: Scope) -> dict[str, int]:
    """The open cases inside `scope` per open state (every open state, zero or not)."""
    rows = session.execute(select(Case.state, func.count()).where(scope.clause(Case), OPEN.clause(None))
                           .group_by(Case.state))
    return {state: 0 for state in OPEN_STATES} | dict(rows.all())


def grid_panel(session: Session, scope: Scope, grid_id: int, role: str) -> GridPanel:
    """The panel of a grid inside `scope` (the reader's; else OutOfScope), as `role` may see it."""
    grid = scoped_grid(session, scope, grid_id)
    serving = (select(Person).join(person_grid, person_grid.c.person_id == Person.id)
               .where(person_grid.c.grid_id == grid.id))
    persons = session.scalars(serving.order_by(Person.id).limit(MAX_PERSONS)).all()
    count = session.scalar(select(func.count()).select_from(serving.subquery()))
    phones = sees_staff_phone(role)
    return GridPanel(grid.id, grid.code, grid.name, grid.name_en, grid.level,
                     [Responsible(p.name, p.name_en, p.position, p.phone if phones else None) for p in persons],
                     count, open_by_state(session, Scope.of_grid(grid)))
