"""The permission matrix, generated from the code: every role against every REST operation (the registry the
OpenAPI document is built from), every Dash callback (the app's callback map), every Socket.IO event the server
handles and every page (dashboard/screens.py), each with a user inside and one outside the scope of a target
street (district A), and no cross-street read or write.

Each operation, callback and event has an entry saying how it is probed and what each side must get; a new one
without an entry fails `test_every_..._is_classified`, naming it. Operations on one case (`/cases/{case_id}...`)
are classified by their path: a user outside the case's street gets 404, the product's answer for rows outside
the scope (backend/api/errors.py, OutOfScope), and nothing is written.

One city, app and set of users serve the whole module; requests go through Flask's and Flask-SocketIO's test
clients, with bearer tokens (as devices send them) and the server's own Origin.
"""
from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal, get_args, get_origin

import pytest
import shapely
from flask_socketio import SocketIOTestClient
from PIL import Image
from sqlalchemy import func, select

from backend.accounts.permissions import ROLES, acts_only_when_assigned, may, sees_staff_phone
from backend.accounts.tokens import issue_token
from backend.api.registry import ENDPOINTS, Endpoint
from backend.cases.intake import ReportIn, submit_report
from backend.cases.workflow import TRANSITIONS, Actor
from backend.geo.markers import unpack
from backend.geo.scope import Scope
from backend.indicators.definitions import OPEN
from backend.indicators.wall import wall_yesterday
from backend.models import Attachment, Case, Category, EarlyWarning, Grid, PatrolCheckIn, Person, Report, User, person_grid
from backend.platform.config import Config
from backend.platform.schemas import MAX_ID
from dashboard.screens import SCREENS
from tests.test_screens import call, components

CATEGORY = "CA-01-01"
ORIGIN = "http://localhost"  # the Flask test client's own origin
SIDES = ("in", "out")


@dataclass
class Street:
    id: int
    names: frozenset[str]  # in Chinese and in English
    unit: int  # its first unit grid
    point: tuple[float, float]  # inside that unit grid
    grids: frozenset[int]  # every grid of the street, itself included


@dataclass
class Matrix:
    centre: object
    a: Street  # the target street
    b: Street  # another street: where the "out" users are
    target: int  # an open case in street A
    target_number: str
    attachment: int  # a photo of the target case
    tokens: dict[tuple[str, str], str]
    users: dict[tuple[str, str], int]
    clients: dict = field(default_factory=dict)
    pushed: Pushed | None = None  # the live stream's test, once made (the `pushed` fixture)
    warning: int | None = None  # a warning issued from street A to its unit grid, once made (`_target_warning`)

    def street(self, side: str) -> Street:
        return self.a if side == "in" else self.b

    def client(self, role: str, side: str):
        """A test client of that role's user in street A ("in") or B ("out"), signed in by bearer token."""
        if (role, side) not in self.clients:
            client = self.centre.server.test_client()
            client.environ_base.update(HTTP_AUTHORIZATION=f"Bearer {self.tokens[role, side]}", HTTP_ORIGIN=ORIGIN)
            self.clients[role, side] = client
        return self.clients[role, side]

    def get(self, role: str, side: str, path: str, **params):
        return self.client(role, side).get(f"/api/v1{path}", query_string=params)

    def post(self, role: str, side: str, path: str, body: dict):
        return self.client(role, side).post(f"/api/v1{path}", data=json.dumps(body), content_type="application/json")

    def db(self):
        return self.centre.sessions()


def _street(session, grid_id: int) -> Street:
    grid = session.get(Grid, grid_id)
    unit = session.scalar(select(Grid).where(Grid.level == 3, Grid.code.startswith(grid.code + "-"))
                          .order_by(Grid.code))
    point = shapely.from_geojson(unit.geometry).point_on_surface()
    grids = frozenset(session.scalars(select(Grid.id).where(
        (Grid.id == grid.id) | Grid.code.startswith(grid.code + "-"))))
    return Street(grid.id, frozenset({grid.name, grid.name_en}), unit.id, (point.x, point.y), grids)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def matrix(small_city_file, tmp_path_factory) -> Matrix:
    from dashboard.app import create_app

    workdir = tmp_path_factory.mktemp("matrix")
    shutil.copy(small_city_file, workdir / "city.sqlite")
    uploads = workdir / "uploads"
    centre = create_app(Config(database_url=f"sqlite:///{workdir / 'city.sqlite'}", demo=True, simulator=False,
                               secret_key="test-secret", redis_url=None, upload_dir=str(uploads),
                               token_recheck_seconds=0))
    now = _now()
    with centre.sessions() as session:
        demo = {u.username: u for u in session.scalars(select(User))}
        a, b = _street(session, demo["street1"].grid_id), _street(session, demo["street2"].grid_id)
        users = {}
        for role in ROLES:
            for side, street in (("in", a), ("out", b)):
                user = User(username=f"{role}.{side}", password_hash=demo["street1"].password_hash, role=role,
                            grid_id=street.id, display_name=f"{role}.{side}", language="zh_Hans", active=True)
                session.add(user)
                session.flush()
                users[role, side] = user.id
        tokens = {key: issue_token(session, f"{key[0]}.{key[1]}", "matrix", now) for key in users}
        target = session.scalar(select(Case).where(Case.district_id == a.id, Case.state == "handling")
                                .order_by(Case.id))
        uploads.mkdir(parents=True)
        (uploads / "target.png").write_bytes(_png())
        photo = Attachment(path="target.png", content_type="image/png", size=len(_png()), case_id=target.id,
                           uploaded_by_id=demo["gridworker"].id, uploaded_at=now)
        session.add(photo)
        session.commit()
        world = Matrix(centre, a, b, target.id, target.number, photo.id, tokens, users)
    yield world
    centre.engine.dispose()


# -- what the database says each side should see ----------------------------------------------------------------

def _count(m: Matrix, *clauses) -> int:
    with m.db() as session:
        return session.scalar(select(func.count()).select_from(Case).where(*clauses))


def _version(m: Matrix) -> int:
    with m.db() as session:
        return session.scalar(select(Case.version).where(Case.id == m.target))


def _open_in(m: Matrix, street: Street) -> int:
    return _count(m, Case.district_id == street.id, OPEN.clause(None))


# -- REST: one probe per operation; each checks both sides ------------------------------------------------------

