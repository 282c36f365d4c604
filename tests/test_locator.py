"""Locating a point finds the unit grid that contains it, and knows its ancestors."""
import numpy as np
import shapely
from sqlalchemy import select

from backend.geo.locator import GridLocator
from backend.models import Grid


def test_a_point_inside_each_unit_grid_is_located_there(city_sessions):
    with city_sessions() as session:
        locator = GridLocator.from_session(session)
        units = session.scalars(select(Grid).where(Grid.level == 3)).all()
        rows = {g.id: g for g in session.scalars(select(Grid))}
    for unit in units:
        point = shapely.from_geojson(unit.geometry).point_on_surface()
        assert locator.locate(point.x, point.y) == unit.id
        placement = locator.placement(unit.id)
        assert placement.grid_id == unit.id
        assert placement.community_id == unit.parent_id
        assert placement.district_id == rows[unit.parent_id].parent_id


def test_a_point_outside_the_territory_is_not_located(city_sessions):
    with city_sessions() as session:
        locator = GridLocator.from_session(session)
    assert locator.locate(0.0, 0.0) is None
    assert locator.placement(None).columns() == {"city_id": locator.root_id, "district_id": None,
                                                 "community_id": None, "grid_id": None}


def test_random_points_fall_inside_their_grid(city_sessions):
    with city_sessions() as session:
        locator = GridLocator.from_session(session)
        unit = session.scalar(select(Grid).where(Grid.level == 3).order_by(Grid.id.desc()))
    rng = np.random.default_rng(3)
    for _ in range(50):
        assert locator.locate(*locator.random_point(unit.id, rng)) == unit.id
