"""A wall that read its figures once and then only adds the counts its events carry shows what a fresh read
shows, whatever happens to the cases: the events and the read count by the same indicator definitions."""
import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from backend.cases.intake import ReportIn, submit_reports
from backend.cases.sweeper import sweep, system_actor
from backend.cases.workflow import WorkflowError, perform
from backend.events.types import EVENT, CaseChanged
from backend.geo.grids import open_cases_by_child
from backend.geo.locator import GridLocator
from backend.geo.scope import Scope
from backend.indicators.definitions import DAILY, MONTHLY, Day
from backend.indicators.wall import same_time_yesterday, wall_kpis, wall_yesterday
from backend.models import OPEN_STATES, Case, Grid, OutboxEvent
from tests.conftest import NOW
from tests.test_events import CONFIG
from tests.test_workflow import World

TZ = CONFIG.timezone


class FoldedWall:
    """A wall as the browser keeps it (assets/wall.js, `applyEvents`): one full read of a grid's figures and
    of its children's open cases, then the counts of each event in the grid added, the daily ones only when
    the event's day is the day the wall shows."""

    def __init__(self, session, grid: Grid, at):
        self.session, self.grid, self.scope = session, grid, Scope.of_grid(grid)
        self.kpis = wall_kpis(session, self.scope, at, TZ)
        self.children = open_cases_by_child(session, self.scope, grid)
        self.day = Day.of(at, TZ).date
        self.last_outbox_id = session.scalar(select(func.max(OutboxEvent.id))) or 0

    def apply(self, event: CaseChanged) -> None:
        if event.placement()[self.level_column] != self.grid.id:
            return
        for key, change in event.counts:
            if (key not in DAILY or event.day == self.day) and (key not in MONTHLY or
                                                                 event.day.replace(day=1) == self.day.replace(day=1)):
                self.kpis[key] += change
        child = event.placement()[self.child_column]
        if child is not None:  # a report not located lies in the city only, on no map polygon
            self.children[child] = self.children.get(child, 0) + event.counts.open_cases

    def catch_up(self) -> None:
        rows = self.session.execute(select(OutboxEvent.id, OutboxEvent.payload)
                                    .where(OutboxEvent.id > self.last_outbox_id).order_by(OutboxEvent.id)).all()
        for outbox_id, payload in rows:
            self.apply(EVENT.validate_json(payload))
            self.last_outbox_id = outbox_id

    @property
    def level_column(self) -> str:
        return ("city_id", "district_id", "community_id")[self.grid.level]

    @property
    def child_column(self) -> str:
        return ("district_id", "community_id", "grid_id")[self.grid.level]

    def shown(self) -> tuple[dict, dict]:
        return self.kpis, {grid: count for grid, count in self.children.items() if count}

    def fresh(self, at) -> tuple[dict, dict]:
        return wall_kpis(self.session, self.scope, at, TZ), open_cases_by_child(self.session, self.scope, self.grid)


@pytest.fixture
def world(city_sessions):
    with city_sessions() as session:
        yield World(session)


def act(world, case: Case, action: str, params: dict | None = None, role: str = "admin", at=NOW) -> None:
    actor = system_actor(world.session) if role == "system" else world.actor(role)
    perform(world.session, actor, case.id, action, params or {}, at, CONFIG)


def city_wall(world, at=NOW) -> FoldedWall:
    return FoldedWall(world.session, world.city, at)


def test_a_case_past_its_deadline_is_overdue_from_its_red_card_on_and_counted_once(world):
    case = world.case("handling", deadline=NOW - timedelta(minutes=5))  # the sweeper has not been by yet
    wall = city_wall(world)
    overdue = wall.kpis["overdue"]
    act(world, case, "mark_card", {"card": "red"}, role="system")  # what the sweeper does on its pass
    wall.catch_up()
    assert wall.kpis["overdue"] == overdue + 1 and wall.shown() == wall.fresh(NOW)


