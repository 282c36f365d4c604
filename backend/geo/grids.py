"""Grid-tree queries for maps and navigation, always inside a scope."""
from __future__ import annotations

import json

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, aliased, load_only

from backend.models import PLACEMENT_COLUMNS, Case, Grid
from backend.geo.scope import Scope
from backend.indicators.definitions import OPEN
from backend.platform.schemas import MAX_ID  # a larger number is no grid, and must not reach the database


class OutOfScope(LookupError):
    """The grid does not exist or lies outside the user's scope (the two are not told apart)."""


def grid_id(value) -> int | None:
    """A grid id as a URL or a browser sent it (a number or its digits), or None if it cannot be one."""
    if isinstance(value, str) and value.isdecimal():
        value = int(value)
    if type(value) is int and 1 <= value <= MAX_ID:
        return value
    return None


def scoped_grid(session: Session, scope: Scope, grid_id: int) -> Grid:
    grid = session.scalar(select(Grid).where(Grid.id == grid_id, scope.grid_clause()))
    if grid is None:
        raise OutOfScope(f"grid {grid_id} is not in your scope")
    return grid


def breadcrumb(session: Session, scope: Scope, grid_id: int) -> list[Grid]:
    """From the scope's grid down to this grid."""
    grid = scoped_grid(session, scope, grid_id)
    chain = [grid]
    while chain[-1].id != scope.grid_id and chain[-1].parent_id is not None:
        chain.append(session.get(Grid, chain[-1].parent_id))
    return chain[::-1]


def open_cases_by_child(session: Session, scope: Scope, parent: Grid) -> dict[int, int]:
    """Open cases per child grid of `parent` (which must be in scope and above level 3)."""
    child_column = getattr(Case, PLACEMENT_COLUMNS[parent.level + 1])
    parent_column = getattr(Case, PLACEMENT_COLUMNS[parent.level])
    rows = session.execute(
        select(child_column, func.count())
        .where(parent_column == parent.id, scope.clause(Case), OPEN.clause(None))  # counted on no particular day
        .group_by(child_column))
    return {grid_id: count for grid_id, count in rows if grid_id is not None}


def feature(grid: Grid, open_cases: int) -> dict:
    """A grid as a GeoJSON Feature with what maps show about it."""
    return {
        "type": "Feature",
        "id": grid.id,
        "geometry": json.loads(grid.geometry),
        "properties": {"id": grid.id, "code": grid.code, "level": grid.level, "name": grid.name,
                       "name_en": grid.name_en, "rural": grid.rural, "population": grid.population,
                       "open_cases": open_cases},
    }


def bounds(grid: Grid) -> list[list[float]]:
    """[[south, west], [north, east]], as Leaflet takes them."""
    return [[grid.min_lat, grid.min_lon], [grid.max_lat, grid.max_lon]]


def children_geojson(session: Session, scope: Scope, grid_id: int) -> dict:
    """The children of a grid as a GeoJSON FeatureCollection, each with its open-case count."""
    parent = scoped_grid(session, scope, grid_id)
    if parent.level >= 3:
        raise OutOfScope(f"grid {grid_id} is a unit grid and has no children")
    children = session.scalars(select(Grid).where(Grid.parent_id == parent.id).order_by(Grid.code)).all()
    open_counts = open_cases_by_child(session, scope, parent)
    return {"type": "FeatureCollection",
            "features": [feature(child, open_counts.get(child.id, 0)) for child in children]}


_NAMES = (Grid.id, Grid.code, Grid.level, Grid.name, Grid.name_en, Grid.parent_id)  # what a picker shows


def subtree(session: Session, scope: Scope, deepest: int) -> list[Grid]:
    """The grids below the scope's own down to level `deepest`, parents before children (hierarchical codes sort
    depth first), without their geometry: a picker's tree. Unit grids are too many to list in a large city
    (Zhengzhou has 17,350): `find_grids` finds them by name."""
    return list(session.scalars(select(Grid).options(load_only(*_NAMES))
                                .where(scope.grid_clause(), Grid.level > scope.level, Grid.level <= deepest)
                                .order_by(Grid.code)))


def _named(text: str, *columns) -> ColumnElement[bool]:
    words = text.lower()
    return or_(*(func.lower(column).contains(words, autoescape=True) for column in columns))


def find_grids(session: Session, scope: Scope, level: int, text: str, limit: int,
               parent_text: str | None = None) -> list[tuple[Grid, Grid]]:
    """Grids of `level` in scope, by code, each with its parent (a unit grid's name, "Grid 02", is only told
    apart by its community's): those whose name or whose parent's name (either language) holds `text`; with
    `parent_text`, those whose name holds `text` and whose parent's holds `parent_text`."""
    parent = aliased(Grid)
    own, parents = (Grid.name, Grid.name_en), (parent.name, parent.name_en)
    matching = [_named(text, *own), _named(parent_text, *parents)] if parent_text else [_named(text, *own, *parents)]
    return [tuple(row) for row in session.execute(
        select(Grid, parent).options(load_only(*_NAMES), load_only(parent.id, parent.name, parent.name_en))
        .join(parent, Grid.parent_id == parent.id)
        .where(scope.grid_clause(), Grid.level == level, *matching)
        .order_by(Grid.code).limit(limit))]
