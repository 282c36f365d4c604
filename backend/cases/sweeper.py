"""The time-limit sweeper: yellow and red cards, escalation of overdue cases, and the lifting of warnings whose
end has come (backend.warnings.workflow.lift_expired).

It acts through `workflow.perform` as the system actor, so every card and
escalation is an ordinary, recorded action. Several server processes may
run it: on PostgreSQL an advisory lock lets one sweep at a time, and each
sweep only does what is still due, so a repeated sweep changes nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.platform.config import Config
from backend.platform.db import begin_writing
from backend.platform.worker import Worker, one_at_a_time
from backend.models import Case, CaseEvent, Category, Grid
from backend.geo.scope import Scope
from backend.cases.workflow import SYSTEM, Actor, WorkflowError, card_for, perform
from backend.warnings.workflow import lift_expired

log = logging.getLogger(__name__)
SWEEPER_LOCK = 0x5EED_CA5E  # an arbitrary, fixed key for pg_try_advisory_xact_lock
WATCHED = ("dispatched", "handling", "fed_back")
ESCALATABLE = ("dispatched", "handling")


@dataclass(frozen=True)
class SweepResult:
    cards: int = 0
    escalated: int = 0
    warnings_lifted: int = 0
    skipped: bool = False  # another process held the lock


def system_actor(session: Session) -> Actor:
    root = session.scalar(select(Grid).where(Grid.parent_id.is_(None)))
    return Actor(name=SYSTEM, role=SYSTEM, scope=Scope.of_grid(root))


def _last_escalation(session: Session, case_id: int) -> datetime | None:
    return session.scalar(select(func.max(CaseEvent.at)).where(CaseEvent.case_id == case_id,
                                                                CaseEvent.action == "escalate"))


def _act(session: Session, actor: Actor, case: Case, action: str, params: dict, now: datetime,
         config: Config) -> bool:
    """One action in a savepoint: a case that cannot take it is logged and left as it was."""
    try:
        with session.begin_nested():
            perform(session, actor, case.id, action, params, now, config)
        return True
    except WorkflowError as error:
        log.warning("sweeper could not %s case %s: %s", action, case.id, error)
        return False


def _escalation_due(session: Session, case: Case, now: datetime, grace: timedelta) -> bool:
    """Overdue past the grace period, and past it again since any earlier escalation."""
    if case.state not in ESCALATABLE or case.handling_level == 0 or now <= case.deadline + grace:
        return False  # most cases stop here, without a query
    last = _last_escalation(session, case.id)
    return last is None or now > max(case.deadline, last) + grace


def sweep(session: Session, now: datetime, config: Config) -> SweepResult:
    """Mark due cards, escalate cases overdue past the grace period and lift ended warnings (not committed)."""
    if not one_at_a_time(session, SWEEPER_LOCK):
        return SweepResult(skipped=True)
    actor = system_actor(session)
    grace = timedelta(hours=config.escalation_grace_hours)
    rows = session.execute(select(Case, Category.time_limit_hours).join(Category, Case.category_id == Category.id)
                           .where(Case.state.in_(WATCHED), Case.deadline.is_not(None))
                           .order_by(Case.deadline)).all()
    cards = escalated = 0
    for case, limit in rows:
        due = card_for(case, now, config.yellow_share, limit)
        if due != case.card and due in ("yellow", "red"):
            cards += _act(session, actor, case, "mark_card", {"card": due}, now, config)
        if _escalation_due(session, case, now, grace):
            escalated += _act(session, actor, case, "escalate",
                              {"note": f"overdue by more than {config.escalation_grace_hours:g} h"}, now, config)
    return SweepResult(cards=cards, escalated=escalated, warnings_lifted=lift_expired(session, now))


class Sweeper(Worker):
    """Sweeps every `config.sweep_seconds`, each sweep in a transaction of its own; a failed sweep is
    retried with the workers' backoff."""

    name = "sweeper"

    def __init__(self, sessions: sessionmaker[Session], config: Config):
        super().__init__(config.sweep_seconds)
        self._sessions = sessions
        self._config = config

    def round(self) -> None:
        with self._sessions() as session:
            begin_writing(session)
            result = sweep(session, datetime.now(timezone.utc), self._config)
            session.commit()
        if result.cards or result.escalated or result.warnings_lifted:
            log.info("sweep: %d cards, %d escalations, %d warnings lifted", result.cards, result.escalated,
                     result.warnings_lifted)
