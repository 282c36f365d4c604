"""Intake keeps to the reporter's scope over HTTP: staff open cases only inside it, and neither a duplicate hint
nor a resend answer names a case outside it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import shapely
from sqlalchemy import func, select

from backend.cases.workflow import Actor, perform
from backend.geo.scope import Scope
from backend.models import Case, Grid, User
from backend.platform.config import Config
from tests.test_api import CATEGORY, client, world  # noqa: F401  (fixtures)

REPORT = {"channel": "handheld", "description": "a test report", "category_code": CATEGORY}


def _cases(city_sessions) -> int:
    with city_sessions() as session:
        return session.scalar(select(func.count()).select_from(Case))


@pytest.mark.parametrize("path", ["/reports", "/reports/emergency"])
def test_a_street_dispatcher_cannot_open_a_case_in_another_street(client, world, city_sessions, path):
    before = _cases(city_sessions)
    lon, lat = world.district2_point
    response = client("street1").post(path, REPORT | {"lon": lon, "lat": lat})
    assert response.status_code == 422 and response.json()["field"] == "lon/lat"
    assert "outside your scope" in response.json()["message"]
    assert _cases(city_sessions) == before


def test_a_grid_worker_reports_only_in_its_own_unit_grid(client, world, city_sessions):
    before = _cases(city_sessions)
    worker = client("gridworker")
    lon, lat = world.district2_point
    assert worker.post("/reports", REPORT | {"lon": lon, "lat": lat}).status_code == 422
    assert worker.post("/reports", REPORT | {"address": "12 Test Road"}).status_code == 422
    assert _cases(city_sessions) == before
    assert worker.report(world.unit_point)["grid"]["id"] == world.unit


def test_an_unlocated_report_is_for_city_wide_staff_only(client):
    unlocated = REPORT | {"address": "12 Test Road"}
    refused = client("street1").post("/reports", unlocated)
    assert refused.status_code == 422 and "without a location" in refused.json()["message"]
    accepted = client("dispatcher").post("/reports", unlocated)
    assert accepted.status_code == 201 and accepted.json()["grid"] is None


def test_a_batch_refuses_each_report_outside_the_scope_on_its_own(client, world, city_sessions):
    before = _cases(city_sessions)
    inside, outside = world.unit_point, world.district2_point
    items = [REPORT | {"client_id": "in", "lon": inside[0], "lat": inside[1]},
             REPORT | {"client_id": "out", "lon": outside[0], "lat": outside[1]},
             REPORT | {"client_id": "nowhere", "address": "12 Test Road"}]
    response = client("street1").post("/reports/batch", {"reports": items})
    assert response.status_code == 200, response.text
    results = {item["client_id"]: item for item in response.json()["items"]}
    assert results["in"]["status"] == "created"
    for refused in ("out", "nowhere"):
        assert results[refused]["status"] == "error" and "outside your scope" in results[refused]["error"]
        assert results[refused]["case_id"] is None
    assert _cases(city_sessions) == before + 1


def _across_a_district_border(city_sessions) -> tuple[int, tuple[float, float], tuple[float, float]]:
    """A district, a point inside it and one in a neighbouring district, a few metres apart."""
    with city_sessions() as session:
        units = session.scalars(select(Grid).where(Grid.level == 3)).all()
        districts = {g.id: session.get(Grid, g.parent_id).parent_id for g in units}
    shapes = {g.id: shapely.from_geojson(g.geometry) for g in units}
    for a in units:
        for b in units:
            if districts[a.id] == districts[b.id] or not shapes[a.id].intersects(shapes[b.id]):
                continue
            border = shapes[a.id].intersection(shapes[b.id])
            if border.length == 0:
                continue
            middle = border.interpolate(0.5, normalized=True)
            near = [shapely.Point(middle.x + dx, middle.y + dy) for dx in (-2e-5, 2e-5) for dy in (-2e-5, 2e-5)]
            in_a = next((p for p in near if shapes[a.id].contains(p)), None)
            in_b = next((p for p in near if shapes[b.id].contains(p)), None)
            if in_a and in_b:
                return districts[a.id], (in_a.x, in_a.y), (in_b.x, in_b.y)
    pytest.fail("the small city has no two districts that touch")


def test_a_duplicate_hint_never_names_a_case_in_another_street(client, world, city_sessions):
    district, mine, theirs = _across_a_district_border(city_sessions)
    with city_sessions() as session:
        session.scalar(select(User).where(User.username == "street1")).grid_id = district
        session.commit()
    street = client("street1")
    client("dispatcher").report(theirs)  # an open case of the same category a few metres away, across the border
    own = street.report(mine)
    assert own["duplicate_of"] is None
    again = street.report(mine)
    assert again["duplicate_of"] == own["number"]  # a duplicate inside the street is named
    assert street.get(f"/cases/{again['id']}").json()["duplicate_of"] == own["number"]


def test_a_resent_client_id_whose_case_left_the_scope_tells_nothing_of_that_case(client, world, city_sessions):
    street = client("street1")
    own = street.report(world.unit_point, client_id="device-1/0001")
    elsewhere = client("dispatcher").report(world.district2_point)
    with city_sessions() as session:
        city = Scope.of_grid(session.scalar(select(Grid).where(Grid.level == 0)))
        perform(session, Actor(name="dispatcher", role="dispatcher", scope=city), own["id"], "merge",
                {"into_case_id": elsewhere["id"]}, datetime.now(timezone.utc), Config())
        session.commit()
    body = REPORT | {"client_id": "device-1/0001", "lon": world.unit_point[0], "lat": world.unit_point[1]}
    resent = street.post("/reports", body)
    assert resent.status_code == 422 and resent.json()["field"] == "client_id"
    batch = street.post("/reports/batch", {"reports": [body]}).json()["items"]
    assert [(item["status"], item["case_id"], item["number"]) for item in batch] == [("error", None, None)]
    assert elsewhere["number"] not in resent.text and elsewhere["number"] not in str(batch)
