"""Probable duplicates found for a whole batch at once, on SQLite and PostgreSQL (backend.cases.duplicates)."""
from __future__ import annotations

import math

import pytest
import shapely
from sqlalchemy import select, update

from backend.platform.config import Config
from backend.cases.duplicates import CELLS_PER_QUERY, METRES_PER_DEGREE_LAT, DuplicateFinder
from backend.cases.intake import ReportIn, submit_reports
from backend.geo.locator import GridLocator
from backend.geo.scope import Scope
from backend.models import Case, Category, Grid
from tests.conftest import NOW

CONFIG = Config()
EAST_45_M = 0.0005  # degrees of longitude, about 45 m at Zhengzhou's latitude


@pytest.fixture
def sessions(city_on_each_database):
    return city_on_each_database


@pytest.fixture
def city(sessions):
    """The locator, two minor categories, and points inside unit grids whose neighbours 45 m east lie inside too."""
    with sessions() as session:
        locator = GridLocator.from_session(session)
        first, second = session.scalars(select(Category.code).where(Category.parent_id.is_not(None))
                                        .order_by(Category.code).limit(2))
        units = session.scalars(select(Grid.geometry).where(Grid.level == 3).order_by(Grid.id)).all()
    points = [(p.x, p.y) for p in (shapely.from_geojson(g).point_on_surface() for g in units)]
    points = [(lon, lat) for lon, lat in points if locator.locate(lon + EAST_45_M, lat) is not None]
    return locator, first, second, points


def _report(category: str, lon: float, lat: float) -> ReportIn:
    return ReportIn(channel="web", description="路灯不亮", category_code=category, lon=lon, lat=lat)


def _submit(sessions, locator, reports: list[ReportIn]) -> list:
    with sessions() as session:
        results = submit_reports(session, reports, locator, NOW, CONFIG)
        session.commit()
    assert all(r.status == "created" for r in results)
    return results


def test_each_report_of_a_large_batch_is_matched_to_the_open_case_beside_it(sessions, city):
    locator, category, other, points = city
    points = points[:CELLS_PER_QUERY + 10]  # more cells than one query reads
    assert len(points) > CELLS_PER_QUERY
    originals = _submit(sessions, locator, [_report(category, lon, lat) for lon, lat in points])
    later = _submit(sessions, locator, [_report(category, lon + EAST_45_M, lat) for lon, lat in points]
                    + [_report(other, lon, lat) for lon, lat in points[:3]])
    assert [r.duplicate_of for r in later] == [r.number for r in originals] + [None] * 3
    with sessions() as session:
        flagged = dict(session.execute(select(Case.id, Case.duplicate_of_id)
                                       .where(Case.id.in_([r.case_id for r in later]))).all())
    assert [flagged[r.case_id] for r in later] == [r.case_id for r in originals] + [None] * 3


def test_a_case_across_a_cell_boundary_is_found_and_the_nearest_case_wins(sessions, city):
    locator, category, _, points = city
    cell = CONFIG.duplicate_radius_m / METRES_PER_DEGREE_LAT / 0.5  # as the finder divides the map
    lon, lat = points[0]
    boundary = math.floor(lon / cell) * cell  # the western edge of the point's cell
    near, far = _submit(sessions, locator, [_report(category, boundary - 0.0002, lat),  # west of the edge
                                            _report(category, boundary + 0.0012, lat)])
    (new,) = _submit(sessions, locator, [_report(category, boundary + 0.0001, lat)])  # about 27 m from `near`
    assert new.duplicate_of == near.number != far.number


def test_a_closed_case_or_one_of_another_category_is_no_duplicate(sessions, city):
    locator, category, other, points = city
    (lon, lat), (lon2, lat2) = points[:2]
    closed, different = _submit(sessions, locator, [_report(category, lon, lat), _report(other, lon2, lat2)])
    with sessions() as session:
        session.execute(update(Case).where(Case.id == closed.case_id).values(state="closed"))
        session.commit()
    results = _submit(sessions, locator, [_report(category, lon + EAST_45_M, lat),
                                          _report(category, lon2 + EAST_45_M, lat2)])
    assert [r.duplicate_of for r in results] == [None, None]


def test_only_cases_in_the_submitters_scope_are_candidates(sessions, city):
    locator, category, _, points = city
    lon, lat = points[0]
    [original] = _submit(sessions, locator, [_report(category, lon, lat)])
    with sessions() as session:
        case = session.get(Case, original.case_id)
        own, other = (Scope.of_grid(grid) for grid in (
            session.get(Grid, case.district_id),
            session.scalar(select(Grid).where(Grid.level == 1, Grid.id != case.district_id))))
        category_id = case.category_id
        found = {name: DuplicateFinder(session, [(category_id, lon + EAST_45_M, lat)], NOW, CONFIG.duplicate_radius_m,
                                       CONFIG.duplicate_window_hours, scope).nearest(category_id, lon + EAST_45_M, lat)
                 for name, scope in (("own", own), ("other", other), ("system", None))}
    assert found == {"own": case.id, "other": None, "system": case.id}