SAMPLES = {str: "matrix", int: 1, float: 1.0}


def _stale(ep: Endpoint) -> dict:
    """A valid body for the action, with a version the case has not reached: refused before anything is written."""
    params = ep.body.model_fields["params"].annotation
    values = {name: get_args(f.annotation)[0] if get_origin(f.annotation) is Literal else SAMPLES[f.annotation]
              for name, f in params.model_fields.items() if f.is_required()}
    return {"version": MAX_ID, "params": values}


def _case_operation(m: Matrix, role: str, ep: Endpoint) -> None:
    """Inside: the case is found (a read answers it, an action with a stale version is a conflict, so that
    nothing is written); outside: 404, and the case is unchanged."""
    before = _version(m)
    for side in SIDES:
        if ep.method == "GET":
            response = m.get(role, side, ep.path.format(case_id=m.target))
        else:
            response = m.post(role, side, ep.path.format(case_id=m.target), _stale(ep))
        if side == "out":
            assert response.status_code == 404, response.text
            assert response.json["code"] == "not_found" and m.target_number not in response.text
        elif ep.method == "GET":
            assert response.status_code == 200, response.text
            case = response.json
            assert case["id"] == m.target and case["district_id"] == m.a.id
            assert all(may(role, TRANSITIONS[action].capability) for action in case["allowed_actions"])
        else:
            assert response.status_code == 409 and response.json["code"] == "conflict", response.text
    assert _version(m) == before


def _list_cases(m: Matrix, role: str) -> None:
    for side in SIDES:
        own = m.street(side)
        listed = m.get(role, side, "/cases", limit=500).json
        assert listed["total"] == _count(m, Case.district_id == own.id)
        assert {c["district_id"] for c in listed["items"]} == {own.id}
        found = [c["id"] for c in m.get(role, side, "/cases", q=m.target_number).json["items"]]
        assert (m.target in found) == (side == "in")
    assert m.get(role, "out", "/cases", grid_id=m.a.id).status_code == 404
    assert m.get(role, "out", "/cases", grid_id=m.a.unit).status_code == 404


def _my_tasks(m: Matrix, role: str) -> None:
    for side in SIDES:
        tasks = m.get(role, side, "/me/tasks", limit=500).json
        assert {c["district_id"] for c in tasks["items"]} <= {m.street(side).id}


def _list_grids(m: Matrix, role: str) -> None:
    for side in SIDES:
        own = m.street(side)
        tree = m.get(role, side, "/grids").json
        assert tree["parent"]["id"] == own.id and {c["id"] for c in tree["children"]} <= own.grids
        assert tree["parent"]["open_cases"] == _open_in(m, own)
    assert m.get(role, "in", "/grids", parent_id=m.a.id).status_code == 200
    for grid in (m.a.id, m.a.unit):
        assert m.get(role, "out", "/grids", parent_id=grid).status_code == 404


def _grids_geojson(m: Matrix, role: str) -> None:
    for side in SIDES:
        own = m.street(side)
        assert [f["id"] for f in m.get(role, side, "/grids/geojson", level=1).json["features"]] == [own.id]
        units = m.get(role, side, "/grids/geojson", level=3).json["features"]
        assert units and {f["id"] for f in units} <= own.grids
        assert sum(f["properties"]["open_cases"] for f in units) == _open_in(m, own)


def _list_persons(m: Matrix, role: str) -> None:
    for side in SIDES:
        own = m.street(side)
        with m.db() as session:
            serving = session.scalar(select(func.count(person_grid.c.person_id.distinct()))
                                     .where(person_grid.c.grid_id.in_(own.grids)))
        listed = m.get(role, side, "/persons", limit=500).json
        assert listed["total"] == serving
        assert all(set(p["grid_ids"]) <= own.grids for p in listed["items"])
    assert m.get(role, "in", "/persons", grid_id=m.a.unit).status_code == 200
    assert m.get(role, "out", "/persons", grid_id=m.a.unit).status_code == 404


def _the_same_for_everyone(path: str) -> Callable[[Matrix, str], None]:
    """Reference data no street owns: both sides get the same answer."""
    def probe(m: Matrix, role: str) -> None:
        inside, outside = m.get(role, "in", path), m.get(role, "out", path)
        assert inside.status_code == outside.status_code == 200 and inside.json == outside.json
    return probe


def _list_events(m: Matrix, role: str) -> None:
    pushed = m.pushed
    for side in SIDES:
        events = m.get(role, side, "/events", after=pushed.before).json["events"]
        cases = {e.get("case_id") for e in events}
        assert (pushed.case_a in cases) == (side == "in") and (pushed.case_b in cases) == (side == "out")
        assert {e["district_id"] for e in events} == {m.street(side).id}


def _reported_inside(m: Matrix, role: str, path: str, body: dict) -> None:
    """Inside: a report in the user's own street opens a case there (outside: test_intake_stays_in_scope)."""
    response = m.post(role, "in", path, body)
    assert response.status_code == 201, response.text
    assert response.json["grid"]["id"] == m.a.unit


def _report_body(m: Matrix, street: Street, **fields) -> dict:
    lon, lat = street.point
    return {"channel": "handheld", "description": "matrix", "category_code": CATEGORY, "lon": lon, "lat": lat} | fields


def _create_report(m: Matrix, role: str) -> None:
    _reported_inside(m, role, "/reports", _report_body(m, m.a))


def _create_emergency(m: Matrix, role: str) -> None:
    _reported_inside(m, role, "/reports/emergency", _report_body(m, m.a))


def _create_batch(m: Matrix, role: str) -> None:
    answer = m.post(role, "in", "/reports/batch", {"reports": [_report_body(m, m.a, client_id=f"{role}-batch")]})
    assert answer.status_code == 200 and answer.json["items"][0]["status"] == "created", answer.text
    with m.db() as session:
        assert session.get(Case, answer.json["items"][0]["case_id"]).district_id == m.a.id


def _check_in(m: Matrix, role: str) -> None:
    lon, lat = m.a.point
    assert m.post(role, "in", "/patrols", {"lon": lon, "lat": lat}).status_code == 201
    refused = m.post(role, "out", "/patrols", {"lon": lon, "lat": lat})
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "lon/lat"
    with m.db() as session:
        assert not session.scalar(select(func.count()).select_from(PatrolCheckIn)
                                  .where(PatrolCheckIn.user_id == m.users[role, "out"]))


