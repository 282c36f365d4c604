"""The background loop every worker shares: its period, the backoff after failures and its reset, one log line
per failure; and the lock that lets one PostgreSQL transaction at a time do a worker's round."""
from __future__ import annotations

import logging
import threading

from backend.platform.db import make_engine, session_factory
from backend.platform.worker import OUTAGE_BACKOFF, Backoff, Worker, one_at_a_time

PERIOD = 60.0


class Rounds(threading.Event):
    """The stop event of a worker, counting as time: each wait is over at once and recorded; after
    `rounds` waits the worker is stopped."""

    def __init__(self, rounds: int):
        super().__init__()
        self.rounds = rounds
        self.waits: list[float] = []

    def wait(self, timeout=None) -> bool:
        self.waits.append(timeout)
        if len(self.waits) > self.rounds:
            self.set()
        return self.is_set()


class Scripted(Worker):
    """A worker whose rounds fail or succeed as scripted."""

    name = "scripted"

    def __init__(self, outcomes: str):
        super().__init__(PERIOD)
        self.outcomes = iter(outcomes)  # "x": the round fails, ".": it succeeds

    def round(self) -> None:
        if next(self.outcomes) == "x":
            raise ConnectionError("the database is unavailable\nDETAIL: a driver's second line")


def test_the_wait_after_failures_doubles_to_the_cap_and_a_success_resets_it():
    worker, stop = Scripted("xxxxxxx.x."), Rounds(10)
    worker.run(stop)
    assert stop.waits == [PERIOD, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, PERIOD, 0.5, PERIOD]


def test_each_failure_logs_one_line_with_the_traceback_only_the_first_time_in_a_row(caplog):
    with caplog.at_level(logging.WARNING, "backend.platform.worker"):
        Scripted("xx.x").run(Rounds(4))
    assert [record.getMessage() for record in caplog.records] == [
        "scripted failed (the database is unavailable); retrying in 0.5 s",
        "scripted failed (the database is unavailable); retrying in 1.0 s",
        "scripted failed (the database is unavailable); retrying in 0.5 s"]
    assert [bool(record.exc_info) for record in caplog.records] == [True, False, True]


def test_backoff_stops_doubling_at_its_cap_however_many_failures():
    assert [OUTAGE_BACKOFF.after(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert Backoff(first=30.0, cap=3600.0).after(10_000) == 3600.0


def test_a_wake_starts_a_round_before_the_period():
    woken = threading.Event()

    class Waking(Worker):
        def round(self) -> None:
            woken.set()

    worker, stop = Waking(period=3600, wakeable=True), threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    worker.wake.set()
    try:
        assert woken.wait(10), "the wake started no round"
    finally:
        stop.set()
        worker.wake.set()  # the stop is seen at the next wake
        thread.join(10)
    assert not thread.is_alive()


def test_one_transaction_at_a_time_holds_the_lock_on_postgresql(postgres_url):
    engine = make_engine(postgres_url)
    sessions = session_factory(engine)
    try:
        with sessions() as first, sessions() as second:
            assert one_at_a_time(first, 1) and not one_at_a_time(second, 1)
            assert one_at_a_time(second, 2)  # another key is another lock
            first.commit()  # the lock ends with the transaction
            assert one_at_a_time(second, 1)
    finally:
        engine.dispose()


def test_on_sqlite_the_single_process_always_holds_the_lock(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.sqlite'}")
    sessions = session_factory(engine)
    try:
        with sessions() as first, sessions() as second:
            assert one_at_a_time(first, 1) and one_at_a_time(second, 1)
    finally:
        engine.dispose()
