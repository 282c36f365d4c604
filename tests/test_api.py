"""The REST API over HTTP on a live server: reports, cases, actions, scope, errors and reference data."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import shapely
from sqlalchemy import func, select

from backend.models import Case, Grid, Person, User, person_grid
from backend.demo.seed import DEMO_PASSWORD
from backend.accounts.tokens import issue_token
from tests.conftest import NOW
from tests.signin import sign_in

CATEGORY = "CA-01-01"  # illegal advertising: handled at the unit grid


class Client:
    """One user talking to /api/v1."""

    def __init__(self, base: str, http: requests.Session):
        self.base, self.http = base, http

    def get(self, path: str, **params) -> requests.Response:
        return self.http.get(f"{self.base}/api/v1{path}", params=params)

    def post(self, path: str, json=None, **kwargs) -> requests.Response:
        return self.http.post(f"{self.base}/api/v1{path}", json=json, **kwargs)

    def act(self, case_id: int, action: str, version: int | None = None, **params) -> requests.Response:
        body = {"params": params} | ({"version": version} if version is not None else {})
        return self.post(f"/cases/{case_id}/actions/{action}", body)

    def report(self, point: tuple[float, float], category: str = CATEGORY, **fields) -> dict:
        body = {"channel": "handheld", "description": "a test report", "category_code": category,
                "lon": point[0], "lat": point[1]} | fields
        response = self.post("/reports", body)
        assert response.status_code == 201, response.text
        return response.json()


@dataclass(frozen=True)
class World:
    """The seeded small city as the tests need it; `gridworker` is the person serving its unit grid."""

    unit: int
    unit_point: tuple[float, float]
    worker_person: int
    district1: int
    district2: int
    district2_point: tuple[float, float]


def _inside(grid: Grid) -> tuple[float, float]:
    point = shapely.from_geojson(grid.geometry).point_on_surface()
    return point.x, point.y


@pytest.fixture
def world(city_sessions) -> World:
    with city_sessions() as session:
        worker = session.scalar(select(User).where(User.username == "gridworker"))
        worker.person_id = session.scalar(select(Person.id).join(person_grid)
                                          .where(person_grid.c.grid_id == worker.grid_id).order_by(Person.id))
        unit = session.get(Grid, worker.grid_id)
        district1, district2 = (session.scalar(select(User.grid_id).where(User.username == name))
                                for name in ("street1", "street2"))
        code2 = session.get(Grid, district2).code
        unit2 = session.scalar(select(Grid).where(Grid.level == 3, Grid.code.startswith(code2 + "-")))
        session.commit()
        return World(unit=unit.id, unit_point=_inside(unit), worker_person=worker.person_id,
                     district1=district1, district2=district2, district2_point=_inside(unit2))


@pytest.fixture
def uploads(tmp_path, monkeypatch) -> Path:
    """Where the live server stores photos: its default relative UPLOAD_DIR, under a temporary working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path / "instance" / "uploads"


@pytest.fixture
def client(live_server, city_sessions, world):
    """client(username): an API client with a bearer token of that demo user."""

    def make(username: str) -> Client:
        with city_sessions() as session:
            token = issue_token(session, username, "pytest", NOW)
            session.commit()
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        return Client(live_server, http)

    return make


HAPPY_PATH = ("register", "dispatch", "accept", "feed_back", "close")


def drive(dispatcher: Client, worker: Client, case_id: int, person_id: int, *actions: str, **extra) -> dict:
    """Perform happy-path actions on a case, each by whom it falls to; answers the last response."""
    params = {"dispatch": {"person_id": person_id}, "feed_back": {"note": "removed the posters"}}
    for action in actions:
        who = worker if action in ("accept", "feed_back") else dispatcher
        response = who.act(case_id, action, **params.get(action, {}) | extra.get(action, {}))
        assert response.status_code == 200, response.text
    return response.json()


UTC_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_a_report_becomes_a_case_that_reads_back_with_its_history(client, world):
    dispatcher = client("dispatcher")
    created = dispatcher.report(world.unit_point, address="12 Test Road")
    assert created["state"] == "collected" and created["grid"]["id"] == world.unit
    assert re.fullmatch(r"\d{8}-\d{6}", created["number"]) and created["resent"] is False
    case = dispatcher.get(f"/cases/{created['id']}").json()
    assert case["number"] == created["number"] and case["address"] == "12 Test Road"
    # The answer is built from what intake wrote, not read back: it must say what reading back says.
    assert {k: created[k] for k in ("id", "state", "urgency", "grid")} == {k: case[k] for k in
                                                                            ("id", "state", "urgency", "grid")}
    assert case["category"]["code"] == CATEGORY and case["grid"]["id"] == world.unit
    assert [e["action"] for e in case["events"]] == ["collect"]
    assert {"register", "cancel", "merge"} <= set(case["allowed_actions"])
    assert UTC_ISO.match(case["created_at"]) and UTC_ISO.match(case["events"][0]["at"])