def test_an_approved_postponement_of_a_red_carded_case_takes_it_off_overdue(world):
    case = world.case("handling", deadline=NOW - timedelta(hours=1), card="red", postpone_requested_hours=24.0)
    wall = city_wall(world)
    overdue = wall.kpis["overdue"]
    act(world, case, "approve_postpone", role="dispatcher")
    wall.catch_up()
    assert case.card != "red" and wall.kpis["overdue"] == overdue - 1
    assert wall.shown() == wall.fresh(NOW)


def test_closing_a_case_past_its_deadline_before_it_was_carded_leaves_overdue_as_it_was(world):
    case = world.case("fed_back", deadline=NOW - timedelta(hours=1))
    wall = city_wall(world)
    before = dict(wall.kpis)
    act(world, case, "close", role="dispatcher")
    wall.catch_up()
    settled = {key: before[key] + 1 for key in ("settled_today", "settled_month")}  # the world's cases are today's
    assert wall.kpis == before | settled | {"open_cases": before["open_cases"] - 1, "overdue": before["overdue"],
                                            "under_way": before["under_way"] - 1,
                                            "closed_today": before["closed_today"] + 1}
    assert wall.shown() == wall.fresh(NOW)


# What the random walk does to a case, by its state: (action, params); "intake" and "sweep" need no case.
MOVES = {"collected": [("register", {}), ("cancel", {"note": "not ours"})],
         "registered": [("dispatch", {})],
         "dispatched": [("accept", {}), ("request_postpone", {"hours": 24, "note": "parts"})],
         "handling": [("feed_back", {"note": "done"}), ("request_postpone", {"hours": 12, "note": "rain"}),
                      ("approve_postpone", {})],
         "fed_back": [("close", {})]}
STEPS = 120  # enough for cases to go from intake to close, and for deadlines to pass and days to change


def intake(world, locator: GridLocator, rng: random.Random, at) -> None:
    units = world.session.scalars(select(Grid).where(Grid.level == 3).order_by(Grid.id)).all()
    reports = []
    for index in range(rng.randint(1, 3)):
        unit = rng.choice(units)
        where = {"lon": unit.centroid_lon, "lat": unit.centroid_lat} if rng.random() < 0.9 else {}
        reports.append(ReportIn(channel="web", description=f"walk {index}", category_code=world.category.code,
                                **where))
    submit_reports(world.session, reports, locator, at, CONFIG)


def move(world, rng: random.Random, at) -> None:
    state = rng.choice(list(MOVES))
    ids = world.session.scalars(select(Case.id).where(Case.state == state).order_by(Case.id)).all()
    if not ids:
        return
    action, params = rng.choice(MOVES[state])
    try:
        with world.session.begin_nested():
            act(world, world.session.get(Case, rng.choice(ids)), action, params, at=at)
    except WorkflowError:  # not possible for this case now (no postponement pending, nobody to dispatch to)
        pass


def walk(world, steps: int, seed: int):
    """A random walk of intake, sweeps and moves from NOW on; yields the moment after each step."""
    rng = random.Random(seed)
    locator = GridLocator.from_session(world.session)
    at = NOW
    for _ in range(steps):
        at += timedelta(minutes=rng.randint(1, 180))
        roll = rng.random()
        if roll < 0.25:
            intake(world, locator, rng, at)
        elif roll < 0.4:
            sweep(world.session, at, CONFIG)
        else:
            move(world, rng, at)
        world.session.flush()
        yield at


def test_a_wall_adding_the_counts_of_events_shows_what_a_fresh_read_shows_at_every_step(world):
    district = world.session.get(Grid, world.chain[1])
    walls = [city_wall(world), FoldedWall(world.session, district, NOW)]
    for step, at in enumerate(walk(world, STEPS, 20261126)):
        for index, wall in enumerate(walls):
            if Day.of(at, TZ).date != wall.day:  # the browser reads a new day afresh (`newDay`)
                wall = walls[index] = FoldedWall(world.session, wall.grid, at)
            wall.catch_up()
            assert wall.shown() == wall.fresh(at), f"step {step}, wall of grid {wall.grid.id}"
    overdue = world.session.scalar(select(func.count()).where(Case.state.in_(OPEN_STATES), Case.card == "red"))
    closed = world.session.scalar(select(func.count()).where(Case.closed_at > NOW))
    assert overdue and closed  # the walk did reach red cards and closures


