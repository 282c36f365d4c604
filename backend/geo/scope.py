"""A user's scope: the subtree of the grid tree under the user's grid.

Every query in backend/ that returns grid-bound rows takes a `Scope` and
applies one of its clauses; there is no unscoped variant to call by mistake.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from backend.models import PLACEMENT_COLUMNS, Grid, User


@dataclass(frozen=True)
class Scope:
    grid_id: int
    level: int
    code: str

    @classmethod
    def of_grid(cls, grid: Grid) -> "Scope":
        return cls(grid_id=grid.id, level=grid.level, code=grid.code)

    @classmethod
    def of_user(cls, session: Session, user: User) -> "Scope":
        return cls.of_grid(session.get(Grid, user.grid_id))

    def clause(self, model) -> ColumnElement[bool]:
        """Rows of a `GridPlaced` model (reports, cases) inside this scope."""
        return getattr(model, PLACEMENT_COLUMNS[self.level]) == self.grid_id

    def grid_clause(self) -> ColumnElement[bool]:
        """Grids inside this scope: the scope's grid and its descendants."""
        return or_(Grid.code == self.code, Grid.code.startswith(self.code + "-", autoescape=True))

    def covers(self, placement: Mapping[str, int | None]) -> bool:
        """Does something placed by these `GridPlaced` columns (a row's, an event's) lie inside this scope?"""
        return placement.get(PLACEMENT_COLUMNS[self.level]) == self.grid_id

    def contains_code(self, code: str) -> bool:
        return code == self.code or code.startswith(self.code + "-")
