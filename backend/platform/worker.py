"""Background work of a serving process: one loop with backoff, and the lock that lets one process at a time.

A `Worker` runs a round every `period` seconds (sooner when its `wake` is set, if it has one) until its stop
event is set. A round that raises is logged, one line (the traceback too, the first time in a row), and the
next round waits the backoff instead: doubling while rounds keep failing, so an outage of the database or
the bus neither floods the log nor keeps the worker away long once it is over; a round that succeeds resets
it. The relay, the sweeper, the job worker, the stream follower and the presence renewal are workers.

Several server processes run the same workers. Work that must be done by one process at a time takes
`one_at_a_time` in its transaction.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """The wait after consecutive failures: `first`, doubling each time, at most `cap`."""

    first: float
    cap: float

    def after(self, failures: int) -> float:
        """The wait after the `failures`-th failure in a row (1, 2, ...)."""
        return min(self.first * 2 ** min(failures - 1, 64), self.cap)  # 2**64: past any cap, and no overflow


# An outage of the database or the bus: retried at once, then at most every 10 s, so a long one logs a few
# lines a minute and the worker is back within 10 s of its end.
OUTAGE_BACKOFF = Backoff(first=0.5, cap=10.0)


def first_line(error: BaseException) -> str:
    """What a log line says of an error: the first line of its message (drivers add details below)."""
    return str(error).strip().partition("\n")[0] or type(error).__name__


class Worker:
    """A background loop: `round` every `period` seconds until `stop`, retried with backoff when it fails.

    With `wakeable`, setting `wake` starts the next round at once, and the stop event is seen at the next
    wake or period (whoever stops the worker wakes it too). `min_interval`: rounds start at most this often,
    however often it is woken.
    """

    name = "worker"  # what the log calls it

    def __init__(self, period: float, wakeable: bool = False, min_interval: float = 0.0,
                 backoff: Backoff = OUTAGE_BACKOFF):
        self.period = period
        self.wake = threading.Event() if wakeable else None
        self.min_interval = min_interval
        self.backoff = backoff

    def round(self) -> None:
        raise NotImplementedError

    def run(self, stop: threading.Event) -> None:
        failures = 0
        started = -self.min_interval
        while not self._rest(stop, failures, started):
            started = time.monotonic()
            if self.wake is not None:
                self.wake.clear()
            try:
                self.round()
                failures = 0
            except Exception as error:
                failures += 1
                log.warning("%s failed (%s); retrying in %.1f s", self.name, first_line(error),
                            self.backoff.after(failures), exc_info=failures == 1)

    def _rest(self, stop: threading.Event, failures: int, started: float) -> bool:
        """Wait until the next round is due; answers whether to stop instead."""
        if failures:
            return stop.wait(self.backoff.after(failures))
        if self.wake is None:
            stopped = stop.wait(self.period)
        else:
            self.wake.wait(self.period)
            stopped = stop.is_set()
        return stopped or bool(self.min_interval) and stop.wait(started + self.min_interval - time.monotonic())


def one_at_a_time(session: Session, key: int) -> bool:
    """Whether the session's transaction holds the lock `key` (until it ends), which one PostgreSQL
    transaction at a time may; it does not wait. SQLite's single embedded process always holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}))
