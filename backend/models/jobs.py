"""Jobs: side effects to carry out once the change that wanted them has committed (backend.platform.jobs)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import JOB_STATES, Base, UTCDateTime, _one_of

UNFINISHED = text(_one_of("status", ("pending", "running")))


class Job(Base):
    """One side effect (an SMS, a webhook call), named by its idempotency key.

    pending: due at `next_attempt_at`; running: taken by a worker until `next_attempt_at` (its lease), after
    which another worker takes it again; done; failed: out of attempts, kept for inspection.
    """

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(_one_of("status", JOB_STATES), name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # What workers look for (pending or running, by when it is due) apart from the done and failed ones.
        Index("ix_job_due", "next_attempt_at", postgresql_where=UNFINISHED, sqlite_where=UNFINISHED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # which handler runs it, e.g. "sms.send"
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[str] = mapped_column(Text)  # JSON
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int]  # times taken by a worker
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
