"""The wall's charts read what a brute-force count of the seeded small city finds: settlement by child grid,
reports and closures by local hour (today and a week ago), and today's reports by category, each in scope."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.geo.scope import Scope
from backend.indicators.charts import (
    hourly,
    local_hours,
    reports_by_category,
    settlement_by_child,
    week_before,
)
from backend.indicators.definitions import Day
from backend.models import Case, Grid, Report, User
from tests import test_screens
from tests.conftest import NOW
from tests.test_events import CONFIG
from tests.test_screens import call, signed_in

TZ = CONFIG.timezone
centre = test_screens.centre  # the fixture: the command centre serving the small city


@pytest.fixture
def city(city_sessions):
    with city_sessions() as session:
        yield session


def _all(session, model):
    return session.scalars(select(model)).all()


def test_settlement_by_child_counts_what_each_child_opened_and_settled_today(city):
    city_grid = city.scalar(select(Grid).where(Grid.level == 0))
    day = Day.of(NOW, TZ)
    rows = settlement_by_child(city, Scope.of_grid(city_grid), city_grid, day)
    cases = [c for c in _all(city, Case) if day.holds(c.created_at)]
    expected = {g.id: (sum(1 for c in cases if c.district_id == g.id and c.state != "cancelled"),
                       sum(1 for c in cases if c.district_id == g.id and c.state == "closed"))
                for g in _all(city, Grid) if g.parent_id == city_grid.id}
    assert {r["id"]: (r["opened"], r["settled"]) for r in rows} == expected
    assert sum(opened for opened, _ in expected.values()) > 0


def test_hours_count_reports_and_closures_by_local_hour_today_and_a_week_ago(city):
    city_grid = city.scalar(select(Grid).where(Grid.level == 0))
    day = Day.of(NOW, TZ)
    zone = ZoneInfo(TZ)
    got = hourly(city, Scope.of_grid(city_grid), day, TZ)

    def by_hour(times, on):
        counted = Counter(t.astimezone(zone).hour for t in times if t and t.astimezone(zone).date() == on)
        return [counted[hour] for hour in range(24)]

    reports = [r.received_at for r in _all(city, Report)]
    closures = [c.closed_at for c in _all(city, Case)]
    ago = day.date - timedelta(days=7)
    assert got == {"reports": by_hour(reports, day.date), "closures": by_hour(closures, day.date),
                   "reports_ago": by_hour(reports, ago), "closures_ago": by_hour(closures, ago)}
    assert sum(got["reports"]) and sum(got["reports_ago"])


def test_a_day_where_the_clock_goes_back_has_its_repeated_hour_in_one_bucket():
    tz = "Europe/Berlin"
    day = Day.of(datetime(2026, 10, 25, 12, tzinfo=UTC), tz)
    hours = local_hours(day, tz)
    assert len(hours) == 24 and hours[0].start == day.start and hours[-1].end == day.end
    assert hours[2].end - hours[2].start == timedelta(hours=2)  # 02:00-03:00 happens twice
    assert week_before(day, tz).date == day.date - timedelta(days=7)


def test_categories_are_todays_reports_most_first(city):
    city_grid = city.scalar(select(Grid).where(Grid.level == 0))
    day = Day.of(NOW, TZ)
    rows = reports_by_category(city, Scope.of_grid(city_grid), day)
    expected = Counter(r.category_id for r in _all(city, Report) if day.holds(r.received_at))
    assert {r["id"]: r["count"] for r in rows} == dict(expected)
    assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)


def test_a_street_sees_only_its_own_subtree(city):
    street = city.scalar(select(Grid).where(Grid.level == 1).order_by(Grid.code))
    scope, day = Scope.of_grid(street), Day.of(NOW, TZ)
    mine = [c for c in _all(city, Case) if c.district_id == street.id]
    children = {g.id for g in _all(city, Grid) if g.parent_id == street.id}
    assert {r["id"] for r in settlement_by_child(city, scope, street, day)} == children
    reports = [r for r in _all(city, Report) if r.district_id == street.id and day.holds(r.received_at)]
    assert sum(r["count"] for r in reports_by_category(city, scope, day)) == len(reports)
    assert sum(hourly(city, scope, day, TZ)["closures"]) == sum(1 for c in mine if day.holds(c.closed_at))
    # A grid outside the scope has no bars: the scope's clause holds on every row.
    other = city.scalar(select(Grid).where(Grid.level == 1, Grid.id != street.id))
    assert settlement_by_child(city, scope, other, day) == []


# -- the wall's read, through Dash as a browser asks for it ------------------------------------------------------

def _wall(client, grid):
    return call(client, "wall-charts-data.data", {"wall-grid.data": grid})


def test_the_walls_read_carries_the_charts_of_the_users_own_street_only(centre):
    client = signed_in(centre, "street1")
    with centre.sessions() as session:
        city_grid = session.scalar(select(Grid).where(Grid.level == 0))
        street = session.scalar(select(Grid).join(User, User.grid_id == Grid.id).where(User.username == "street1"))
        children = set(session.scalars(select(Grid.id).where(Grid.parent_id == street.id)))
    answer = _wall(client, city_grid.id)  # the city, outside the street: the wall shows the user's own street
    assert answer.status_code == 200
    data = answer.get_json()["response"]["wall-charts-data"]["data"]
    assert {g["id"] for g in data["grids"]} == children and data["placement"] == "community_id"
    assert len(data["hours"]["reports"]) == 24


@pytest.mark.parametrize("crafted", ["1", 1.5, {"id": 1}, [1], -3, True])
def test_a_crafted_grid_is_refused_with_4xx(centre, crafted):
    response = _wall(signed_in(centre, "duty"), crafted)
    assert 400 <= response.status_code < 500
