"""The case workflow: every action, for every role, in every state; scope, versions, routing, duplicates."""
from __future__ import annotations

import itertools
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.platform.config import Config
from backend.platform.db import make_engine, session_factory
from backend.models import CASE_STATES, ROLES, Case, CaseEvent, Category, Grid, Person, Report, person_grid
from backend.cases.queries import detail
from backend.cases.routing import propose_assignees
from backend.geo.scope import Scope
from backend.cases.workflow import (SYSTEM, Actor, Conflict, Forbidden, InvalidParams, NotAllowed, NotFound,
                              allowed_actions, perform)
from tests.conftest import NOW

CONFIG = Config()
CENTRE = {"admin", "duty_officer", "dispatcher"}
HANDLER = {"admin", "grid_worker", "department_handler"}
OPEN = {"collected", "registered", "dispatched", "handling", "fed_back"}
# The specification, written out independently of backend.cases.workflow.TRANSITIONS:
# action -> (states it starts from, roles that may perform it, state it leads to or None to stay).
SPEC = {
    "register": ({"collected"}, CENTRE, "registered"),
    "cancel": ({"collected"}, CENTRE, "cancelled"),
    "merge": ({"collected"}, CENTRE, "cancelled"),
    "dispatch": ({"registered"}, CENTRE, "dispatched"),
    "accept": ({"dispatched"}, HANDLER, "handling"),
    "return": ({"dispatched"}, HANDLER, "registered"),
    "feed_back": ({"handling"}, HANDLER, "fed_back"),
    "close": ({"fed_back"}, CENTRE | {"grid_worker"}, "closed"),
    "rework": ({"fed_back"}, CENTRE | {"grid_worker"}, "handling"),
    "escalate": ({"dispatched", "handling"}, CENTRE | {"grid_worker", "department_handler", SYSTEM}, "dispatched"),
    "request_postpone": ({"dispatched", "handling"}, HANDLER, None),
    "approve_postpone": ({"dispatched", "handling"}, CENTRE, None),
    "reject_postpone": ({"dispatched", "handling"}, CENTRE, None),
    "supervise": (OPEN, {"admin", "leader"}, None),
    "mark_card": ({"dispatched", "handling", "fed_back"}, {SYSTEM}, None),
}
PARAMS = {"cancel": {"note": "not in scope"}, "return": {"note": "not ours"}, "feed_back": {"note": "fixed"},
          "rework": {"note": "still broken"}, "request_postpone": {"note": "waiting for parts", "hours": 24},
          "reject_postpone": {"note": "no"}, "supervise": {"note": "report by Friday"}, "mark_card": {"card": "yellow"}}


class World:
    """The small city with a unit grid, its handler, a department and a city-wide scope."""

    def __init__(self, session):
        self.session = session
        self.city = session.scalar(select(Grid).where(Grid.level == 0))
        self.unit = session.scalar(select(Grid).where(Grid.level == 3).order_by(Grid.id))
        community = session.get(Grid, self.unit.parent_id)
        self.chain = (self.city.id, community.parent_id, community.id, self.unit.id)
        self.handler = session.scalar(select(Person.id).join(person_grid).where(person_grid.c.grid_id == self.unit.id))
        self.category = session.scalar(select(Category).where(Category.parent_id.is_not(None),
                                                              Category.handling_level == 3))

    def case(self, state: str = "collected", **fields) -> Case:
        placed = dict(zip(("city_id", "district_id", "community_id", "grid_id"), self.chain))
        values = dict(state=state, channel="web", description="test", category_id=self.category.id, urgency="normal",
                      created_at=NOW, updated_at=NOW, handling_level=3, lon=self.unit.centroid_lon,
                      lat=self.unit.centroid_lat, **placed)
        if state not in ("collected", "registered", "cancelled"):
            values |= dict(assignee_person_id=self.handler, assignee_department_id=self.category.department_id,
                           deadline=NOW + timedelta(hours=8))
        case = Case(**(values | fields))
        self.session.add(case)
        self.session.flush()
        return case

    def actor(self, role: str, scope_grid: Grid | None = None, **fields) -> Actor:
        scope = Scope.of_grid(scope_grid or self.city)
        identity = {"person_id": self.handler} if role in ("grid_worker", "admin") else {}
        if role == "department_handler":
            identity = {"department_id": self.category.department_id}
        return Actor(**({"name": role, "role": role, "scope": scope} | identity | fields))