def _upload(m: Matrix, role: str) -> None:
    """A photo not yet attached to a case is its uploader's alone."""
    uploaded = m.client(role, "in").post("/api/v1/attachments", data={"file": (io.BytesIO(_png()), "p.png")},
                                         content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.text
    photo = uploaded.json["id"]
    assert m.get(role, "in", f"/attachments/{photo}").status_code == 200
    assert m.get(role, "out", f"/attachments/{photo}").status_code == 404


def _download(m: Matrix, role: str) -> None:
    assert m.get(role, "in", f"/attachments/{m.attachment}").status_code == 200
    assert m.get(role, "out", f"/attachments/{m.attachment}").status_code == 404


def _audit(path: str) -> Callable[[Matrix, str], None]:
    """The audit log spans every grid: no street's user reads it, an administrator neither."""
    def probe(m: Matrix, role: str) -> None:
        for side in SIDES:
            response = m.get(role, side, path)
            assert response.status_code == 403 and response.json["code"] == "forbidden", response.text
    return probe


def _warning_draft(m: Matrix) -> dict:
    now = _now()
    return {"level": "blue", "type": "weather", "headline": "matrix", "message": "matrix",
            "starts_at": now.isoformat(), "ends_at": (now + timedelta(hours=6)).isoformat(),
            "targets": [{"grid_id": m.a.unit}]}


def _target_warning(m: Matrix) -> int:
    """A warning street A's warning officer issued to its unit grid."""
    if m.warning is None:
        from backend.warnings.workflow import create, perform as perform_warning

        with m.db() as session:
            actor = Actor(name="matrix", role="warning_officer", scope=Scope.of_grid(session.get(Grid, m.a.id)),
                          user_id=m.users["warning_officer", "in"])
            warning = create(session, actor, _warning_draft(m), _now()).warning
            perform_warning(session, actor, warning.id, "issue", {}, _now())
            session.commit()
            m.warning = warning.id
    return m.warning


def _stale_warning(ep: Endpoint) -> dict:
    """Valid parameters for the action, with a version the warning has not reached."""
    samples = {"raise": {"level": "red"}, "lower": {"level": "blue"}, "reject": {"note": "matrix"}, "reject_raise": {"note": "matrix"},
               "extend": {"ends_at": (_now() + timedelta(days=1)).isoformat()},
               "widen": {"targets": [{"grid_id": 1}]}, "narrow": {"grid_ids": [1]}}
    return {"version": MAX_ID, "params": samples.get(ep.operation_id.removeprefix("warning_"), {})}


def _warning_version(m: Matrix) -> int:
    with m.db() as session:
        return session.get(EarlyWarning, _target_warning(m)).version


def _warning_operation(m: Matrix, role: str, ep: Endpoint) -> None:
    """Inside street A: the warning is found (a read answers it, an action with a stale version is a conflict,
    so nothing is written); outside: 404, and it is unchanged."""
    warning_id = _target_warning(m)
    before = _warning_version(m)
    for side in SIDES:
        path = ep.path.format(warning_id=warning_id)
        response = m.get(role, side, path) if ep.method == "GET" else m.post(role, side, path, _stale_warning(ep))
        if side == "out":
            assert response.status_code == 404 and response.json["code"] == "not_found", response.data
        elif ep.method == "GET":
            assert response.status_code == 200, response.data
        else:
            assert response.status_code == 409 and response.json["code"] == "conflict", response.data
    assert _warning_version(m) == before


def _list_warnings(m: Matrix, role: str) -> None:
    warning_id = _target_warning(m)
    for side in SIDES:
        listed = {w["id"] for w in m.get(role, side, "/warnings", limit=500).json["items"]}
        assert (warning_id in listed) == (side == "in")


def _drafts_warnings(path: str, status: int) -> Callable[[Matrix, str], None]:
    """Who may issue drafts (or previews) only to grids of their own street; nobody else at all."""
    def probe(m: Matrix, role: str) -> None:
        body = _warning_draft(m) if path.endswith("preview") else {"params": _warning_draft(m)}
        for side in SIDES:
            response = m.post(role, side, path, body)
            if not may(role, "issue_warning"):
                assert response.status_code == 403, response.data
            elif side == "in":
                assert response.status_code == status, response.data
            else:
                assert response.status_code == 422 and "not in your scope" in response.json["message"]
    return probe


REST: dict[str, Callable] = {
    "list_warnings": _list_warnings,
    "preview_warning": _drafts_warnings("/warnings/preview", 200),
    "create_warning": _drafts_warnings("/warnings", 201),
    "list_cases": _list_cases,
    "my_tasks": _my_tasks,
    "list_grids": _list_grids,
    "grids_geojson": _grids_geojson,
    "list_persons": _list_persons,
    "list_departments": _the_same_for_everyone("/departments"),
    "list_categories": _the_same_for_everyone("/categories"),
    "openapi": _the_same_for_everyone("/openapi.json"),
    "list_events": _list_events,
    "create_report": _create_report,
    "create_emergency": _create_emergency,
    "create_batch": _create_batch,
    "check_in": _check_in,
    "upload": _upload,
    "download": _download,
    "read_audit": _audit("/audit"),
    "export_audit": _audit("/audit.csv"),
}


def _is_case_operation(ep: Endpoint) -> bool:
    return ep.path.startswith("/cases/{case_id}")


def _is_warning_operation(ep: Endpoint) -> bool:
    return ep.path.startswith("/warnings/{warning_id}")


def test_every_rest_operation_is_classified():
    unclassified = [f"{ep.method} {ep.path} ({ep.operation_id})" for ep in ENDPOINTS
                    if ep.operation_id not in REST and not _is_case_operation(ep) and not _is_warning_operation(ep)]
    assert not unclassified, f"not in the permission matrix (tests/test_permission_matrix.py REST): {unclassified}"
    stale = set(REST) - {ep.operation_id for ep in ENDPOINTS}
    assert not stale, f"no such operation: {stale}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda ep: ep.operation_id)
def test_rest_operation(matrix, pushed, ep, role):
    """(`pushed`: the events GET /events is asked for.)"""
    if _is_case_operation(ep):
        _case_operation(matrix, role, ep)
    elif _is_warning_operation(ep):
        _warning_operation(matrix, role, ep)
    else:
        REST[ep.operation_id](matrix, role)


# -- action parameters naming other rows: never a row of another street --------------------------------------

def _only_in(m: Matrix, street: Street) -> int:
    """A person who serves grids of the street and of no other."""
    other = _serving(m, m.b if street is m.a else m.a)
    return min(_serving(m, street) - other)


# What each parameter naming a row names, for the "out" user: a row of street A, or None for rows no street owns.
ROW_PARAMS: dict[str, Callable[[Matrix], object] | None] = {
    "into_case_id": lambda m: m.target,
    "person_id": lambda m: _only_in(m, m.a),
    "attachment_ids": lambda m: [m.attachment],  # street A's photo, uploaded by someone else
    "department_id": None,  # departments serve the whole city
}
# The way a new case reaches each state, from `collected`, by a city-wide admin (who may do every step).
WAY_TO = {"collected": (), "registered": ("register",), "dispatched": ("register", "dispatch"),
          "handling": ("register", "dispatch", "accept"), "fed_back": ("register", "dispatch", "accept", "feed_back")}


def _row_params() -> list[tuple[str, str]]:
    return [(action, name) for action, transition in TRANSITIONS.items() for name in transition.params.model_fields
            if name.endswith(("_id", "_ids"))]


def test_every_action_parameter_naming_a_row_is_classified():
    unclassified = sorted({name for _, name in _row_params()} - set(ROW_PARAMS))
    assert not unclassified, f"action parameters not in the permission matrix (ROW_PARAMS): {unclassified}"


def _admin(m: Matrix):
    client = m.centre.server.test_client()
    with m.db() as session:
        client.environ_base.update(HTTP_AUTHORIZATION=f"Bearer {issue_token(session, 'admin', 'matrix', _now())}",
                                   HTTP_ORIGIN=ORIGIN)
        session.commit()
    return client


def _perform(client, case_id: int, action: str, **params) -> dict:
    done = client.post(f"/api/v1/cases/{case_id}/actions/{action}", data=json.dumps({"params": params}),
                       content_type="application/json")
    assert done.status_code == 200, (action, done.text)
    return done.json


def _case_in(m: Matrix, street: Street, state: str) -> int:
    """A new case in the street, brought to the state by the city's admin."""
    admin = _admin(m)
    case_id = admin.post("/api/v1/reports", data=json.dumps(_report_body(m, street)),
                         content_type="application/json").json["id"]
    for action in WAY_TO[state]:
        _perform(admin, case_id, action, **({"note": "done"} if action == "feed_back" else {}))
    return case_id


@pytest.mark.parametrize("action, name", [pytest.param(*pair, id="-".join(pair)) for pair in _row_params()
                                          if ROW_PARAMS.get(pair[1])])
def test_action_parameters_never_name_another_streets_rows(matrix, action, name):
    """An action on one's own case that names a row of another street is refused naming the parameter, and
    writes nothing (by a role that may take the action on any case of its street)."""
    transition = TRANSITIONS[action]
    role = next(r for r in ROLES if may(r, transition.capability) and not acts_only_when_assigned(r))
    state = next(state for state in WAY_TO if state in transition.sources)
    case_id = _case_in(matrix, matrix.b, state)
    with matrix.db() as session:
        before = session.get(Case, case_id).version
    params = _stale(next(ep for ep in ENDPOINTS if ep.operation_id == f"action_{action}"))["params"]
    answer = matrix.post(role, "out", f"/cases/{case_id}/actions/{action}",
                         {"params": params | {name: ROW_PARAMS[name](matrix)}})
    assert answer.status_code == 422 and answer.json["message"].startswith(f"{name}:"), answer.text
    with matrix.db() as session:
        assert session.get(Case, case_id).version == before


# -- intake outside the scope (issue 11 item 2) --------------------------------------------------------------------

def _cases_by(m: Matrix, role: str, side: str, street: Street) -> int:
    """Cases in the street opened by reports of that user."""
    return _count(m, Case.district_id == street.id,
                  Case.id.in_(select(Report.case_id).where(Report.submitted_by_id == m.users[role, side])))


def _report_outside(m: Matrix, role: str, channel: str):
    """The "out" user (street B) reports a problem at street A's point through one intake channel."""
    body = _report_body(m, m.a, client_id=f"{role}-{channel}-outside")
    if channel == "open311":
        lon, lat = m.a.point
        return m.client(role, "out").post("/open311/v2/requests.json", data={
            "api_key": m.tokens[role, "out"], "service_code": CATEGORY, "lat": lat, "long": lon,
            "description": "matrix"})
    return m.post(role, "out", channel, {"reports": [body]} if channel.endswith("batch") else body)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("channel", ["/reports", "/reports/emergency", "/reports/batch", "open311"])
def test_intake_stays_in_scope(matrix, channel, role):
    """A report in another street is refused and opens no case there (no role here is city-wide)."""
    answer = _report_outside(matrix, role, channel)
    if channel.endswith("batch"):
        assert answer.status_code == 200 and answer.json["items"][0]["status"] == "error", answer.text
    else:
        assert answer.status_code in (400, 403, 404, 422), answer.get_data(as_text=True)
    assert _cases_by(matrix, role, "out", matrix.a) == 0


def _across_the_border(m: Matrix) -> tuple[tuple[float, float], tuple[float, float]]:
    """Two points some 40 m apart on either side of the border of streets A and B, each in a unit grid."""
    with m.db() as session:
        a, b = (shapely.from_geojson(session.get(Grid, street.id).geometry) for street in (m.a, m.b))
    border = a.boundary.intersection(b.boundary)
    step = 0.0002  # about 20 m
    for fraction in (0.5, 0.3, 0.7, 0.1, 0.9):
        middle = shapely.line_interpolate_point(border, fraction, normalized=True)
        sides = {}
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            point = (middle.x + dx * step, middle.y + dy * step)
            grid = m.centre.locator.locate(*point)
            for street in (m.a, m.b):
                if grid in street.grids:
                    sides.setdefault(street.id, point)
        if len(sides) == 2:
            return sides[m.a.id], sides[m.b.id]
    raise AssertionError("no pair of points across the border of streets A and B")


def test_a_duplicate_hint_never_names_another_streets_case(matrix):
    """A report in one's own street, 40 m from an open case across the border, is not told that case's number."""
    inside_a, inside_b = _across_the_border(matrix)
    first = matrix.post("dispatcher", "in", "/reports", _report_body(matrix, matrix.a) | dict(
        zip(("lon", "lat"), inside_a)))
    assert first.status_code == 201 and first.json["grid"]["id"] in matrix.a.grids
    near = matrix.post("dispatcher", "out", "/reports", _report_body(matrix, matrix.b) | dict(
        zip(("lon", "lat"), inside_b)))
    assert near.status_code == 201 and near.json["grid"]["id"] in matrix.b.grids
    assert near.json["duplicate_of"] != first.json["number"]


# -- proposals: after an escalation to the city and a return, only the street's own staff (issue 11 item 3) --


def _escalated_to_the_city(m: Matrix) -> int:
    """A new case in street A, escalated by the city's admin up to the city level and returned: registered again,
    to be handled at the city."""
    case_id, admin = _case_in(m, m.a, "dispatched"), _admin(m)
    for action in ("escalate", "escalate", "escalate"):
        _perform(admin, case_id, action)
    returned = _perform(admin, case_id, "return", note="a city matter")
    assert returned["state"] == "registered" and returned["handling_level"] == 0
    return case_id


def _serving(m: Matrix, street: Street) -> set[int]:
    with m.db() as session:
        return set(session.scalars(select(person_grid.c.person_id).where(person_grid.c.grid_id.in_(street.grids))))


@pytest.mark.parametrize("role", ROLES)
def test_proposals_name_only_staff_of_the_readers_scope(matrix, role):
    case_id = _escalated_to_the_city(matrix)
    detail = matrix.get(role, "in", f"/cases/{case_id}")
    assert detail.status_code == 200
    assert {p["person_id"] for p in detail.json["proposals"]} <= _serving(matrix, matrix.a)


@pytest.mark.parametrize("role", sorted(role for role in ROLES if may(role, "dispatch")))
def test_dispatch_without_a_person_assigns_only_staff_of_the_actors_scope(matrix, role):
    case_id = _escalated_to_the_city(matrix)
    dispatched = matrix.post(role, "in", f"/cases/{case_id}/actions/dispatch", {})
    assert dispatched.status_code != 200 or dispatched.json["assignee_person_id"] in _serving(matrix, matrix.a)


# -- the live stream: Socket.IO events and the REST catch-up ------------------------------------------------------

@dataclass
class Pushed:
    before: str  # the stream's last id before the two reports
    case_a: int
    case_b: int
    received: dict[tuple[str, str], list[dict]]  # per user: every message its connection got
    rooms: dict[tuple[str, str], set[str]]


def _report_in(m: Matrix, street: Street) -> int:
    lon, lat = street.point
    with m.db() as session:
        category = session.scalar(select(Category.code).where(Category.code == CATEGORY))
        case = submit_report(session, ReportIn(channel="web", description="live", category_code=category, lon=lon,
                                               lat=lat), m.centre.locator, datetime.now(timezone.utc),
                             m.centre.config)
        session.commit()
        return case.id


@pytest.fixture(scope="module")
def pushed(matrix) -> Pushed:
    """A connection per user, then a report in each street, relayed and pushed by the follower."""
    centre = matrix.centre
    before = centre.bus.last_id() or "0-0"
    clients = {(role, side): _socket(matrix, role, side) for role, side in matrix.tokens}
    manager = centre.socketio.server.manager
    rooms = {key: set(manager.get_rooms(manager.sid_from_eio_sid(client.eio_sid, "/"), "/")) - {
        manager.sid_from_eio_sid(client.eio_sid, "/")} for key, client in clients.items()}
    case_a, case_b = _report_in(matrix, matrix.a), _report_in(matrix, matrix.b)
    centre.relay.publish_pending()
    centre.follower.round()
    received = {key: client.get_received() for key, client in clients.items()}
    for client in clients.values():
        client.disconnect()
    matrix.pushed = Pushed(before, case_a, case_b, received, rooms)
    return matrix.pushed


def _events(pushed: Pushed, key) -> list[dict]:
    return [event for message in pushed.received[key] if message["name"] == "events" for event in message["args"][0]]


def _connect(m: Matrix, role: str, pushed: Pushed) -> None:
    """Every user may connect, and joins its own street's room only."""
    for side in SIDES:
        assert pushed.rooms[role, side] == {f"grid:{m.street(side).id}"}
        assert [msg["name"] for msg in pushed.received[role, side]][:1] == ["hello"]


def _pushes(m: Matrix, role: str, pushed: Pushed) -> None:
    """A case's events reach its own street's connections, never another street's; presence lists likewise."""
    for side in SIDES:
        events = _events(pushed, (role, side))
        assert (pushed.case_a if side == "in" else pushed.case_b) in {event["case_id"] for event in events}
        assert {event["district_id"] for event in events} == {m.street(side).id}
        seen = {person["name"] for msg in pushed.received[role, side] if msg["name"] == "presence"
                for person in msg["args"][0]}
        assert all(name.endswith(f".{side}") for name in seen), seen


def _socket(m: Matrix, role: str, side: str) -> SocketIOTestClient:
    return SocketIOTestClient(m.centre.server, m.centre.socketio, headers={
        "Authorization": f"Bearer {m.tokens[role, side]}", "Origin": ORIGIN})


def _presence(client: SocketIOTestClient) -> list[list[str]]:
    return [[person["name"] for person in msg["args"][0]] for msg in client.get_received() if msg["name"] == "presence"]


def _disconnect(m: Matrix, role: str, pushed: Pushed) -> None:
    """A departure is announced to the leaver's own street (the list without them), never to another street."""
    leaving = _socket(m, role, "in")
    neighbour = _socket(m, "wall" if role != "wall" else "leader", "in")
    stranger = _socket(m, role, "out")
    for client in (neighbour, stranger):
        client.get_received()
    leaving.disconnect()
    assert [f"{role}.in" not in names for names in _presence(neighbour)] == [True]
    assert _presence(stranger) == []
    for client in (neighbour, stranger):
        client.disconnect()


SOCKET_EVENTS: dict[str, Callable] = {"connect": _connect, "disconnect": _disconnect}


def test_every_socketio_event_is_classified(matrix):
    handled = set(matrix.centre.socketio.server.handlers["/"])
    assert handled == set(SOCKET_EVENTS), f"classified: {sorted(SOCKET_EVENTS)}; handled: {sorted(handled)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("event", SOCKET_EVENTS)
def test_socketio_event(matrix, pushed, event, role):
    SOCKET_EVENTS[event](matrix, role, pushed)


@pytest.mark.parametrize("role", ROLES)
def test_socketio_pushes_stay_in_their_street(matrix, pushed, role):
    _pushes(matrix, role, pushed)


# -- Dash callbacks: one probe per server-side callback, by the function's name ---------------------------------

def _dash(m: Matrix, role: str, side: str):
    client = m.client(role, side)
    if not hasattr(client, "dependencies"):
        client.dependencies = client.get("/_dash-dependencies").get_json()
    return client


def _call(client, output: str, inputs: dict, state: dict | None = None):
    """tests/test_screens.call, naming an output as written in the code (without Dash's `@<hash>` of an
    output another callback also writes)."""
    written = next(o for d in client.dependencies for o in d["output"].strip(".").split("...")
                   if o.split("@")[0] == output)
    return call(client, written, inputs, state)


def _answer(response) -> dict:
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:500]
    return response.get_json()["response"] if response.status_code == 200 else {}


