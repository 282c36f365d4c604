"""Single reports that arrive at the same time are written together, in one transaction (group commit).

A report costs its request a handful of statements and a commit, whatever
the batch size: `submit_reports` writes one statement per table for a whole
batch. So each process lets one request thread at a time write, and that
thread writes every report waiting when it starts, its own among them. Alone,
a report is written at once, as before; under load, one transaction serves
many requests and the work per report falls.

A batch that fails is written again one report at a time, each in its own
transaction, so that one bad report cannot fail the others (and a failure,
e.g. the database being down, reaches each request as its own exception).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.orm import Session, sessionmaker

from backend.platform.config import Config
from backend.platform.db import begin_writing
from backend.cases.intake import SYSTEM_ACTOR, ReportIn, Submitted, submit_reports
from backend.geo.locator import GridLocator


@dataclass
class _Waiting:
    report: ReportIn
    actor_name: str
    submitted_by_id: int | None
    urgency: str | None  # overrides the category's (an emergency report)
    result: Submitted | None = None
    error: BaseException | None = None

    @property
    def submitter(self) -> tuple:
        return self.actor_name, self.submitted_by_id, self.urgency


class IntakeBatcher:
    def __init__(self, sessions: sessionmaker[Session], locator: GridLocator, config: Config):
        self._sessions = sessions
        self._locator = locator
        self._config = config
        self._waiting: list[_Waiting] = []
        self._waiting_lock = threading.Lock()
        self._writer = threading.Lock()

    def submit(self, report: ReportIn, actor_name: str = SYSTEM_ACTOR, submitted_by_id: int | None = None,
               urgency: str | None = None) -> Submitted:
        """Write one report (committed when this returns) and answer what became of it."""
        mine = _Waiting(report, actor_name, submitted_by_id, urgency)
        with self._waiting_lock:
            self._waiting.append(mine)
        with self._writer:
            # Whoever held the writer before us has finished its batch: ours is written, or still waiting.
            if mine.result is None and mine.error is None:
                self._write(self._take_waiting())
        if mine.error is not None:
            raise mine.error
        return mine.result

    def _take_waiting(self) -> list[_Waiting]:
        with self._waiting_lock:
            batch, self._waiting = self._waiting, []
        return batch

    def _write(self, batch: list[_Waiting]) -> None:
        try:
            self._write_together(batch)
        except Exception as error:
            if len(batch) == 1:
                batch[0].error = error
                return
            for waiting in batch:
                self._write([waiting])

    def _write_together(self, batch: list[_Waiting]) -> None:
        by_submitter: dict[tuple, list[_Waiting]] = {}
        for waiting in batch:
            by_submitter.setdefault(waiting.submitter, []).append(waiting)
        now = datetime.now(timezone.utc)
        results = {}
        with self._sessions() as session:
            begin_writing(session)
            for (actor_name, submitted_by_id, urgency), group in by_submitter.items():
                submitted = submit_reports(session, [w.report for w in group], self._locator, now, self._config,
                                           actor_name=actor_name, submitted_by_id=submitted_by_id, urgency=urgency)
                results.update(zip(map(id, group), submitted))
            session.commit()
        for waiting in batch:
            waiting.result = results[id(waiting)]
