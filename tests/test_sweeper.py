"""Time limits with a controlled clock: yellow at 80%, red when overdue, escalation after the grace period."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.platform.config import Config
from backend.models import Case, CaseEvent, Grid, person_grid
from backend.cases.sweeper import sweep
from backend.cases.workflow import perform
from tests.conftest import NOW
from tests.test_workflow import World

CONFIG = Config(yellow_share=0.8, escalation_grace_hours=2)


@pytest.fixture
def world(city_sessions):
    with city_sessions() as session:
        yield World(session)


def dispatched_case(world: World) -> Case:
    """A case dispatched at NOW with the category's limit."""
    case = world.case("registered")
    perform(world.session, world.actor("dispatcher"), case.id, "dispatch", {"person_id": world.handler}, NOW, CONFIG)
    return case


def actions(world: World, case: Case) -> list[str]:
    return world.session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case.id)
                                 .order_by(CaseEvent.id)).all()


def test_cards_follow_the_clock(world):
    case = dispatched_case(world)
    limit = timedelta(hours=world.category.time_limit_hours)
    sweep(world.session, NOW + limit * 0.5, CONFIG)
    assert case.card == "none" and actions(world, case).count("mark_card") == 0
    sweep(world.session, NOW + limit * 0.85, CONFIG)
    assert case.card == "yellow" and actions(world, case).count("mark_card") == 1
    sweep(world.session, NOW + limit * 0.9, CONFIG)
    assert actions(world, case).count("mark_card") == 1  # nothing new: nothing done
    sweep(world.session, NOW + limit + timedelta(minutes=1), CONFIG)
    assert case.card == "red" and actions(world, case).count("mark_card") == 2


def test_overdue_case_is_escalated_once_per_grace_period(world):
    case = dispatched_case(world)
    deadline = case.deadline
    sweep(world.session, deadline + timedelta(hours=1), CONFIG)
    assert actions(world, case).count("escalate") == 0
    sweep(world.session, deadline + timedelta(hours=2, minutes=1), CONFIG)
    assert actions(world, case).count("escalate") == 1
    assert (case.handling_level, case.escalations, case.state) == (2, 1, "dispatched")
    community = world.session.get(Grid, world.chain[2])
    served = world.session.scalars(select(person_grid.c.grid_id)
                                   .where(person_grid.c.person_id == case.assignee_person_id)).all()
    assert community.id in served
    sweep(world.session, deadline + timedelta(hours=3), CONFIG)
    assert actions(world, case).count("escalate") == 1
    sweep(world.session, deadline + timedelta(hours=4, minutes=2), CONFIG)
    assert actions(world, case).count("escalate") == 2 and case.handling_level == 1


def test_approved_postponement_moves_the_card_back(world):
    case = dispatched_case(world)
    limit = timedelta(hours=world.category.time_limit_hours)
    sweep(world.session, NOW + limit * 0.9, CONFIG)
    assert case.card == "yellow"
    perform(world.session, world.actor("grid_worker"), case.id, "request_postpone",
            {"note": "waiting for parts", "hours": 48}, NOW + limit * 0.9, CONFIG)
    perform(world.session, world.actor("dispatcher"), case.id, "approve_postpone", {}, NOW + limit * 0.9, CONFIG)
    assert case.card == "none" and case.deadline == NOW + limit + timedelta(hours=48)
    sweep(world.session, NOW + limit + timedelta(hours=1), CONFIG)
    assert case.card == "none" and actions(world, case).count("mark_card") == 1


def test_closed_cases_are_left_alone(world):
    case = world.case("closed", deadline=NOW, closed_at=NOW)
    sweep(world.session, NOW + timedelta(days=3), CONFIG)
    assert case.card == "none" and actions(world, case) == []