def _no_data(output: str, inputs: dict, state: dict | None = None) -> Callable[[Matrix, str], None]:
    """A callback that reads no street's rows: both sides get the same answer for the same input."""
    def probe(m: Matrix, role: str) -> None:
        inside, outside = (_answer(_call(_dash(m, role, side), output, inputs, state)) for side in SIDES)
        assert inside == outside
    return probe


def _texts(tree) -> str:
    return json.dumps(tree, ensure_ascii=False)


def _navigate(m: Matrix, role: str) -> None:
    """Asked for street A's grid, the breadcrumb shows it inside and the user's own street outside."""
    for side in SIDES:
        crumbs = _answer(_call(_dash(m, role, side), "wall-breadcrumb.children", {"wall-grid.data": m.a.id},
                              {"wall-map.viewport": None}))["wall-breadcrumb"]["children"]
        names = {c["props"]["children"] for c in components(crumbs) if isinstance(c["props"].get("children"), str)}
        assert bool(m.a.names & names) == (side == "in") and m.street(side).names & names


def _refresh(m: Matrix, role: str) -> None:
    """The wall of street A's grid: inside it is shown; outside the user's own street, its cases and counts only,
    on the map's markers and in the grid panel too."""
    for side in SIDES:
        own = m.street(side)
        answer = _answer(_call(_dash(m, role, side), "wall-focus.data", {"wall-grid.data": m.a.id}))
        assert answer["wall-focus"]["data"]["id"] == own.id
        assert answer["wall-kpi-open_cases"]["children"] == str(_open_in(m, own))
        shown = [int(row["id"]) for row in answer["wall-cases"]["rowData"]]
        with m.db() as session:
            districts = set(session.scalars(select(Case.district_id).where(Case.id.in_(shown))))
        assert shown and districts == {own.id}
        assert {f["id"] for f in answer["wall-grids"]["data"]["features"]} <= own.grids
        markers = [case_id for case_id, *_ in unpack(answer["wall-markers-packed"]["data"])]
        with m.db() as session:
            districts = set(session.scalars(select(Case.district_id).where(Case.id.in_(markers))))
            phones = set(session.scalars(select(Person.phone).join(person_grid, person_grid.c.person_id == Person.id)
                                         .where(person_grid.c.grid_id == own.id)))
        assert markers and districts == {own.id}
        # The grid panel is the user's own street's, its persons' phones only for roles that call staff.
        panel = _texts(answer["wall-panel-head"]["children"]) + _texts(answer["wall-panel-persons"]["children"])
        other = m.street("out" if side == "in" else "in")
        assert any(name in panel for name in own.names) and not any(name in panel for name in other.names)
        assert phones and any(phone in panel for phone in phones) == sees_staff_phone(role)


