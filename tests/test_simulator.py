"""The simulator keeps reports flowing, more by day than by night, through the real intake."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from backend.demo.simulator import NIGHT_SHARE, WARM_UP_MINUTES, Simulator, rhythm
from backend.geo.locator import GridLocator
from backend.models import Case
from backend.platform.config import Config
from tests.conftest import NOW


def test_day_is_busier_than_night():
    assert rhythm(3) < 0.25 < 0.9 < rhythm(13.5) <= 1
    assert min(rhythm(h / 4) for h in range(96)) >= NIGHT_SHARE


def test_rate_follows_local_time(city_sessions):
    with city_sessions() as session:
        simulator = Simulator(city_sessions, GridLocator.from_session(session), Config(), seed=1)
    afternoon = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai
    night = datetime(2026, 11, 26, 19, 0, tzinfo=timezone.utc)  # 03:00 in Shanghai
    assert simulator.rate_per_hour(afternoon) > 4 * simulator.rate_per_hour(night)


def test_step_opens_a_located_case(city_sessions):
    with city_sessions() as session:
        simulator = Simulator(city_sessions, GridLocator.from_session(session), Config(), seed=1)
    numbers = [simulator.step(NOW) for _ in range(20)]
    with city_sessions() as session:
        created = session.scalars(select(Case).where(Case.created_at == NOW)).all()
    assert sorted(c.number for c in created) == sorted(numbers)
    assert all(c.grid_id is not None and c.state == "collected" for c in created)


FOUR_AM = datetime(2026, 12, 1, 20, 0, tzinfo=timezone.utc)  # 04:00 on 2 December in Shanghai


class _Waits:
    """A stop event that is never set and notes each wait, so `run` goes on at once on a fixed clock."""

    def __init__(self):
        self.waits = []

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return False


def test_the_first_report_comes_within_a_minute_at_any_hour(city_sessions):
    with city_sessions() as session:
        locator = GridLocator.from_session(session)
    for seed in range(20):  # at 04:00 the curve alone waits 100 s on average: many seeds would miss the minute
        stop = _Waits()
        Simulator(city_sessions, locator, Config(), seed=seed).run(stop, limit=1, clock=lambda: FOUR_AM)
        assert stop.waits[0] <= 60
    with city_sessions() as session:
        assert len(session.scalars(select(Case).where(Case.created_at == FOUR_AM)).all()) == 20


def test_the_first_minutes_are_busier_than_the_night(city_sessions):
    with city_sessions() as session:
        locator = GridLocator.from_session(session)
    draws = {}
    for since in (timedelta(0), timedelta(minutes=WARM_UP_MINUTES)):
        simulator = Simulator(city_sessions, locator, Config(), seed=1)
        draws[since] = simulator.next_delay(FOUR_AM, started=FOUR_AM - since)
    warm, after = draws.values()
    assert after == Simulator(city_sessions, locator, Config(), seed=1).next_delay(FOUR_AM)  # the curve again
    assert warm < after