# How cases stand, and the period figures no later change in this walk can move (it reworks nothing and
# cancels only collected cases, which are not closed).
STANDING = ("open_cases", "to_register", "under_way", "yellow", "overdue")
PERIODS = ("reports_today", "closed_today")


def yesterday_matches_the_figures_read_then(world, steps: int) -> int:
    """At every step a day or more into the walk, the figures of the same time yesterday are the ones a read
    at that moment gave (nothing changes between steps); returns how many steps were compared."""
    city = Scope.of_grid(world.city)
    read = [(NOW, wall_kpis(world.session, city, NOW, TZ))]
    compared = 0
    for at in walk(world, steps, 20261202):
        read.append((at, wall_kpis(world.session, city, at, TZ)))
        then = same_time_yesterday(at, TZ)
        if then <= NOW:  # before the walk: the generated history has no events
            continue
        # A change made at that very moment is not in its figures yet (periods end before it).
        moment, then_read = [(moment, figures) for moment, figures in read if moment < then][-1]
        keys = STANDING + (PERIODS if Day.of(moment, TZ).date == Day.of(then, TZ).date else ())
        yesterday = wall_yesterday(world.session, city, at, TZ)
        assert {key: yesterday[key] for key in keys} == {key: then_read[key] for key in keys}, at
        compared += 1
    return compared


def test_the_figures_of_the_same_time_yesterday_are_those_the_wall_showed_then(world):
    assert yesterday_matches_the_figures_read_then(world, 60) > 20


def test_the_figures_of_the_same_time_yesterday_on_postgresql(pg_city):
    with pg_city() as session:
        assert yesterday_matches_the_figures_read_then(World(session), 30) > 5


def test_yesterdays_settlement_counts_what_was_closed_by_the_same_time(world):
    """Of yesterday's cases, those closed after the same time yesterday were not settled yet then."""
    city = Scope.of_grid(world.city)
    then = same_time_yesterday(NOW, TZ)
    before = wall_yesterday(world.session, city, NOW, TZ)
    early, late = (world.case("fed_back", created_at=then - timedelta(minutes=30)) for _ in range(2))
    act(world, early, "close", role="dispatcher", at=then - timedelta(minutes=10))
    act(world, late, "close", role="dispatcher", at=then + timedelta(minutes=10))
    after = wall_yesterday(world.session, city, NOW, TZ)
    assert after["opened_today"] - before["opened_today"] == 2
    assert after["settled_today"] - before["settled_today"] == 1
    assert after["closed_today"] - before["closed_today"] == 1


def test_the_settlement_rates_count_what_was_opened_and_not_cancelled(world):
    """A report refused as invalid leaves the rates' denominators; a case opened last month counts for today's
    closures but not for this month's rate."""
    refused = world.case("collected")
    old = world.case("fed_back", created_at=NOW - timedelta(days=40))
    wall = city_wall(world)
    before = dict(wall.kpis)
    act(world, refused, "cancel", {"note": "重复上报"}, role="dispatcher")
    act(world, old, "close", role="dispatcher")
    wall.catch_up()
    assert wall.kpis["opened_today"] == before["opened_today"] - 1
    assert wall.kpis["opened_month"] == before["opened_month"] - 1
    assert (wall.kpis["settled_month"], wall.kpis["settled_today"]) == (before["settled_month"],
                                                                        before["settled_today"])
    assert wall.kpis["closed_today"] == before["closed_today"] + 1
    assert wall.shown() == wall.fresh(NOW)


def test_a_month_starts_at_local_midnight_of_its_first_day():
    day = Day.of(datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc), TZ)  # 00:30 on 1 December in Shanghai
    assert day.date.isoformat() == "2026-12-01"
    assert (day.month.start, day.month.end) == (datetime(2026, 11, 30, 16, tzinfo=timezone.utc),
                                                datetime(2026, 12, 31, 16, tzinfo=timezone.utc))
