"""The handlers' desk: whose tasks it lists and in which order, and each action taken through its callbacks as
the browser sends them (the demo's `gridworker`, bound to the first person of a unit grid of street 1)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import shapely
from sqlalchemy import select

from backend.cases.actions import act
from backend.cases.intake import ReportIn, submit_report
from backend.cases.tasks import my_tasks
from backend.cases.workflow import Actor, Conflict
from backend.geo.locator import GridLocator
from backend.geo.scope import Scope
from backend.models import Case, CaseEvent, Category, Grid, Person, User
from backend.platform.config import Config
from tests.conftest import NOW
from tests.test_screens import ZH, call, centre, signed_in  # noqa: F401 (centre: a fixture)

CONFIG = Config()


def desk_actor(session, username: str = "gridworker") -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    return Actor(name=user.display_name, role=user.role, scope=Scope.of_user(session, user), user_id=user.id,
                 person_id=user.person_id)


def centre_actor(session) -> Actor:
    user = session.scalar(select(User).where(User.username == "dispatcher"))
    return Actor(name=user.display_name, role=user.role, scope=Scope.of_user(session, user), user_id=user.id)


def dispatched(sessions, person_id: int, at=NOW, description: str = "井盖缺失") -> int:
    """A new case in the grid worker's unit grid, registered and dispatched to `person_id` at `at`."""
    with sessions() as session:
        worker = session.scalar(select(User).where(User.username == "gridworker"))
        unit = session.get(Grid, worker.grid_id)
        point = shapely.from_geojson(unit.geometry).point_on_surface()
        category = session.scalar(select(Category).where(Category.parent_id.is_not(None)).order_by(Category.id))
        case = submit_report(session, ReportIn(channel="hotline", description=description,
                                               category_code=category.code, lon=point.x, lat=point.y),
                             GridLocator.from_session(session), at, CONFIG)
        session.commit()
        dispatcher = centre_actor(session)
    act(sessions, dispatcher, case.id, "register", {}, at, CONFIG)
    act(sessions, dispatcher, case.id, "dispatch", {"person_id": person_id}, at, CONFIG)
    return case.id


@pytest.fixture
def worker(city_sessions):
    with city_sessions() as session:
        return desk_actor(session)


def test_the_desk_lists_my_open_tasks_nearest_deadline_first(city_sessions, worker):
    later = dispatched(city_sessions, worker.person_id, NOW)
    sooner = dispatched(city_sessions, worker.person_id, NOW - timedelta(hours=1))
    with city_sessions() as session:
        someone_else = session.scalar(select(Person.id).where(Person.id != worker.person_id).order_by(Person.id))
    dispatched(city_sessions, someone_else)
    with city_sessions() as session:
        tasks = my_tasks(session, worker, NOW, CONFIG.yellow_share)
    assert [t.case.id for t in tasks] == [sooner, later]
    assert all(t.actions[:1] == ["accept"] and t.light in {"green", "yellow", "red"} for t in tasks)


def test_a_step_light_follows_the_time_limit(city_sessions, worker):
    case_id = dispatched(city_sessions, worker.person_id)
    with city_sessions() as session:
        limit = session.get(Case, case_id).deadline - NOW
        lights = [my_tasks(session, worker, NOW + limit * share, CONFIG.yellow_share)[0].light
                  for share in (0.1, 0.9, 1.1)]
    assert lights == ["green", "yellow", "red"]


def test_a_department_handler_sees_the_departments_unassigned_cases(city_sessions):
    with city_sessions() as session:
        category = session.scalar(select(Category).where(Category.department_id.is_not(None)))
        handler = Actor(name="h", role="department_handler", scope=Scope.of_user(
            session, session.scalar(select(User).where(User.username == "dispatcher"))),
            department_id=category.department_id)
        case = session.scalar(select(Case).where(Case.state == "registered"))
        dispatcher = centre_actor(session)
    act(city_sessions, dispatcher, case.id, "dispatch", {"department_id": category.department_id}, NOW, CONFIG)
    with city_sessions() as session:
        assert case.id in [t.case.id for t in my_tasks(session, handler, NOW, CONFIG.yellow_share)]
        assert my_tasks(session, Actor(name="x", role="grid_worker", scope=handler.scope), NOW, 0.8) == []


# -- through the screen's callbacks ------------------------------------------------------------------


def button(case_id: int, action: str, version: int) -> dict:
    return {"type": "tasks-action", "case": case_id, "action": action, "version": version}


