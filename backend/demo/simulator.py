"""The live simulator: new reports at a daily rhythm, in grids weighted by population.

It goes through `backend.cases.intake.submit_report` like every real channel, so
the demo exercises the same code path as production.
"""
from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.cases.intake import ReportIn, submit_report
from backend.geo.locator import GridLocator
from backend.models import Category, Grid
from backend.platform.config import Config
from backend.platform.db import begin_writing

log = logging.getLogger(__name__)

# Night traffic is about 15% of the early-afternoon peak (the seed platforms'
# hotlines and patrols are daytime work; residents still text at night).
NIGHT_SHARE = 0.15
PEAK_HOUR = 13.5
PEAK_WIDTH_HOURS = 4.5
# A new user must see life at once at any hour: the first report comes within FIRST_REPORT_SECONDS of the
# start, and for the first WARM_UP_MINUTES reports come at least at WARM_UP_PER_HOUR (one every 30 s on
# average) even at night, when the day's curve alone would leave the wall still for many minutes.
FIRST_REPORT_SECONDS = 30
WARM_UP_MINUTES = 5
WARM_UP_PER_HOUR = 120.0
CHANNELS = ["handheld", "hotline", "sms", "web"]
CHANNEL_SHARES = [0.55, 0.2, 0.15, 0.1]


def rhythm(local_hour: float) -> float:
    """Share of the peak rate at a local hour of day, between NIGHT_SHARE and 1."""
    return NIGHT_SHARE + (1 - NIGHT_SHARE) * math.exp(-((local_hour - PEAK_HOUR) / PEAK_WIDTH_HOURS) ** 2)


class Simulator:
    def __init__(self, sessions: sessionmaker[Session], locator: GridLocator, config: Config, seed: int | None = None):
        self._sessions = sessions
        self._locator = locator
        self._config = config
        self._peak = config.simulator_peak_per_hour
        self._tz = ZoneInfo(config.timezone)
        self._rng = np.random.default_rng(seed)
        with sessions() as session:
            units = session.execute(select(Grid.id, Grid.population).where(Grid.level == 3).order_by(Grid.id)).all()
            self._categories = session.execute(
                select(Category.code, Category.name).where(Category.parent_id.is_not(None))).all()
        self._unit_ids = np.array([u.id for u in units])
        weights = np.array([max(u.population, 1) for u in units], dtype=float)
        self._unit_weights = weights / weights.sum()

    def rate_per_hour(self, at: datetime) -> float:
        local = at.astimezone(self._tz)
        return self._peak * rhythm(local.hour + local.minute / 60)

    def next_delay(self, at: datetime, started: datetime | None = None) -> float:
        """Seconds until the next report: a Poisson process at the current rate (at least the warm-up rate
        in the first minutes after `started`)."""
        rate = self.rate_per_hour(at)
        if started is not None and at - started < timedelta(minutes=WARM_UP_MINUTES):
            rate = max(rate, WARM_UP_PER_HOUR)
        return float(self._rng.exponential(3600 / rate))

    def first_delay(self) -> float:
        return float(self._rng.uniform(1, FIRST_REPORT_SECONDS))

    def make_report(self) -> ReportIn:
        grid_id = int(self._rng.choice(self._unit_ids, p=self._unit_weights))
        lon, lat = self._locator.random_point(grid_id, self._rng)
        code, name = self._categories[int(self._rng.integers(len(self._categories)))]
        channel = str(self._rng.choice(CHANNELS, p=CHANNEL_SHARES))
        return ReportIn(channel=channel, description=f"{name}：模拟上报，请核实处置。", category_code=code,
                        lon=round(lon, 6), lat=round(lat, 6))

    def step(self, now: datetime) -> str:
        """Submit one report; returns the new case's number."""
        with self._sessions() as session:
            begin_writing(session)
            case = submit_report(session, self.make_report(), self._locator, now, self._config,
                                 actor_name="simulator")
            session.commit()
            return case.number

    def run(self, stop: threading.Event, limit: int | None = None,
            clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        """Submit reports until `stop` is set (or `limit` were made); a failed step is logged and the loop goes on."""
        made, started = 0, clock()
        delay = self.first_delay()
        while (limit is None or made < limit) and not stop.wait(delay):
            try:
                number = self.step(clock())
                made += 1
                log.info("simulator opened case %s", number)
            except Exception:
                log.exception("simulator step failed")
            delay = self.next_delay(clock(), started)
