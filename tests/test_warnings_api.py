"""The warnings REST API: preview, create, the workflow's actions, history, scope (404 outside), errors as JSON."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from backend.accounts.tokens import issue_token
from backend.models import Grid, User
from backend.platform.config import Config
from tests.conftest import NOW

ORIGIN = "http://localhost"


class Api:
    def __init__(self, centre, token: str):
        self.client = centre.server.test_client()
        self.client.environ_base.update(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ORIGIN=ORIGIN)

    def get(self, path: str, **query):
        return self.client.get(f"/api/v1{path}", query_string=query)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(f"/api/v1{path}", json=body if body is not None else {})

    def act(self, warning_id: int, action: str, version: int | None = None, **params):
        return self.post(f"/warnings/{warning_id}/actions/{action}",
                         {"params": params} | ({"version": version} if version else {}))


class World:
    def __init__(self, centre):
        self.centre = centre
        with centre.sessions() as session:
            users = {u.username: u for u in session.scalars(select(User))}
            self.street = session.get(Grid, users["street1"].grid_id)
            self.other_street = session.get(Grid, users["street2"].grid_id)
            self.unit = session.scalar(select(Grid).where(Grid.level == 3, Grid.code.startswith(self.street.code + "-"))
                                       .order_by(Grid.code))
            self.other_unit = session.scalar(select(Grid).where(Grid.level == 3,
                                                                Grid.code.startswith(self.other_street.code + "-")))
            self.city = session.scalar(select(Grid).where(Grid.level == 0))
            self.tokens = {name: issue_token(session, name, "pytest", NOW) for name in users}
            session.commit()

    def api(self, username: str) -> Api:
        return Api(self.centre, self.tokens[username])

    def draft(self, level: str = "blue", targets=None, **fields) -> dict:
        now = datetime.now(timezone.utc)
        return {"level": level, "type": "flood", "headline": "Flood", "message": "河水上涨，请远离河道",
                "starts_at": now.isoformat(), "ends_at": (now + timedelta(hours=6)).isoformat(),
                "targets": targets or [{"grid_id": self.street.id}]} | fields


@pytest.fixture(scope="module")
def world(small_city_file, tmp_path_factory):
    from dashboard.app import create_app

    workdir = tmp_path_factory.mktemp("warnings_api")
    shutil.copy(small_city_file, workdir / "city.sqlite")
    centre = create_app(Config(database_url=f"sqlite:///{workdir / 'city.sqlite'}", demo=True, simulator=False,
                               secret_key="test-secret", redis_url=None, token_recheck_seconds=0))
    yield World(centre)
    centre.engine.dispose()


def test_the_preview_shows_who_is_notified_per_grid_and_the_exact_sms(world):
    answer = world.api("warning").post("/warnings/preview", world.draft(
        targets=[{"grid_id": world.street.id}, {"grid_id": world.unit.id, "subtree": False}]))
    assert answer.status_code == 200, answer.text
    preview = answer.json
    assert [g["grid"]["id"] for g in preview["per_grid"]] == [world.street.id, world.unit.id]
    assert preview["total"] == len(preview["persons"]) == preview["per_grid"][0]["count"] > 0
    sms = preview["sms"]
    assert "洪水" in sms["text"] and sms["encoding"] == "UCS-2" and sms["characters"] == len(sms["text"])
    assert sms["parts"] == (1 if sms["characters"] <= 70 else -(-sms["characters"] // 67))


def test_a_blue_warning_created_with_send_goes_out_and_says_whom_it_notified(world):
    created = world.api("warning").post("/warnings", {"params": world.draft(), "send": True})
    assert created.status_code == 201, created.text
    assert created.json["warning"]["status"] == "issued" and created.json["notified"]
    history = world.api("warning").get(f"/warnings/{created.json['warning']['id']}/history").json["items"]
    assert [(h["action"], h["actor_name"], h["msg_type"]) for h in history] == [
        ("create", "warning", None), ("issue", "warning", "Alert")]
    assert history[1]["before"]["status"] == "draft" and history[1]["after"]["status"] == "issued"


def test_an_orange_warning_waits_for_the_leader_who_approves_it(world):
    officer, leader = world.api("warning"), world.api("leader")
    warning = officer.post("/warnings", {"params": world.draft("orange"), "send": True}).json["warning"]
    assert warning["status"] == "submitted" and "approve" not in warning["allowed_actions"]
    assert leader.get(f"/warnings/{warning['id']}").json["allowed_actions"] == ["approve", "reject"]
    refused = leader.act(warning["id"], "reject")
    assert refused.status_code == 422 and refused.json["code"] == "invalid"
    assert leader.act(warning["id"], "approve").json["warning"]["status"] == "approved"
    issued = officer.act(warning["id"], "issue")
    assert issued.status_code == 200 and issued.json["warning"]["status"] == "issued"


def test_bad_input_is_a_clear_4xx_never_a_500(world):
    officer = world.api("warning")
    cases = [
        (world.draft(level="purple"), 422, "level"),
        (world.draft(ends_at="2020-01-01T00:00:00Z"), 422, "end"),
        (world.draft(targets=[{"grid_id": world.city.id}]), 422, "downwards"),
        (world.draft(sms_template="{level} {nope}"), 422, "unknown placeholder"),
        (world.draft(targets=[{"grid_id": 2**31 - 1}]), 422, "not in your scope"),
        (world.draft(ends_at="9999-12-31T23:59:59Z", end_reason="x"), 422, "at most 366 days"),
        (world.draft(starts_at="9999-12-30T00:00:00Z", ends_at="9999-12-31T00:00:00Z"), 422, "within 30 days"),
        (world.draft(sms_template="{level:>999999999}"), 422, "plain"),
        (world.draft() | {"targets": []}, 422, "targets"),
    ]
    for body, status, words in cases:
        for path, sent in (("/warnings", {"params": body}), ("/warnings/preview", body)):
            answer = officer.post(path, sent)
            assert answer.status_code == status and words in answer.json["message"], (path, answer.text)
    assert officer.post("/warnings/1/actions/nothing").status_code == 404


def test_a_stale_version_is_409_naming_who_changed_it(world):
    officer = world.api("warning")
    warning = officer.post("/warnings", {"params": world.draft(), "send": True}).json["warning"]
    assert officer.act(warning["id"], "raise", version=warning["version"], level="yellow").status_code == 200
    stale = officer.act(warning["id"], "lift", version=warning["version"])
    assert stale.status_code == 409 and stale.json["code"] == "conflict" and stale.json["action"] == "raise"


def test_a_street_sees_only_its_warnings_and_404_for_others(world):
    city = world.api("warning")
    mine = city.post("/warnings", {"params": world.draft(targets=[{"grid_id": world.unit.id}]),
                                   "send": True}).json["warning"]
    theirs = city.post("/warnings", {"params": world.draft(targets=[{"grid_id": world.other_unit.id}]),
                                     "send": True}).json["warning"]
    draft = city.post("/warnings", {"params": world.draft(targets=[{"grid_id": world.unit.id}])}).json["warning"]
    street = world.api("street1")
    listed = {w["id"] for w in street.get("/warnings", limit=500).json["items"]}
    assert mine["id"] in listed and theirs["id"] not in listed and draft["id"] not in listed
    assert street.get(f"/warnings/{mine['id']}").json["allowed_actions"] == []
    for path in (f"/warnings/{theirs['id']}", f"/warnings/{theirs['id']}/history", f"/warnings/{theirs['id']}.cap.xml"):
        assert street.get(path).status_code == 404, path
    assert street.act(theirs["id"], "lift").status_code == 404


def test_only_warning_officers_and_admins_create_warnings(world):
    answer = world.api("street1").post("/warnings", {"params": world.draft()})
    assert answer.status_code == 403 and answer.json["code"] == "forbidden"


def test_the_document_lists_the_warning_operations(world):
    paths = world.api("warning").get("/openapi.json").json["paths"]
    assert {"/warnings", "/warnings/preview", "/warnings/{warning_id}", "/warnings/{warning_id}.cap.xml",
            "/warnings/{warning_id}/actions/widen"} <= set(paths)