def press(client, case_id: int, action: str, version: int):
    """A click on a task's button, as Dash sends a pattern-matched input."""
    callback = next(d for d in client.dependencies if "tasks-chosen.data" in d["output"])
    ident = button(case_id, action, version)
    body = {"output": callback["output"], "outputs": [{"id": o.split(".")[0], "property": o.split(".")[1]}
                                                     for o in callback["output"].strip(".").split("...")],
            "inputs": [[{"id": ident, "property": "n_clicks", "value": 1}]], "state": [],
            "changedPropIds": [json.dumps(ident, separators=(",", ":"), sort_keys=True) + ".n_clicks"]}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def version_of(city_url_sessions, case_id: int) -> tuple[str, int]:
    with city_url_sessions() as session:
        case = session.get(Case, case_id)
        return case.state, case.version


def test_accept_then_feed_back_through_the_desk(centre, city_sessions, worker):  # noqa: F811
    case_id = dispatched(city_sessions, worker.person_id)
    client = signed_in(centre, "gridworker")
    listed = call(client, "tasks-list.children", {"tasks-poke.data": None})
    assert listed.status_code == 200 and f"task-{case_id}" in listed.get_data(as_text=True)
    state, version = version_of(city_sessions, case_id)
    answer = press(client, case_id, "accept", version)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert version_of(city_sessions, case_id)[0] == "handling"
    _state, version = version_of(city_sessions, case_id)
    opened = press(client, case_id, "feed_back", version).get_json()["response"]
    assert opened["tasks-form"]["opened"] is True and opened["tasks-photos-field"]["hidden"] is False
    chosen = {"case": case_id, "action": "feed_back", "version": version}
    sent = call(client, "tasks-form-error.children", {"tasks-form-send.n_clicks": 1},
                {"tasks-chosen.data": chosen, "tasks-note.value": "已修复", "tasks-hours.value": 24,
                 "tasks-photos.data": []})
    assert sent.status_code == 200, sent.get_data(as_text=True)
    with city_sessions() as session:
        assert session.get(Case, case_id).state == "fed_back"
        last = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id.desc()))
        assert (last.action, last.note, last.actor_name) == ("feed_back", "已修复", "gridworker")


def test_a_refused_action_says_why_and_changes_nothing(centre, city_sessions, worker):  # noqa: F811
    case_id = dispatched(city_sessions, worker.person_id)
    client = signed_in(centre, "gridworker")
    state, version = version_of(city_sessions, case_id)
    chosen = {"case": case_id, "action": "return", "version": version}
    sent = call(client, "tasks-form-error.children", {"tasks-form-send.n_clicks": 1},
                {"tasks-chosen.data": chosen, "tasks-note.value": "  ", "tasks-hours.value": None,
                 "tasks-photos.data": []}).get_json()["response"]
    assert sent["tasks-form-error"]["children"].startswith(ZH("Not done: {reason}").split("{")[0])
    assert version_of(city_sessions, case_id) == (state, version)


def test_a_colleague_who_acted_first_is_named(centre, city_sessions, worker):  # noqa: F811
    case_id = dispatched(city_sessions, worker.person_id)
    client = signed_in(centre, "gridworker")
    _state, version = version_of(city_sessions, case_id)
    act(city_sessions, worker, case_id, "accept", {}, NOW, CONFIG)  # on the phone, a moment before
    answer = press(client, case_id, "accept", version).get_json()["response"]
    assert "gridworker" in answer["tasks-message"]["children"]
    assert version_of(city_sessions, case_id) == ("handling", version + 1)
    with pytest.raises(Conflict):
        act(city_sessions, worker, case_id, "feed_back", {"note": "x"}, NOW, CONFIG, version=version)


def test_crafted_buttons_reach_no_one_elses_case(centre, city_sessions, worker):  # noqa: F811
    with city_sessions() as session:
        someone_else = session.scalar(select(Person.id).where(Person.id != worker.person_id).order_by(Person.id))
        street_2 = session.scalar(select(Case).where(Case.state == "dispatched",
                                                     Case.assignee_person_id != worker.person_id))
    mine_but_not_assigned = dispatched(city_sessions, someone_else)
    client = signed_in(centre, "gridworker")
    for case_id in (mine_but_not_assigned, street_2.id):
        state, version = version_of(city_sessions, case_id)
        answer = press(client, case_id, "accept", version)
        assert answer.status_code == 200 and version_of(city_sessions, case_id) == (state, version)
    assert press(client, 1, "cancel", 1).status_code == 400  # not a desk action
    assert press(client, "1", "accept", 1).status_code == 400


def test_only_handlers_are_offered_the_desk(centre):  # noqa: F811
    from tests.test_screens import navigation
    assert "/tasks" in navigation(signed_in(centre, "gridworker"))
    assert "/tasks" not in navigation(signed_in(centre, "dispatcher"))
