"""Durable jobs: one job per key, in the transaction that wanted it; retried with growing delays, failed after
the last attempt; taken again when its worker died; done once with workers racing, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.models import Job
from backend.platform.db import make_engine, session_factory
from backend.platform.jobs import LEASE, LEASE_EXPIRED, MAX_ATTEMPTS, RETRY, JobWorker, enqueue
from backend.platform.migrate import upgrade
from tests.conftest import NOW
from tests.servers import wait_for


class Clock:
    """The time the worker reads, moved on by the test."""

    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


class WorkerDied(BaseException):
    """The process of the worker ended in the middle of a job: no `except Exception` sees it."""


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'jobs.sqlite'}" if request.param == "sqlite" else request.getfixturevalue(
        "postgres_url")
    engine = make_engine(url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def jobs(sessions) -> list[Job]:
    with sessions() as session:
        return session.scalars(select(Job).order_by(Job.id)).all()


def enqueued(sessions, key: str = "sms:1", kind: str = "sms.send") -> None:
    with sessions() as session:
        enqueue(session, kind, key, {"to": "13800000000", "text": "积水预警"}, NOW)
        session.commit()


def failing(key: str, payload: dict) -> None:
    raise ConnectionError("the gateway refused the connection")


def test_a_job_enqueued_in_a_transaction_that_rolled_back_does_not_exist(sessions):
    with sessions() as session:
        enqueue(session, "sms.send", "sms:1", {}, NOW)
        session.rollback()
    assert jobs(sessions) == []


def test_enqueueing_the_same_key_twice_makes_one_job(sessions):
    with sessions() as session:
        enqueue(session, "sms.send", "sms:1", {"text": "first"}, NOW)
        enqueue(session, "sms.send", "sms:1", {"text": "second"}, NOW)  # in the same transaction
        session.commit()
    enqueued(sessions)  # and in another
    [job] = jobs(sessions)
    assert job.payload == '{"text": "first"}' and job.status == "pending" and job.next_attempt_at == NOW


def test_a_job_is_run_with_its_key_and_payload_and_done(sessions):
    enqueued(sessions)
    ran = []
    assert JobWorker(sessions, {"sms.send": lambda key, payload: ran.append((key, payload))}).run_next()
    assert ran == [("sms:1", {"to": "13800000000", "text": "积水预警"})]
    [job] = jobs(sessions)
    assert (job.status, job.attempts) == ("done", 1)
    assert not JobWorker(sessions, {}).run_next()  # nothing left to do


def test_a_failing_job_is_retried_later_each_time_and_failed_after_the_last_attempt(sessions):
    enqueued(sessions)
    clock = Clock()
    worker = JobWorker(sessions, {"sms.send": failing}, clock=clock)
    delays = []
    for attempt in range(1, MAX_ATTEMPTS):
        assert worker.run_next()
        [job] = jobs(sessions)
        assert (job.status, job.attempts) == ("pending", attempt)
        assert job.last_error == "ConnectionError: the gateway refused the connection"
        assert not worker.run_next()  # not due yet
        delays.append(job.next_attempt_at - clock.now)
        clock.now = job.next_attempt_at
    assert delays == [timedelta(seconds=RETRY.after(attempt)) for attempt in range(1, MAX_ATTEMPTS)]
    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert worker.run_next()
    [job] = jobs(sessions)
    assert (job.status, job.attempts) == ("failed", MAX_ATTEMPTS)  # kept, with what went wrong
    assert job.last_error == "ConnectionError: the gateway refused the connection"
    clock.now += timedelta(days=365)
    assert not worker.run_next()


def dies(key: str, payload: dict) -> None:
    raise WorkerDied


def test_a_running_job_whose_lease_expired_is_taken_again(sessions):
    enqueued(sessions)
    clock = Clock()
    with pytest.raises(WorkerDied):
        JobWorker(sessions, {"sms.send": dies}, clock=clock).run_next()
    [job] = jobs(sessions)
    assert job.status == "running"
    ran = []
    survivor = JobWorker(sessions, {"sms.send": lambda key, payload: ran.append(key)}, clock=clock)
    clock.now = NOW + LEASE - timedelta(seconds=1)
    assert not survivor.run_next()  # still leased to the worker that took it
    clock.now = NOW + LEASE
    assert survivor.run_next() and ran == ["sms:1"]
    [job] = jobs(sessions)
    assert (job.status, job.attempts, job.last_error) == ("done", 2, LEASE_EXPIRED)


def test_a_job_whose_worker_died_on_its_last_attempt_is_failed(sessions):
    enqueued(sessions)
    clock = Clock()
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(WorkerDied):
            JobWorker(sessions, {"sms.send": dies}, clock=clock).run_next()
        clock.now += LEASE
    assert JobWorker(sessions, {"sms.send": failing}, clock=clock).run_next()
    [job] = jobs(sessions)
    assert (job.status, job.attempts, job.last_error) == ("failed", MAX_ATTEMPTS, LEASE_EXPIRED)


def test_a_worker_that_outran_its_lease_cannot_mark_the_job_another_worker_took(sessions):
    enqueued(sessions)
    clock = Clock()
    survivor = JobWorker(sessions, {"sms.send": failing}, clock=clock)

    def slow(key: str, payload: dict) -> None:
        clock.now += LEASE  # this handler took longer than the lease: the survivor takes the job and fails
        assert survivor.run_next()

    JobWorker(sessions, {"sms.send": slow}, clock=clock).run_next()
    [job] = jobs(sessions)
    assert (job.status, job.attempts) == ("pending", 2)  # the survivor's failure stands, not the slow success


@contextmanager
def running(*workers: JobWorker):
    stops = [threading.Event() for _ in workers]
    threads = [threading.Thread(target=worker.run, args=(stop,)) for worker, stop in zip(workers, stops)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for stop in stops:
            stop.set()
        for thread in threads:
            thread.join(10)
            assert not thread.is_alive(), "a job worker did not stop"


def test_two_workers_racing_on_postgresql_do_each_job_once(postgres_url):
    """Two workers, each with its own engine as each server process has, race for 100 jobs. Each one's first
    job waits until the other is also in the middle of one, so they surely run side by side."""
    engines = [make_engine(postgres_url) for _ in range(2)]
    upgrade(engines[0])
    keys = [f"sms:{n}" for n in range(100)]
    with session_factory(engines[0])() as session:
        for key in keys:
            enqueue(session, "sms.send", key, {}, NOW)
        session.commit()
    both_running = threading.Barrier(2, timeout=10)
    ran: list[tuple[int, str]] = []

    def handler(worker: int):
        def run(key: str, payload: dict) -> None:
            if not any(w == worker for w, _ in ran):
                both_running.wait()
            ran.append((worker, key))
        return run

    workers = [JobWorker(session_factory(engine), {"sms.send": handler(n)}, poll_seconds=0.01)
               for n, engine in enumerate(engines)]
    try:
        with running(*workers):
            wait_for(lambda: len(ran) >= len(keys), "the workers to run every job")
            sessions = session_factory(engines[0])
            wait_for(lambda: all(job.status == "done" for job in jobs(sessions)), "every job to be marked done")
        assert Counter(key for _, key in ran) == Counter(keys)  # each once
        assert {worker for worker, _ in ran} == {0, 1}
        assert {job.attempts for job in jobs(sessions)} == {1}
    finally:
        for engine in engines:
            engine.dispose()
