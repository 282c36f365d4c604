"""Reference data: the grid tree and map, persons, departments and categories."""
from __future__ import annotations

import json

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard import context
from backend.api.registry import endpoint
from backend.api.schemas import (CategoryList, DepartmentList, GeoJsonQuery, GridFeatureCollection, GridNode,
                                 GridQuery, GridTree, MajorCategory, PersonOut, PersonPage, PersonQuery)
from backend.geo.grids import bounds, feature, open_cases_by_child, scoped_grid
from backend.indicators.definitions import OPEN
from backend.models import PLACEMENT_COLUMNS, Case, Category, Department, Grid, Person, person_grid
from backend.cases.routing import open_load
from backend.geo.scope import Scope

# Simplification tolerance in degrees per grid level: about half a screen pixel at the
# zoom where that level is drawn (a level's grids are shown when its parent fills the
# screen: the city for levels 0-1, a district for 2, a community for 3).
TOLERANCE = {0: 5e-4, 1: 5e-4, 2: 1e-4, 3: 2e-5}


def _open_cases(session: Session, scope: Scope, level: int, grid_ids: list[int]) -> dict[int, int]:
    column = getattr(Case, PLACEMENT_COLUMNS[level])
    rows = session.execute(select(column, func.count())
                           .where(column.in_(grid_ids), scope.clause(Case), OPEN.clause(None))  # as the wall counts them
                           .group_by(column))
    return dict(rows.all())


def _node(grid: Grid, open_cases: int) -> GridNode:
    return GridNode.of(grid, open_cases=open_cases, bounds=bounds(grid))


@endpoint("GET", "/grids", tag="reference", response=GridTree, query=GridQuery, errors=(404,))
def list_grids(query: GridQuery) -> GridTree:
    """A grid of your scope (default: the scope's own grid) and its children, without geometry."""
    scope = context.actor().scope
    with context.session() as session:
        parent = scoped_grid(session, scope, query.parent_id or scope.grid_id)
        children = session.scalars(select(Grid).where(Grid.parent_id == parent.id).order_by(Grid.code)).all()
        counts = open_cases_by_child(session, scope, parent) if children else {}
        own = _open_cases(session, scope, parent.level, [parent.id]).get(parent.id, 0)
        return GridTree(parent=_node(parent, own), children=[_node(c, counts.get(c.id, 0)) for c in children])


def _features(grids: list[Grid], box: tuple[float, float, float, float] | None, counts: dict[int, int]) -> list:
    """Grids meeting the box (the bounding-box prefilter of the query is coarser), simplified."""
    shapes = shapely.from_geojson([g.geometry for g in grids])
    if box is not None:
        keep = shapely.intersects(shapes, shapely.box(*box))
        grids, shapes = [g for g, k in zip(grids, keep) if k], shapes[keep]
    simplified = shapely.simplify(shapes, [TOLERANCE[g.level] for g in grids], preserve_topology=True)
    return [feature(g, counts.get(g.id, 0)) | {"geometry": json.loads(shapely.to_geojson(shape))}
            for g, shape in zip(grids, simplified)]


@endpoint("GET", "/grids/geojson", tag="reference", response=GridFeatureCollection, query=GeoJsonQuery)
def grids_geojson(query: GeoJsonQuery) -> GridFeatureCollection:
    """Grids of one level in your scope that meet the bounding box, as simplified GeoJSON."""
    scope = context.actor().scope
    clauses = [Grid.level == query.level, scope.grid_clause()]
    if query.box:
        min_lon, min_lat, max_lon, max_lat = query.box
        clauses += [Grid.max_lon >= min_lon, Grid.min_lon <= max_lon, Grid.max_lat >= min_lat,
                    Grid.min_lat <= max_lat]
    with context.session() as session:
        grids = session.scalars(select(Grid).where(*clauses).order_by(Grid.code)).all()
        counts = _open_cases(session, scope, query.level, [g.id for g in grids])
    return GridFeatureCollection.model_validate(
        {"type": "FeatureCollection", "features": _features(list(grids), query.box, counts)})


def _serving(scope: Scope, grid_id: int | None):
    """(person, grid) pairs of grids in the scope, or of one grid."""
    query = select(person_grid.c.person_id, person_grid.c.grid_id).join(Grid, Grid.id == person_grid.c.grid_id)
    return query.where(person_grid.c.grid_id == grid_id) if grid_id else query.where(scope.grid_clause())


@endpoint("GET", "/persons", tag="reference", response=PersonPage, query=PersonQuery, errors=(404,))
def list_persons(query: PersonQuery) -> PersonPage:
    """Responsible persons serving grids in your scope (or one grid of it), with their open load."""
    scope = context.actor().scope
    with context.session() as session:
        if query.grid_id is not None:
            scoped_grid(session, scope, query.grid_id)
        serving = _serving(scope, query.grid_id).subquery()
        ids = select(serving.c.person_id).distinct()
        total = session.scalar(select(func.count()).select_from(ids.subquery()))
        persons = session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)
                                  .limit(query.limit).offset(query.offset)).all()
        person_ids = [p.id for p in persons]
        grids: dict[int, list[int]] = {}
        for person_id, grid_id in session.execute(_serving(scope, None).where(
                person_grid.c.person_id.in_(person_ids)).order_by(person_grid.c.grid_id)):
            grids.setdefault(person_id, []).append(grid_id)
        load = open_load(session, person_ids)
    items = [PersonOut.of(p, grid_ids=grids.get(p.id, []), open_cases=load.get(p.id, 0)) for p in persons]
    return PersonPage(items=items, total=total, limit=query.limit, offset=query.offset)


@endpoint("GET", "/departments", tag="reference", response=DepartmentList)
def list_departments() -> DepartmentList:
    """The functional departments cases can be dispatched to."""
    with context.session() as session:
        return DepartmentList.model_validate(session.scalars(select(Department).order_by(Department.id)).all())


@endpoint("GET", "/categories", tag="reference", response=CategoryList)
def list_categories() -> CategoryList:
    """The two-level category tree: major categories and their minor ones (reports name a minor code)."""
    with context.session() as session:
        categories = session.scalars(select(Category).order_by(Category.code)).all()
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    majors = [MajorCategory.of(c, children=children.get(c.id, [])) for c in categories if c.parent_id is None]
    return CategoryList(majors)
