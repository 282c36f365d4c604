"""The demo's staff at work: cases move through every state as the demo accounts and the assignees act, through
the one action path (history, audit, outbox), and nothing happens when it is off or outside demo mode."""
import shutil
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text, update

from backend.cases.sweeper import sweep
from backend.cases.workflow import Actor
from backend.demo.simulator import Simulator
from backend.demo.staff import ACTIONS_PER_ROUND, STAFF_LOCK, Move, StaffPlayer
from backend.geo.locator import GridLocator
from backend.geo.scope import Scope
from backend.models import AuditEntry, Case, CaseEvent, Grid, OutboxEvent, person_grid
from backend.platform.config import Config, ConfigError
from backend.platform.db import make_engine, session_factory
from tests.conftest import NOW

STAFF_ACTIONS = {"register", "cancel", "dispatch", "accept", "return", "escalate", "request_postpone",
                 "approve_postpone", "reject_postpone", "feed_back", "rework", "close", "supervise"}


def _live_day(sessions, config: Config, hours: int = 30, step_minutes: int = 10):
    """Reports, the staff and the sweeper for `hours` of simulated time; answers the staff's and sweeper's work."""
    with sessions() as session:
        reports = Simulator(sessions, GridLocator.from_session(session), config, seed=2)
    player = StaffPlayer(sessions, config, seed=5)
    taken, swept = Counter(), Counter()
    now = NOW
    for _ in range(hours * 60 // step_minutes):
        now += timedelta(minutes=step_minutes)
        reports.step(now)
        taken += player.play(now)
        with sessions() as session:
            result = sweep(session, now, config)
            session.commit()
        swept.update(cards=result.cards, escalated=result.escalated)
    return taken, swept


def _counts_after(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_staff_move_cases_through_every_state(city_sessions):
    config = Config()
    taken, swept = _live_day(city_sessions, config)
    assert set(taken) == STAFF_ACTIONS  # every path, the rare ones too
    assert swept["cards"] > 0 and swept["escalated"] > 0  # the late ones: yellow and red cards, then escalation
    with city_sessions() as session:
        reached = set(session.scalars(select(CaseEvent.to_state).where(CaseEvent.at > NOW,
                                                                        CaseEvent.action.in_(STAFF_ACTIONS))))
        assert reached == {"registered", "cancelled", "dispatched", "handling", "fed_back", "closed"}
        # Every step is in the case history, the audit log and the outbox (so screens see it).
        staff = (CaseEvent.at > NOW, CaseEvent.action.in_(STAFF_ACTIONS))
        staff_events = _counts_after(session, CaseEvent, *staff, CaseEvent.actor_name != "system")
        assert staff_events == sum(taken.values())
        assert _counts_after(session, AuditEntry, AuditEntry.at > NOW,
                             AuditEntry.action.in_([f"case.{a}" for a in STAFF_ACTIONS])) == staff_events
        # (the sweeper's escalations, by the system, are in the history and the outbox too)
        assert _counts_after(session, OutboxEvent, OutboxEvent.created_at > NOW,
                             OutboxEvent.kind.in_([f"case.{a}" for a in STAFF_ACTIONS])) == \
            _counts_after(session, CaseEvent, *staff)
        # The desk work is done as the demo accounts, the handling as the assigned persons.
        actors = dict(session.execute(select(CaseEvent.action, CaseEvent.actor_name)
                                      .where(CaseEvent.at > NOW, CaseEvent.action.in_(["register", "close"]))).all())
        assert actors == {"register": "dispatcher", "close": "duty"}
        handled = session.execute(select(CaseEvent.actor_name, Case.assignee_person_id)
                                  .join(Case, Case.id == CaseEvent.case_id)
                                  .where(CaseEvent.at > NOW, CaseEvent.action == "feed_back")).all()
        assert handled and all(name not in ("dispatcher", "duty", "system") for name, _ in handled)


def test_the_same_seed_and_clock_play_the_same_day(city_url, tmp_path):
    copy = tmp_path / "again.sqlite"
    shutil.copy(city_url.removeprefix("sqlite:///"), copy)
    results = []
    for url in (city_url, f"sqlite:///{copy}"):
        engine = make_engine(url)
        results.append(_live_day(session_factory(engine), Config(), hours=3))
        engine.dispose()
    assert results[0] == results[1] and sum(results[0][0].values()) > 0


def test_one_process_at_a_time_plays_the_staff(pg_city):
    later = NOW + timedelta(hours=1)
    with pg_city() as other:  # another process's round, holding the lock in its transaction
        other.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STAFF_LOCK})
        assert not StaffPlayer(pg_city, Config(), seed=1).play(later)
    taken = StaffPlayer(pg_city, Config(), seed=1).play(later)  # that round is over: this one plays
    assert sum(taken.values()) > 0
    with pg_city() as session:
        assert _counts_after(session, CaseEvent, CaseEvent.at == later) == sum(taken.values())


def test_a_refused_step_is_skipped(city_sessions):
    player = StaffPlayer(city_sessions, Config(), seed=1)
    with city_sessions() as session:
        closed = session.scalar(select(Case.id).where(Case.state == "closed"))
        city = Scope.of_grid(session.scalar(select(Grid).where(Grid.parent_id.is_(None))))
    move = Move(Actor(name="dispatcher", role="dispatcher", scope=city), "register", {})  # the case moved on
    assert player.take(closed, move, NOW) is False
    with city_sessions() as session:
        assert _counts_after(session, CaseEvent, CaseEvent.case_id == closed, CaseEvent.at >= NOW) == 0


def test_cases_refused_every_round_do_not_stall_the_rest(city_sessions):
    with city_sessions() as session:  # a unit grid nobody serves: its registered cases cannot be dispatched
        unit = session.scalar(select(Grid.id).where(Grid.level == 3).order_by(Grid.id))
        session.execute(delete(person_grid).where(person_grid.c.grid_id == unit))
        stuck = session.scalars(select(Case.id).where(Case.state == "closed").limit(ACTIONS_PER_ROUND + 1)).all()
        session.execute(update(Case).where(Case.id.in_(stuck)).values(
            state="registered", grid_id=unit, handling_level=3, assignee_person_id=None, deadline=None,
            closed_at=None, card="none", updated_at=NOW - timedelta(days=3650)))  # the longest waiting of all
        session.commit()
    taken = StaffPlayer(city_sessions, Config(), seed=1).play(NOW + timedelta(hours=1))
    assert taken.total() == ACTIONS_PER_ROUND  # the others still got their full round
    with city_sessions() as session:
        assert set(session.scalars(select(Case.state).where(Case.id.in_(stuck)))) == {"registered"}


@pytest.mark.parametrize("config", [Config(simulator_staff=False), Config(demo=False, secret_key="k" * 32)],
                         ids=["switched off", "outside demo mode"])
def test_does_nothing_when_off(city_sessions, config):
    player = StaffPlayer(city_sessions, config, seed=1)
    assert not player.play(NOW + timedelta(hours=12))
    with city_sessions() as session:
        assert _counts_after(session, CaseEvent, CaseEvent.at > NOW) == 0


def test_refused_outside_demo_mode():
    assert Config(demo=True).simulator_staff and not Config(demo=False, secret_key="k" * 32).simulator_staff
    with pytest.raises(ConfigError, match="SIMULATOR_STAFF=1 needs DEMO=1"):
        Config.from_env({"DEMO": "0", "SECRET_KEY": "k" * 32, "SIMULATOR_STAFF": "1"})
