"""Durable jobs: side effects (an SMS, a webhook call, a CAP publication) that must happen exactly once.

`enqueue` writes a job in the caller's transaction, so a job exists if and only if the change that wanted
it committed. Its idempotency key names the effect: enqueueing the same key again is a no-op.

The job worker (one in each server process) takes the job due first and marks it running, for a lease of
LEASE, in a transaction of its own; runs the handler registered for its kind, outside any transaction; and
marks it done. A handler that raises has its job retried later, after a longer delay each time (RETRY),
until MAX_ATTEMPTS; then the job is failed, kept with its last error for inspection. A job whose worker
died while running it stays running until its lease expires; then a worker takes it again. Taking is
`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers in several processes take different jobs
without waiting for each other, and happens under the write lock on SQLite.

So a job is done once: a worker that outran its lease cannot mark a job another worker took since. Its
handler runs twice only when a worker died (or outran the lease) in the middle of it, so handlers pass the
key on to receivers that can drop a repeat (an SMS gateway's message id, a webhook's Idempotency-Key).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from backend.models import Job
from backend.models.jobs import UNFINISHED
from backend.platform.db import begin_writing
from backend.platform.worker import Backoff, Worker

log = logging.getLogger(__name__)
Handler = Callable[[str, dict], None]  # (idempotency key, payload); raises when the effect did not happen
# A taken job is its worker's for this long; after that the worker is taken for dead. Handlers time out
# their calls well within it (a minute at most), so a slow job is not run twice.
LEASE = timedelta(minutes=5)
# A failed job is retried after 30 s, then doubling up to an hour, and given up after its 10th attempt:
# about three hours of retries, so a receiver down for an afternoon's maintenance still gets its messages.
RETRY = Backoff(first=30.0, cap=3600.0)
MAX_ATTEMPTS = 10
# Idle, the worker looks this often for jobs come due (enqueued by any process, or retries): the delay of
# an SMS after its change.
POLL_SECONDS = 1.0
LEASE_EXPIRED = "its worker stopped before finishing it (the lease expired)"


def enqueue(session: Session, kind: str, key: str, payload: dict, now: datetime) -> None:
    """A job in the session's transaction, due now; nothing if a job of `key` exists (in whatever state)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(Job).values(kind=kind, idempotency_key=key, payload=json.dumps(payload, ensure_ascii=False),
                                       status="pending", attempts=0, next_attempt_at=now, created_at=now,
                                       updated_at=now)
                    .on_conflict_do_nothing(index_elements=[Job.idempotency_key]))


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class JobWorker(Worker):
    """Runs due jobs, one at a time, with the handler registered for each one's kind."""

    name = "job worker"

    def __init__(self, sessions: sessionmaker[Session], handlers: Mapping[str, Handler],
                 clock: Callable[[], datetime] = _utc_now, poll_seconds: float = POLL_SECONDS):
        super().__init__(poll_seconds)
        self._sessions = sessions
        self._handlers = handlers
        self._clock = clock

    def round(self) -> None:
        while self.run_next():
            pass

    def run_next(self) -> bool:
        """Take the job due first and run it, if there is one; answers whether there was."""
        job = self._take(self._clock())
        if job is not None and job.status == "running":
            self._finish(job, self._carry_out(job))
        return job is not None

    def _take(self, now: datetime) -> Job | None:
        """The job due first (pending, or running with its lease expired), marked running; failed instead if
        its last attempt's worker died."""
        with self._sessions() as session:
            begin_writing(session)
            job = session.scalar(select(Job).where(UNFINISHED, Job.next_attempt_at <= now)
                                 .order_by(Job.next_attempt_at).limit(1).with_for_update(skip_locked=True))
            if job is None:
                return None
            if job.status == "running":
                job.last_error = LEASE_EXPIRED
            if job.attempts < MAX_ATTEMPTS:  # a pending job always is; a running one was on its last attempt
                job.status, job.attempts, job.next_attempt_at = "running", job.attempts + 1, now + LEASE
            else:
                job.status = "failed"
            job.updated_at = now
            session.commit()
            return job

    def _carry_out(self, job: Job) -> str | None:
        """Run the job's handler; answers what went wrong, if anything."""
        handler = self._handlers.get(job.kind)
        if handler is None:
            return f"no handler for jobs of kind {job.kind!r} in this process"
        try:
            handler(job.idempotency_key, json.loads(job.payload))
        except Exception as error:
            return f"{type(error).__name__}: {error}"
        return None

    def _finish(self, job: Job, error: str | None) -> None:
        """Mark the job done, due again after RETRY, or failed after MAX_ATTEMPTS; unless another worker took
        it since (the lease expired), which counted another attempt."""
        now = self._clock()
        if error is None:
            outcome = {"status": "done"}
        elif job.attempts < MAX_ATTEMPTS:
            outcome = {"status": "pending", "last_error": error,
                       "next_attempt_at": now + timedelta(seconds=RETRY.after(job.attempts))}
        else:
            outcome = {"status": "failed", "last_error": error}
        with self._sessions() as session:
            begin_writing(session)
            marked = session.execute(update(Job).where(Job.id == job.id, Job.status == "running",
                                                       Job.attempts == job.attempts)
                                     .values(updated_at=now, **outcome)).rowcount
            session.commit()
        if error is not None:
            log.warning("job %s (%s) failed, attempt %d of %d: %s", job.idempotency_key, job.kind, job.attempts,
                        MAX_ATTEMPTS, error)
        if not marked:
            log.warning("job %s outran its lease: another worker took it again", job.idempotency_key)