def test_a_report_resent_with_its_client_id_answers_the_same_case(client, world):
    worker = client("gridworker")
    first = worker.report(world.unit_point, client_id="device-7/0001")
    again = worker.report(world.unit_point, client_id="device-7/0001")
    assert again["id"] == first["id"] and again["resent"] is True


def test_a_report_near_an_open_case_names_the_probable_duplicate(client, world):
    dispatcher = client("dispatcher")
    first = dispatcher.report(world.unit_point)
    second = dispatcher.report(world.unit_point)
    assert second["duplicate_of"] == first["number"]


def test_a_report_outside_the_territory_is_refused_saying_so(client):
    response = client("dispatcher").post("/reports", {"channel": "web", "description": "x", "category_code": CATEGORY,
                                                      "lon": 2.35, "lat": 48.85})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid" and response.json()["message"].startswith("lon/lat:")
    assert "outside the served territory" in response.json()["message"]


def test_an_unknown_category_is_refused_saying_where_to_find_valid_ones(client, world):
    response = client("dispatcher").post("/reports", {"channel": "web", "description": "x", "category_code": "NOPE"})
    assert response.status_code == 422
    assert response.json()["message"].startswith("category_code:")
    assert "GET /api/v1/categories" in response.json()["message"]


@pytest.mark.parametrize("path, body, field", [
    ("/reports", {"channel": "web", "category_code": CATEGORY}, "description"),
    ("/reports", {"channel": "fax", "description": "x", "category_code": CATEGORY}, "channel"),
    ("/reports", {"channel": "web", "description": "x", "category_code": CATEGORY, "lon": 113.6}, "body"),
    ("/reports", {"channel": "web", "description": "x", "category_code": CATEGORY, "lon": 10**20, "lat": 1}, "body"),
    ("/reports", {"channel": "web", "description": "bell \x07 rings", "category_code": CATEGORY}, "body"),
    ("/reports", {"channel": "web", "description": "nul \x00 byte", "category_code": CATEGORY}, "body"),
    ("/patrols", {"lon": 500, "lat": 34.7}, "lon"),
])
def test_a_bad_body_answers_422_naming_the_field(client, path, body, field):
    response = client("dispatcher").post(path, body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "invalid" and error["message"].startswith(f"{field}:")
    assert error["errors"][0]["field"] == field


@pytest.mark.parametrize("params, field", [
    ({"limit": 501}, "limit"), ({"limit": 0}, "limit"), ({"state": "lost"}, "state.0"),
    ({"sort": "number"}, "sort"), ({"created_from": "yesterday"}, "created_from"), ({"grid_id": "x"}, "grid_id"),
])
def test_a_bad_query_answers_422_naming_the_parameter(client, params, field):
    response = client("dispatcher").get("/cases", **params)
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"{field}:")


