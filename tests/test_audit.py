"""The audit log: every workflow action and upload recorded with who, when, from where and what, in the change's
own transaction; read and exported by administrators only; never changed, not even by SQL on PostgreSQL."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from backend.accounts import audit
from backend.api import audit as audit_api
from backend.models import AuditEntry
from tests.conftest import NOW
from tests.test_api import client, uploads, world  # noqa: F401  (fixtures)
from tests.test_api_handheld import png, upload


def entries(sessions, **where) -> list[AuditEntry]:
    with sessions() as session:
        return session.scalars(select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)).all()


def test_a_workflow_action_is_recorded_with_who_when_where_and_what(client, world, city_sessions):
    dispatcher = client("dispatcher")
    case = dispatcher.report(world.unit_point)
    before = datetime.now(timezone.utc)
    assert dispatcher.act(case["id"], "register", urgency="high").status_code == 200
    [entry] = entries(city_sessions, action="case.register")
    assert entry.actor_name == "dispatcher" and entry.actor_user_id is not None
    assert entry.address == "127.0.0.1" and entry.target == f"case:{case['id']}"
    assert before - timedelta(seconds=1) <= entry.at <= datetime.now(timezone.utc)
    assert '"from_state": "collected"' in entry.detail and '"to_state": "registered"' in entry.detail
    assert '"urgency": "high"' in entry.detail and case["number"] in entry.detail


@pytest.mark.parametrize("refusal", ["forbidden", "not_allowed", "conflict", "invalid"])
def test_a_refused_action_writes_no_audit_entry(client, world, city_sessions, refusal):
    dispatcher, worker = client("dispatcher"), client("gridworker")
    case_id = worker.report(world.unit_point)["id"]
    response = {"forbidden": lambda: worker.act(case_id, "register"),
                "not_allowed": lambda: dispatcher.act(case_id, "close"),
                "conflict": lambda: dispatcher.act(case_id, "register", version=99),
                "invalid": lambda: dispatcher.act(case_id, "cancel")}[refusal]()
    assert response.status_code in (403, 409, 422) and response.json()["code"] == refusal
    assert dispatcher.act(case_id, "register").status_code == 200  # the same path, not refused, writes one
    assert [entry.action for entry in entries(city_sessions) if entry.action.startswith("case.")] == ["case.register"]


def test_an_upload_is_recorded(client, uploads, city_sessions):
    photo = upload(client("gridworker"), png(2, 2)).json()
    [entry] = entries(city_sessions, action="attachment.upload")
    assert entry.target == f"attachment:{photo['id']}" and entry.actor_name == "gridworker"
    assert entry.address == "127.0.0.1" and f'"size": {photo["size"]}' in entry.detail


def _log(sessions, *rows: tuple[datetime, str, str, str | None]) -> None:
    with sessions() as session:
        for at, action, name, target in rows:
            audit.record(session, at=at, action=action, actor_name=name, address="10.0.0.9", target=target)
        session.commit()


@pytest.fixture
def logged(city_sessions):
    """Five entries an hour apart, oldest first (the fourth is a failed sign-in typed by anyone)."""
    _log(city_sessions,
         (NOW, "sign_in", "dispatcher", "user:dispatcher"),
         (NOW + timedelta(hours=1), "case.register", "dispatcher", "case:7"),
         (NOW + timedelta(hours=2), "case.dispatch", "dispatcher", "case:7"),
         (NOW + timedelta(hours=3), "sign_in_failed", "=HYPERLINK(\"http://evil\")", None),
         (NOW + timedelta(hours=4), "case.close", "duty", "case:8"))


def test_administrators_read_the_log_newest_first_filtered_and_paged(client, logged):
    admin = client("admin")
    page = admin.get("/audit").json()
    assert page["total"] == 5 and [e["action"] for e in page["items"]] == [
        "case.close", "sign_in_failed", "case.dispatch", "case.register", "sign_in"]
    assert page["items"][-1]["address"] == "10.0.0.9" and page["items"][-1]["target"] == "user:dispatcher"
    assert [e["action"] for e in admin.get("/audit", action="case.*").json()["items"]] == [
        "case.close", "case.dispatch", "case.register"]
    assert [e["at"] for e in admin.get("/audit", target="case:7").json()["items"]] == [
        "2026-11-26T08:00:00Z", "2026-11-26T07:00:00Z"]
    window = admin.get("/audit", since="2026-11-26T07:00:00Z", until="2026-11-26T09:00:00Z").json()
    assert [e["action"] for e in window["items"]] == ["case.dispatch", "case.register"]
    assert admin.get("/audit", actor="duty").json()["total"] == 1
    second = admin.get("/audit", limit=2, offset=2).json()
    assert second["total"] == 5 and [e["action"] for e in second["items"]] == ["case.dispatch", "case.register"]


def test_the_actor_filter_is_by_username_for_accounts(client, world, logged):
    dispatcher, admin = client("dispatcher"), client("admin")
    dispatcher.act(dispatcher.report(world.unit_point)["id"], "register")
    [entry] = admin.get("/audit", actor="dispatcher", action="case.register",
                        since="2026-12-01T00:00:00Z").json()["items"]
    assert entry["actor_username"] == "dispatcher" and entry["actor_user_id"] is not None
    assert entry["detail"]["to_state"] == "registered"


@pytest.mark.parametrize("username", ["dispatcher", "leader", "gridworker", "street1"])
def test_nobody_but_an_administrator_reads_or_exports_the_log(client, logged, username):
    who = client(username)
    for path in ("/audit", "/audit.csv"):
        response = who.get(path)
        assert response.status_code == 403 and response.json()["code"] == "forbidden", path


def test_a_bad_filter_answers_422_naming_it(client):
    response = client("admin").get("/audit", since="yesterday")
    assert response.status_code == 422 and response.json()["message"].startswith("since:")


def test_the_export_streams_every_entry_as_csv_safe_for_spreadsheets(client, logged, city_sessions, monkeypatch):
    monkeypatch.setattr(audit_api, "EXPORT_BATCH", 2)  # six entries: three reads, each after the last
    response = client("admin").get("/audit.csv", since="2026-11-26T00:00:00Z")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=audit-")
    assert response.headers.get("Transfer-Encoding") == "chunked"  # streamed, not built whole
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    # The export itself comes first: it was recorded as it began.
    assert [row["action"] for row in rows] == ["audit.export", "case.close", "sign_in_failed", "case.dispatch",
                                               "case.register", "sign_in"]
    assert rows[0]["actor_username"] == "admin" and '"since": "2026-11-26T00:00:00Z"' in rows[0]["detail"]
    assert rows[2]["actor_name"] == "'=HYPERLINK(\"http://evil\")"  # never a formula
    assert rows[1]["at"] == "2026-11-26T10:00:00Z" and rows[1]["address"] == "10.0.0.9"


def test_entries_of_the_same_instant_are_each_exported_once(client, city_sessions, monkeypatch):
    monkeypatch.setattr(audit_api, "EXPORT_BATCH", 2)
    _log(city_sessions, *[(NOW, "sign_in", name, None) for name in ("a", "b", "c", "d", "e")])
    response = client("admin").get("/audit.csv", until="2026-11-27T00:00:00Z")
    names = [row["actor_name"] for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))]
    assert names == ["e", "d", "c", "b", "a"]


def test_there_is_no_way_to_change_or_delete_an_entry_through_the_api(client, logged):
    admin = client("admin")
    entry = admin.get("/audit").json()["items"][0]
    for method in ("PUT", "PATCH", "DELETE"):
        for path in ("/audit", f"/audit/{entry['id']}"):
            assert admin.http.request(method, f"{admin.base}/api/v1{path}").status_code in (404, 405)
    assert admin.get("/audit").json()["items"][0] == entry


def test_postgresql_refuses_to_update_or_delete_an_entry(pg_city):
    _log(pg_city, (NOW, "sign_in", "dispatcher", "user:dispatcher"))
    for statement in ("UPDATE audit_entry SET actor_name = 'someone else'", "DELETE FROM audit_entry"):
        with pg_city() as session, pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
    [entry] = entries(pg_city)
    assert entry.actor_name == "dispatcher"