def _yesterday(m: Matrix, role: str) -> None:
    """Asked for street A's figures of yesterday, inside they are street A's, outside the user's own street's."""
    for side in SIDES:
        own = m.street(side)
        answer = _answer(_call(_dash(m, role, side), "wall-yesterday.data", {"wall-grid.data": m.a.id}))
        with m.db() as session:
            expected = wall_yesterday(session, Scope.of_grid(session.get(Grid, own.id)), _now(),
                                      m.centre.config.timezone)
        assert answer["wall-yesterday"]["data"] == expected


def _open_desk(m: Matrix, role: str) -> None:
    """The hotline desk opens only for call takers, and its map holds only the user's own street."""
    for side in SIDES:
        response = _call(_dash(m, role, side), "hotline.children", {"hotline.id": "hotline"},
                        {"hotline.children": None})
        if not may(role, "take_hotline_calls"):
            assert response.status_code == 204
            continue
        desk = _answer(response)["hotline"]["children"]
        features = [f for c in components(desk) if isinstance(c["props"].get("data"), dict)
                    for f in c["props"]["data"].get("features", [])]
        assert features and {f["id"] for f in features} <= m.street(side).grids


def _pick(m: Matrix, role: str) -> None:
    """A map click in street A is placed inside and refused as outside the area outside."""
    lon, lat = m.a.point
    for side in SIDES:
        response = _call(_dash(m, role, side), "hotline-marker.children",
                        {"hotline-map.clickData": {"latlng": {"lat": lat, "lng": lon}}})
        if not may(role, "take_hotline_calls"):
            assert response.status_code == 204
            continue
        assert (_answer(response)["hotline-point"]["data"] is not None) == (side == "in")


