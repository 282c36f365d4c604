"""An action as a person takes it, from a screen or the API: performed, audited, committed, and the case read
afresh. The audit entry is written in the action's transaction: an action that is refused, or fails to
commit, leaves none. (The sweeper acts as the system through `workflow.perform`; the case history has it.)"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from backend.accounts import audit
from backend.cases.queries import detail
from backend.cases.schemas import CaseDetail
from backend.cases.workflow import Actor, Outcome, perform
from backend.platform.config import Config
from backend.platform.db import begin_writing


def _audit(session: Session, actor: Actor, action: str, outcome: Outcome, now: datetime) -> None:
    event = outcome.event
    effect = json.loads(event.detail) if event.detail else {}
    audit.record(session, at=now, action=f"case.{action}", actor_name=actor.name, actor_user_id=actor.user_id,
                 address=actor.address, target=f"case:{outcome.case.id}",
                 detail={"number": outcome.case.number, "from_state": event.from_state, "to_state": event.to_state}
                 | ({"note": event.note} if event.note else {}) | effect)


def act(sessions: sessionmaker[Session], actor: Actor, case_id: int, action: str, params: dict, now: datetime,
        config: Config, version: int | None = None) -> CaseDetail:
    """Perform the action in a transaction of its own and answer the case as it is now (as the actor sees it).

    Raises the workflow's refusal (and writes nothing) when the action is not possible."""
    with sessions() as session:
        begin_writing(session)
        outcome = perform(session, actor, case_id, action, params, now, config, expected_version=version)
        _audit(session, actor, action, outcome, now)
        session.commit()
        return detail(session, actor, case_id)
