"""A user sees only the grids, reports and cases of their own subtree, through every query."""
import pytest
from sqlalchemy import func, select

from backend.cases import queries as cases
from backend.geo import grids
from backend.indicators import wall as stats
from backend.models import Case, Grid, User
from backend.geo.scope import Scope
from tests.conftest import NOW


@pytest.fixture
def streets(city_sessions):
    """The scopes of the demo accounts street1 and street2 (two different districts)."""
    with city_sessions() as session:
        users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(["street1", "street2"])))}
        return Scope.of_user(session, users["street1"]), Scope.of_user(session, users["street2"])


def test_street_dispatcher_sees_only_own_street_in_latest_cases(city_sessions, streets):
    street1, street2 = streets
    with city_sessions() as session:
        rows = cases.latest_cases(session, street1, limit=10_000)
        own = session.scalar(select(func.count()).where(Case.district_id == street1.grid_id))
        districts = set(session.scalars(select(Case.district_id).where(Case.id.in_([r["id"] for r in rows]))))
    assert len(rows) == own > 0
    assert districts == {street1.grid_id}


def test_street_kpis_count_only_own_street(city_sessions, streets):
    street1, street2 = streets
    with city_sessions() as session:
        city = Scope.of_grid(session.scalar(select(Grid).where(Grid.level == 0)))
        own_open = session.scalar(select(func.count()).where(Case.district_id == street1.grid_id,
                                                             Case.state.not_in(["closed", "cancelled"])))
        kpis = {name: stats.wall_kpis(session, scope, NOW, "Asia/Shanghai")
                for name, scope in (("city", city), ("s1", street1), ("s2", street2))}
    assert kpis["s1"]["open_cases"] == own_open
    for key in kpis["city"]:
        assert kpis["s1"][key] + kpis["s2"][key] <= kpis["city"][key]


def test_street_dispatcher_cannot_see_other_street_grids(city_sessions, streets):
    street1, street2 = streets
    with city_sessions() as session:
        other = session.get(Grid, street2.grid_id)
        other_child = session.scalar(select(Grid).where(Grid.parent_id == other.id))
        for grid_id in (other.id, other_child.id):
            with pytest.raises(grids.OutOfScope):
                grids.scoped_grid(session, street1, grid_id)
            with pytest.raises(grids.OutOfScope):
                grids.breadcrumb(session, street1, grid_id)
            with pytest.raises(grids.OutOfScope):
                grids.children_geojson(session, street1, grid_id)
        with pytest.raises(grids.OutOfScope):
            grids.scoped_grid(session, street1, other.parent_id)  # the city above the street


def test_street_map_counts_only_own_cases(city_sessions, streets):
    street1, _ = streets
    with city_sessions() as session:
        features = grids.children_geojson(session, street1, street1.grid_id)["features"]
        shown = sum(f["properties"]["open_cases"] for f in features)
        own_open = session.scalar(select(func.count()).where(Case.district_id == street1.grid_id,
                                                             Case.state.not_in(["closed", "cancelled"])))
        codes = {f["properties"]["code"] for f in features}
    assert shown == own_open
    assert all(street1.contains_code(code) for code in codes)


def test_breadcrumb_starts_at_the_users_grid(city_sessions, streets):
    street1, _ = streets
    with city_sessions() as session:
        unit = session.scalar(select(Grid).where(Grid.level == 3, Grid.code.startswith(street1.code + "-")))
        chain = grids.breadcrumb(session, street1, unit.id)
    assert [g.level for g in chain] == [1, 2, 3]
    assert chain[0].id == street1.grid_id


def test_grid_code_prefix_does_not_leak_to_sibling_with_longer_number():
    scope = Scope(grid_id=1, level=1, code="410100-001")
    assert scope.contains_code("410100-001-002")
    assert not scope.contains_code("410100-0011")
    assert not scope.contains_code("410100-002")