def _submit(m: Matrix, role: str) -> None:
    """A hotline call placed in street A opens a case inside; outside nothing is written."""
    lon, lat = m.a.point
    for side in SIDES:
        before = _count(m, Case.district_id == m.a.id)
        values = {"hotline-phone.value": "13800000000", "hotline-name.value": "", "hotline-description.value": "x",
                  "hotline-category.value": CATEGORY, "hotline-address.value": ""}
        response = _call(_dash(m, role, side), "hotline-result.children", {"hotline-submit.n_clicks": 1},
                        values | {"hotline-point.data": {"lon": lon, "lat": lat},
                                  "hotline-token.data": f"{role}-{side}-call"})
        if not may(role, "take_hotline_calls"):
            assert response.status_code == 204
        else:
            _answer(response)
        created = _count(m, Case.district_id == m.a.id) - before
        assert created == (1 if side == "in" and may(role, "take_hotline_calls") else 0)


def _switch_language(m: Matrix, role: str) -> None:
    """Writes the user's own account and no other."""
    _answer(_call(_dash(m, role, "out"), "shell-language-saved.data", {"shell-language.value": "en"}))
    with m.db() as session:
        assert session.get(User, m.users[role, "out"]).language == "en"
        assert session.get(User, m.users[role, "in"]).language == "zh_Hans"