@pytest.fixture(scope="module")
def module_sessions(small_city_file, tmp_path_factory):
    copy = tmp_path_factory.mktemp("workflow") / "city.sqlite"
    shutil.copy(small_city_file, copy)
    engine = make_engine(f"sqlite:///{copy}")
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def world(module_sessions):
    """Nothing here commits: each test's changes are rolled back."""
    with module_sessions() as session:
        yield World(session)
        session.rollback()


@pytest.mark.parametrize("action, role, state",
                         list(itertools.product(SPEC, [*ROLES, SYSTEM], CASE_STATES)))
def test_every_action_for_every_role_in_every_state(world, action, role, state):
    sources, roles, target = SPEC[action]
    extra = {}
    if action in ("approve_postpone", "reject_postpone"):
        extra["postpone_requested_hours"] = 24.0
    if role == "department_handler" and state in ("dispatched", "handling"):
        extra["assignee_person_id"] = None  # dispatched to the department itself
    case = world.case(state, **extra)
    params = dict(PARAMS.get(action, {}))
    if action == "merge":
        params["into_case_id"] = world.case("registered").id
    actor = world.actor(role)
    if state not in sources:
        with pytest.raises(NotAllowed):
            perform(world.session, actor, case.id, action, params, NOW, CONFIG)
    elif role not in roles:
        with pytest.raises(Forbidden):
            perform(world.session, actor, case.id, action, params, NOW, CONFIG)
    else:
        outcome = perform(world.session, actor, case.id, action, params, NOW, CONFIG)
        assert outcome.case.state == (target or state)
        assert (outcome.event.action, outcome.event.from_state, outcome.event.to_state) == \
            (action, state, target or state)


def test_allowed_actions_agree_with_perform(world):
    for state, role in itertools.product(CASE_STATES, ROLES):
        dispatched_to_department = role == "department_handler" and state in ("dispatched", "handling")
        case = world.case(state, **({"assignee_person_id": None} if dispatched_to_department else {}))
        allowed = set(allowed_actions(case, world.actor(role)))
        expected = {a for a, (sources, roles, _) in SPEC.items()
                    if state in sources and role in roles and a not in ("approve_postpone", "reject_postpone")}
        assert allowed == expected, (state, role)


def test_handler_may_not_act_on_a_case_assigned_to_someone_else(world):
    case = world.case("dispatched")
    stranger = world.actor("grid_worker", person_id=case.assignee_person_id + 1)
    with pytest.raises(Forbidden, match="not assigned to you"):
        perform(world.session, stranger, case.id, "accept", {}, NOW, CONFIG)


def test_case_outside_the_scope_is_not_found(world):
    case = world.case("collected")
    other_district = world.session.scalar(select(Grid).where(Grid.level == 1, Grid.id != world.chain[1]))
    with pytest.raises(NotFound):
        perform(world.session, world.actor("dispatcher", other_district), case.id, "register", {}, NOW, CONFIG)


def test_refused_action_changes_nothing(world):
    case = world.case("collected")
    events = world.session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))
    with pytest.raises(InvalidParams, match="note"):
        perform(world.session, world.actor("dispatcher"), case.id, "cancel", {}, NOW, CONFIG)
    with pytest.raises(NotAllowed, match="allowed: register, cancel, merge"):
        perform(world.session, world.actor("dispatcher"), case.id, "close", {}, NOW, CONFIG)
    world.session.refresh(case)
    assert case.state == "collected" and case.version == 1
    assert world.session.scalar(select(func.count()).select_from(CaseEvent)
                                .where(CaseEvent.case_id == case.id)) == events


def test_stale_version_is_a_conflict_naming_who_and_when(world):
    case = world.case("collected")
    world.session.add(CaseEvent(case_id=case.id, at=NOW, actor_name="张伟", action="collect", to_state="collected"))
    perform(world.session, world.actor("dispatcher", name="李娜"), case.id, "register", {}, NOW, CONFIG,
            expected_version=1)
    with pytest.raises(Conflict, match="李娜") as conflict:
        perform(world.session, world.actor("dispatcher"), case.id, "cancel", {"note": "x"}, NOW, CONFIG,
                expected_version=1)
    assert conflict.value.details["version"] == 2