def test_a_body_that_is_not_json_answers_422(client):
    response = client("dispatcher").post("/reports", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["message"].startswith("body:")


def test_case_list_filters_by_state_given_repeated_or_comma_separated(client, city_sessions):
    dispatcher = client("dispatcher")
    repeated = dispatcher.http.get(f"{dispatcher.base}/api/v1/cases",
                                   params=[("state", "handling"), ("state", "fed_back")]).json()
    commas = dispatcher.get("/cases", state="handling,fed_back").json()
    with city_sessions() as session:
        expected = session.scalar(select(func.count()).where(Case.state.in_(["handling", "fed_back"])))
    assert repeated["total"] == commas["total"] == expected > 0
    assert {c["state"] for c in commas["items"]} <= {"handling", "fed_back"}


def test_case_list_filters_by_grid_category_urgency_card_and_time(client, city_sessions, world):
    dispatcher = client("dispatcher")
    since, until = NOW - timedelta(days=7), NOW - timedelta(days=1)
    listed = dispatcher.get("/cases", grid_id=world.district1, category_code="CA-01", urgency="low", card="none",
                            created_from=since.isoformat(), created_to=until.isoformat().replace("+00:00", "Z"),
                            limit=500).json()
    assert listed["total"] > 0 and len(listed["items"]) == listed["total"]
    for case in listed["items"]:
        assert case["district_id"] == world.district1 and case["category"]["code"].startswith("CA-01-")
        assert case["urgency"] == "low" and case["card"] == "none"
        assert since.isoformat()[:19] <= case["created_at"][:19] < until.isoformat()[:19]


def test_case_list_finds_text_and_case_numbers(client, world):
    dispatcher = client("dispatcher")
    created = dispatcher.report(world.unit_point, description="Fallen Plane Tree blocks the lane")
    by_text = dispatcher.get("/cases", q="fallen plane tree").json()
    by_number = dispatcher.get("/cases", q=created["number"]).json()
    assert [c["id"] for c in by_text["items"]] == [created["id"]]
    assert created["id"] in [c["id"] for c in by_number["items"]]


@pytest.mark.parametrize("sort", ["created_at", "-created_at", "deadline", "-deadline", "updated_at", "-updated_at"])
def test_case_list_sorts(client, sort):
    items = client("dispatcher").get("/cases", sort=sort, limit=200, state="closed").json()["items"]
    keys = [c[sort.lstrip("-")] for c in items]
    assert None not in keys and keys == sorted(keys, reverse=sort.startswith("-"))


def test_case_list_pages_do_not_overlap_and_cover_the_total(client):
    dispatcher = client("dispatcher")
    pages = [dispatcher.get("/cases", state="handling", limit=7, offset=offset).json() for offset in (0, 7, 14)]
    ids = [c["id"] for page in pages for c in page["items"]]
    assert len(ids) == len(set(ids)) == min(21, pages[0]["total"])
    assert [page["offset"] for page in pages] == [0, 7, 14] and pages[0]["limit"] == 7


def test_a_street_user_sees_only_its_district(client, city_sessions, world):
    street1 = client("street1")
    other = client("street2").report(world.district2_point)
    assert street1.get(f"/cases/{other['id']}").status_code == 404
    assert street1.act(other["id"], "cancel", note="not mine").status_code == 404
    assert street1.get("/cases", grid_id=world.district2).status_code == 404
    listed = street1.get("/cases", limit=500).json()
    with city_sessions() as session:
        assert listed["total"] == session.scalar(select(func.count()).where(Case.district_id == world.district1))
    assert {c["district_id"] for c in listed["items"]} == {world.district1}
    assert other["id"] not in {c["id"] for c in street1.get("/cases", q=other["number"]).json()["items"]}


def test_every_action_reaches_the_workflow_from_report_to_close(client, world):
    dispatcher, worker = client("dispatcher"), client("gridworker")
    case_id = worker.report(world.unit_point)["id"]
    registered = drive(dispatcher, worker, case_id, world.worker_person, "register")
    assert registered["state"] == "registered"
    assert world.worker_person in [p["person_id"] for p in registered["proposals"]]
    drive(dispatcher, worker, case_id, world.worker_person, *HAPPY_PATH[1:])
    case = dispatcher.get(f"/cases/{case_id}").json()
    assert case["state"] == "closed" and case["closed_at"] is not None and case["allowed_actions"] == []
    assert [e["action"] for e in case["events"]] == ["collect", "register", "dispatch", "accept", "feed_back",
                                                     "close"]
    assert case["events"][4]["note"] == "removed the posters" and case["events"][2]["detail"]["person_id"] == \
        world.worker_person


def test_my_tasks_lists_what_was_dispatched_to_me(client, world):
    dispatcher, worker = client("dispatcher"), client("gridworker")
    case_id = worker.report(world.unit_point)["id"]
    drive(dispatcher, worker, case_id, world.worker_person, "register", "dispatch")
    tasks = worker.get("/me/tasks").json()
    assert case_id in [c["id"] for c in tasks["items"]]
    assert all(c["assignee_person_id"] == world.worker_person and c["state"] not in ("closed", "cancelled")
               for c in tasks["items"])
    assert client("dispatcher").get("/me/tasks").json()["total"] == 0  # a dispatcher is nobody's assignee


def test_an_action_not_allowed_in_the_state_answers_409_with_the_allowed_actions(client, world):
    dispatcher = client("dispatcher")
    case_id = dispatcher.report(world.unit_point)["id"]
    response = dispatcher.act(case_id, "close")
    assert response.status_code == 409
    assert response.json()["code"] == "not_allowed" and response.json()["state"] == "collected"
    assert set(response.json()["allowed"]) == {"register", "cancel", "merge"}


def test_a_stale_version_answers_409_naming_who_changed_the_case_and_when(client, world):
    duty, dispatcher = client("duty"), client("dispatcher")
    case_id = dispatcher.report(world.unit_point)["id"]
    seen = dispatcher.get(f"/cases/{case_id}").json()["version"]
    assert duty.act(case_id, "register", version=seen).status_code == 200
    response = dispatcher.act(case_id, "cancel", version=seen, note="spam")
    assert response.status_code == 409
    conflict = response.json()
    assert conflict["code"] == "conflict" and conflict["changed_by"] == "duty" and conflict["action"] == "register"
    assert conflict["version"] > seen and conflict["changed_at"] and "duty" in conflict["message"]


def test_an_action_of_another_role_answers_403(client, world):
    dispatcher, leader = client("dispatcher"), client("leader")
    case_id = dispatcher.report(world.unit_point)["id"]
    dispatcher.act(case_id, "register")
    response = leader.act(case_id, "dispatch")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_action_params_are_checked_naming_the_field(client, world):
    dispatcher = client("dispatcher")
    case_id = dispatcher.report(world.unit_point)["id"]
    missing = dispatcher.act(case_id, "cancel")
    unknown = dispatcher.act(case_id, "register", colour="red")
    assert missing.status_code == unknown.status_code == 422
    assert missing.json()["message"].startswith("params.note:")
    assert unknown.json()["message"].startswith("params.colour:")


def test_unknown_cases_and_endpoints_answer_404_json(client):
    dispatcher = client("dispatcher")
    for response in (dispatcher.get("/cases/999999"), dispatcher.get(f"/cases/{2**40}"),
                     dispatcher.act(999999, "register"), dispatcher.post("/cases/1/actions/teleport", {}),
                     dispatcher.get("/no/such/thing")):
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_unauthenticated_requests_answer_401_json(live_server):
    for response in (requests.get(f"{live_server}/api/v1/cases"),
                     requests.post(f"{live_server}/api/v1/reports", json={}),
                     requests.get(f"{live_server}/api/v1/cases", headers={"Authorization": "Bearer forged"})):
        assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_a_signed_in_session_cookie_works_like_a_token(live_server):
    http = requests.Session()
    sign_in(http, live_server, "street1", DEMO_PASSWORD)
    response = http.get(f"{live_server}/api/v1/cases", params={"limit": 1})
    assert response.status_code == 200 and response.json()["total"] > 0


def test_the_grid_tree_starts_at_my_scope_and_stays_in_it(client, world):
    street1 = client("street1")
    tree = street1.get("/grids").json()
    assert tree["parent"]["id"] == world.district1 and tree["children"]
    assert {c["parent_id"] for c in tree["children"]} == {world.district1}
    community = tree["children"][0]["id"]
    assert street1.get("/grids", parent_id=community).json()["parent"]["level"] == 2
    assert street1.get("/grids", parent_id=world.district2).status_code == 404
    assert client("dispatcher").get("/grids").json()["parent"]["level"] == 0


def test_grid_geojson_is_simplified_and_limited_to_the_box_and_scope(client, city_sessions, world):
    dispatcher = client("dispatcher")
    lon, lat = world.unit_point
    box = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    collection = dispatcher.get("/grids/geojson", level=3, bbox=box).json()
    assert collection["type"] == "FeatureCollection" and world.unit in [f["id"] for f in collection["features"]]
    whole = dispatcher.get("/grids/geojson", level=3).json()["features"]
    assert 0 < len(collection["features"]) < len(whole)
    with city_sessions() as session:
        for feature in collection["features"]:
            original = shapely.from_geojson(session.get(Grid, feature["id"]).geometry)
            simplified = shapely.geometry.shape(feature["geometry"])
            assert simplified.intersects(shapely.box(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01))
            assert shapely.get_num_coordinates(simplified) <= shapely.get_num_coordinates(original)
    street1_level1 = client("street1").get("/grids/geojson", level=1).json()["features"]
    assert [f["id"] for f in street1_level1] == [world.district1]
    assert dispatcher.get("/grids/geojson", level=1, bbox="10,10,5,5").status_code == 422


def test_persons_are_those_serving_grids_in_my_scope(client, world):
    street1 = client("street1")
    serving_unit = street1.get("/persons", grid_id=world.unit).json()
    assert world.worker_person in [p["id"] for p in serving_unit["items"]]
    assert all(world.unit in p["grid_ids"] for p in serving_unit["items"])
    assert street1.get("/persons", grid_id=world.district2).status_code == 404
    everyone = client("dispatcher").get("/persons", limit=1).json()["total"]
    assert 0 < street1.get("/persons", limit=1).json()["total"] < everyone


def test_departments_and_the_two_level_category_tree(client):
    dispatcher = client("dispatcher")
    assert {"id", "code", "name", "name_en"} <= set(dispatcher.get("/departments").json()[0])
    majors = dispatcher.get("/categories").json()
    assert majors and all(m["children"] for m in majors)
    assert CATEGORY in {c["code"] for m in majors for c in m["children"]}