def _retry(m: Matrix, role: str) -> None:
    """Asks the database for nothing but an answer; the same notices for both sides (times stamp the reload)."""
    inside, outside = (_answer(_call(_dash(m, role, side), "shell-notice-database.hidden", {"shell-retry.n_intervals": 1}))
                       for side in SIDES)
    assert set(inside) == set(outside)
    assert all(inside[key] == outside[key] for key in ("shell-notice-database", "shell-notice-error", "shell-retry"))


def _highlight(m: Matrix, role: str) -> None:
    """The navigation's highlight depends on the address alone."""
    link = {"type": "shell-nav-link", "path": "/wall"}
    body = {"output": '{"path":["ALL"],"type":"shell-nav-link"}.className',
            "outputs": [{"id": link, "property": "className"}],
            "inputs": [{"id": "shell-location", "property": "pathname", "value": "/wall"}],
            "state": [[{"id": link, "property": "id", "value": link}]], "changedPropIds": ["shell-location.pathname"]}
    answers = [m.client(role, side).post("/_dash-update-component", data=json.dumps(body),
                                         content_type="application/json") for side in SIDES]
    assert [a.status_code for a in answers] == [200, 200] and answers[0].json == answers[1].json


def _page(m: Matrix, screen, role: str) -> None:
    """A screen opens for a role with its capability; any other gets the notice instead, wherever it is."""
    for side in SIDES:
        page = _answer(_call(_dash(m, role, side), "_pages_content.children",
                             {"_pages_location.pathname": screen.path, "_pages_location.search": ""}))
        ids = {c["props"].get("id") for c in components(page)}
        denied = any("screen-denied" in (c["props"].get("className") or "") for c in components(page))
        allowed = may(role, screen.capability)
        assert (screen.name in ids, denied) == (allowed, not allowed), (screen.name, role, side)


def _pages(m: Matrix, role: str) -> None:
    """Dash's page router, for every screen (test_page lists them one by one)."""
    for screen in SCREENS:
        _page(m, screen, role)


def _desk(m: Matrix, role: str) -> None:
    """The handlers' desk lists the cases assigned to the user's person, in the user's own street only: bound
    for the probe to the target's assignee, a handler inside sees it, outside nobody does."""
    with m.db() as session:
        assignee = session.get(Case, m.target).assignee_person_id
        for side in SIDES:
            session.get(User, m.users[role, side]).person_id = assignee
        session.commit()
    try:
        for side in SIDES:
            listed = _texts(_answer(_call(_dash(m, role, side), "tasks-list.children", {"tasks-poke.data": None})))
            assert (f"task-{m.target}" in listed) == (side == "in" and may(role, "handle")), (role, side)
    finally:
        with m.db() as session:
            for side in SIDES:
                session.get(User, m.users[role, side]).person_id = None
            session.commit()