def test_dispatch_without_a_choice_takes_the_least_loaded_responsible_person(world):
    case = world.case("registered")
    proposals = propose_assignees(world.session, case, Scope.of_grid(world.city))
    assert proposals and [p.open_cases for p in proposals] == sorted(p.open_cases for p in proposals)
    outcome = perform(world.session, world.actor("dispatcher"), case.id, "dispatch", {}, NOW, CONFIG)
    assert outcome.case.assignee_person_id == proposals[0].person_id
    assert outcome.case.deadline == NOW + timedelta(hours=world.category.time_limit_hours)


def test_dispatch_to_a_person_outside_the_scope_is_refused(world):
    case = world.case("registered")
    street = world.session.get(Grid, world.chain[1])
    outsider = world.session.scalar(select(person_grid.c.person_id).join(Grid, Grid.id == person_grid.c.grid_id)
                                    .where(Grid.level == 1, Grid.id != street.id))
    with pytest.raises(InvalidParams, match="person_id"):
        perform(world.session, world.actor("dispatcher", street), case.id, "dispatch", {"person_id": outsider},
                NOW, CONFIG)


def _escalated_to_the_city_and_returned(world) -> tuple[Case, int]:
    """A street's case escalated to the city's responsible person, who returned it: registered at level 0."""
    case = world.case("dispatched", handling_level=1)
    escalated = perform(world.session, world.actor("dispatcher"), case.id, "escalate", {}, NOW, CONFIG)
    city_person = escalated.case.assignee_person_id
    assert escalated.case.handling_level == 0 and city_person is not None
    returner = Actor(name="city", role="grid_worker", scope=Scope.of_grid(world.city), person_id=city_person)
    perform(world.session, returner, case.id, "return", {"note": "a street matter"}, NOW, CONFIG)
    assert (case.state, case.handling_level) == ("registered", 0)
    return case, city_person


def test_after_escalate_and_return_a_street_is_proposed_and_assigned_no_one_from_the_city(world):
    case, city_person = _escalated_to_the_city_and_returned(world)
    street = world.actor("dispatcher", world.session.get(Grid, world.chain[1]))
    assert detail(world.session, street, case.id).proposals == []
    assert city_person in {p.person_id for p in detail(world.session, world.actor("dispatcher"), case.id).proposals}
    for params in ({}, {"person_id": city_person}):
        with pytest.raises(InvalidParams, match="person_id"):
            perform(world.session, street, case.id, "dispatch", params, NOW, CONFIG)
    assert case.state == "registered" and case.assignee_person_id is None


def test_escalation_goes_to_the_parent_grid_above_the_actors_own_scope(world):
    case = world.case("handling")
    outcome = perform(world.session, world.actor("grid_worker", world.unit), case.id, "escalate", {}, NOW, CONFIG)
    community_people = {p.person_id for p in propose_assignees(world.session, case, None, 2)}
    assert outcome.case.handling_level == 2 and outcome.case.escalations == 1
    assert outcome.case.assignee_person_id in community_people and outcome.case.state == "dispatched"


def test_postponement_moves_the_deadline_once_approved(world):
    case = world.case("handling")
    deadline = case.deadline
    perform(world.session, world.actor("grid_worker"), case.id, "request_postpone",
            {"note": "parts", "hours": 24}, NOW, CONFIG)
    assert case.deadline == deadline
    perform(world.session, world.actor("dispatcher"), case.id, "approve_postpone", {}, NOW, CONFIG)
    assert case.deadline == deadline + timedelta(hours=24) and case.postpone_requested_hours is None
    events = world.session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case.id)).all()
    assert events[-2:] == ["request_postpone", "approve_postpone"]


def test_merging_a_duplicate_moves_its_reporters_to_the_surviving_case(world):
    survivor = world.case("registered")
    duplicate = world.case("collected")
    world.session.add(Report(channel="sms", received_at=NOW, description="dup", case_id=duplicate.id,
                             city_id=world.city.id))
    perform(world.session, world.actor("dispatcher"), duplicate.id, "merge", {"into_case_id": survivor.id},
            NOW, CONFIG)
    assert duplicate.state == "cancelled" and duplicate.merged_into_id == survivor.id
    assert world.session.scalar(select(Report.case_id).where(Report.description == "dup")) == survivor.id
