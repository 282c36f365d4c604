"""The simulator keeps reports flowing, more by day than by night, through the real intake."""
from datetime import datetime, timezone

from sqlalchemy import select

from backend.platform.config import Config
from backend.geo.locator import GridLocator
from backend.models import Case
from backend.demo.simulator import NIGHT_SHARE, Simulator, rhythm
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