def _desk_button(m: Matrix, role: str) -> None:
    """A crafted task button for street A's case changes nothing: the workflow refuses what the desk would not
    show (the case is in handling, so no one may accept it)."""
    ident = {"type": "tasks-action", "case": m.target, "action": "accept", "version": _version(m)}
    for side in SIDES:
        client = _dash(m, role, side)
        callback = next(d for d in client.dependencies if "tasks-chosen.data" in d["output"])
        body = {"output": callback["output"], "outputs": [
                    {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
                    for o in callback["output"].strip(".").split("...")],
                "inputs": [[{"id": ident, "property": "n_clicks", "value": 1}]], "state": [],
                "changedPropIds": [json.dumps(ident, separators=(",", ":"), sort_keys=True) + ".n_clicks"]}
        before = _version(m)
        response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
        assert response.status_code in (200, 204) and _version(m) == before


def _desk_send(m: Matrix, role: str) -> None:
    """The desk's form for street A's case changes nothing it may not (a return of a case in handling)."""
    for side in SIDES:
        before = _version(m)
        _answer(_call(_dash(m, role, side), "tasks-form-error.children", {"tasks-form-send.n_clicks": 1},
                      {"tasks-chosen.data": {"case": m.target, "action": "return", "version": before},
                       "tasks-note.value": "x", "tasks-hours.value": None, "tasks-photos.data": []}))
        assert _version(m) == before


def _queue_rows(m: Matrix, role: str) -> None:
    """The queue's blocks hold the user's own street's cases only; roles that do not dispatch get nothing."""
    for side in SIDES:
        response = _call(_dash(m, role, side), "dispatch-queue.getRowsResponse",
                         {"dispatch-queue.getRowsRequest": {"startRow": 0, "endRow": 100}},
                         {"dispatch-tab.value": "all", "dispatch-search.value": None})
        if not may(role, "dispatch"):
            assert _answer(response) == {}
            continue
        shown = [int(row["id"]) for row in _answer(response)["dispatch-queue"]["getRowsResponse"]["rowData"]]
        with m.db() as session:
            assert shown and set(session.scalars(select(Case.district_id).where(Case.id.in_(shown)))) == \
                {m.street(side).id}


def _tab_counts(m: Matrix, role: str) -> None:
    """The tabs count the user's own street only."""
    for side in SIDES:
        response = _call(_dash(m, role, side), "dispatch-tab.data", {"dispatch-poke.data": 1},
                         {"dispatch-search.value": None})
        if not may(role, "dispatch"):
            assert _answer(response) == {}
            continue
        tabs = _answer(response)["dispatch-tab"]["data"]
        everything = next(tab["label"] for tab in tabs if tab["value"] == "all")
        assert everything.endswith(f" {_count(m, Case.district_id == m.street(side).id)}")


def _filter_options(m: Matrix, role: str) -> None:
    """The filter bar's grid tree holds the user's own street's grids only."""
    for side in SIDES:
        answer = _answer(_call(_dash(m, role, side), "dispatch-grid-tree.data", {"dispatch.id": "dispatch"}))
        if not may(role, "dispatch"):
            assert answer == {}
            continue
        listed = {int(option["value"]) for option in answer["dispatch-grid-tree"]["data"]}
        assert listed and listed <= m.street(side).grids, (role, side)


def _unit_grids(m: Matrix, role: str) -> None:
    """Unit grids found by the grid picker: street A's are found inside only."""
    with m.db() as session:
        community = session.get(Grid, session.get(Grid, m.a.unit).parent_id).name
    for side in SIDES:
        answer = _answer(_call(_dash(m, role, side), "dispatch-grid-found.data",
                               {"dispatch-grid.searchValue": community}))
        if not may(role, "dispatch"):
            assert answer == {}
            continue
        found = {int(option["value"]) for option in answer["dispatch-grid-found"]["data"]}
        assert (m.a.unit in found) == (side == "in") and found <= m.street(side).grids, (role, side)


# The dispatcher console's case panel (callbacks/case_panel.py).

def _case_draw(m: Matrix, role: str) -> None:
    """Street A's case is drawn inside; outside the panel says it is not there and keeps nothing of it."""
    for side in SIDES:
        answer = _answer(_call(_dash(m, role, side), "case-body.children", {"dispatch-current.data": m.target}))
        shown = answer["case-shown"]["data"]
        assert (shown is not None and shown["id"] == m.target) == (side == "in")
        assert (m.target_number in _texts(answer)) == (side == "in")


def _case_act(m: Matrix, role: str) -> None:
    """A crafted action on street A's case from outside changes nothing (inside, dispatch is refused: it is in
    handling)."""
    before = _version(m)
    for side in SIDES:
        crafted = {"id": m.target, "version": before, "top": None, "duplicate": None}
        response = _call(_dash(m, role, side), "case-result.children", {"case-dispatch-top.n_clicks": 1},
                         {"case-shown.data": crafted, "case-refresh.data": 0})
        assert "case-ok" not in response.get_data(as_text=True)
    assert _version(m) == before


def _case_batch(m: Matrix, role: str) -> None:
    """Registering street A's handled case from either side does nothing; the bar counts only what it is sent."""
    before = _version(m)
    for side in SIDES:
        bar = _answer(_call(_dash(m, role, side), "case-batch.hidden", {"dispatch-selection.data": [m.target]}))
        assert bar["case-batch"]["hidden"] is False
        response = _call(_dash(m, role, side), "case-batch-result.children", {"case-batch-register.n_clicks": 1},
                         {"dispatch-selection.data": [m.target], "case-refresh.data": 0})
        assert "case-ok" not in response.get_data(as_text=True)
    assert _version(m) == before


CALLBACKS: dict[str, Callable] = {
    "show": _desk,
    "choose": _desk_button,
    "send": _desk_send,
    "highlight": _highlight,
    "switch_language": _switch_language,
    "retry": _retry,
    "follow_address": _no_data("wall-grid.data", {"wall-location.search": "?grid=1"}, {"wall-grid.data": None}),
    "select_grid": _no_data("wall-location.search", {"wall-grids.n_clicks": 1},
                            {"wall-grids.clickData": {"properties": {"id": 1}}}),
    "navigate": _navigate,
    "refresh": _refresh,
    "yesterday": _yesterday,
    "open_desk": _open_desk,
    "pick": _pick,
    "submit": _submit,
    "update": _pages,  # dash's own page router (dash/_pages.py)
    "rows": _queue_rows,
    "counts": _tab_counts,
    "filter_options": _filter_options,
    "unit_grids": _unit_grids,
    "draw": _case_draw,
    "act_on_case": _case_act,
    "show_batch": _case_batch,
    "act_on_selection": _case_batch,
}


def _callback_names(m: Matrix) -> dict[str, str]:
    """Each server-side callback's function name, by its output."""
    _dash(m, "admin", "in").get("/_dash-layout")  # Dash adds its page router on the first request
    return {output: getattr(spec["callback"], "__wrapped__", spec["callback"]).__name__
            for output, spec in m.centre.dash.callback_map.items() if "callback" in spec}


def test_every_dash_callback_is_classified(matrix):
    names = _callback_names(matrix)
    unclassified = {output: name for output, name in names.items() if name not in CALLBACKS}
    assert not unclassified, f"not in the permission matrix (CALLBACKS): {unclassified}"
    assert set(CALLBACKS) <= set(names.values()), f"no such callback: {set(CALLBACKS) - set(names.values())}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", CALLBACKS)
def test_dash_callback(matrix, name, role):
    CALLBACKS[name](matrix, role)


# -- pages -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("screen", SCREENS, ids=lambda screen: screen.name)
def test_page_answers_only_roles_with_its_capability(matrix, screen, role):
    _page(matrix, screen, role)


# -- no user at all ------------------------------------------------------------------------------------------------

def _anonymous(m: Matrix):
    client = m.centre.server.test_client()
    client.environ_base.update(HTTP_ORIGIN=ORIGIN)
    return client


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda ep: ep.operation_id)
def test_an_anonymous_request_gets_401_from_every_rest_operation(matrix, ep):
    path = "/api/v1" + ep.path.format(case_id=matrix.target, attachment_id=matrix.attachment, warning_id=1)
    answer = _anonymous(matrix).open(path, method=ep.method, data="{}", content_type="application/json")
    assert answer.status_code == 401 and answer.json["code"] == "unauthenticated", answer.text


def test_an_anonymous_request_gets_401_from_every_dash_callback_and_no_socket(matrix):
    client, names = _anonymous(matrix), _callback_names(matrix)
    for output in names:
        answer = client.post("/_dash-update-component", data=json.dumps({"output": output, "inputs": []}),
                             content_type="application/json")
        assert answer.status_code == 401, output
    socket = SocketIOTestClient(matrix.centre.server, matrix.centre.socketio, headers={"Origin": ORIGIN})
    assert not socket.is_connected()


def test_public_open311_never_shows_a_staff_note(matrix):
    case_id = _case_in(matrix, matrix.a, "collected")
    _perform(_admin(matrix), case_id, "cancel", note="the caller 13800000000 is a known crank")
    with matrix.db() as session:
        number = session.get(Case, case_id).number
    answer = _anonymous(matrix).get(f"/open311/v2/requests/{number}.json")
    assert answer.status_code == 200 and "13800000000" not in answer.get_data(as_text=True)
