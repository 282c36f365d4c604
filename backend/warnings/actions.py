"""A warning action as a person takes it, from a screen or the API: performed, audited, committed, and the warning
read afresh with whom its message goes to. The audit entry is written in the action's transaction: a refused
action leaves none."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from backend.accounts import audit
from backend.cases.workflow import Actor
from backend.platform.config import Config
from backend.platform.db import begin_writing
from backend.warnings import workflow
from backend.warnings.queries import person_refs, warning_out
from backend.warnings.schemas import ActionOut


def _audit(session: Session, actor: Actor, outcome: workflow.Outcome, now: datetime) -> None:
    event = outcome.event
    audit.record(session, at=now, action=f"warning.{event.action}", actor_name=actor.name,
                 actor_user_id=actor.user_id, address=actor.address, target=f"warning:{outcome.warning.id}",
                 detail={"from_status": event.from_status, "to_status": event.to_status, "level": outcome.warning.level,
                         "notified": len(outcome.recipients)} | ({"note": event.note} if event.note else {}))


def _answer(session: Session, actor: Actor, outcome: workflow.Outcome, config: Config) -> ActionOut:
    return ActionOut(warning=warning_out(session, actor, outcome.warning, config.timezone),
                     notified=person_refs(session, outcome.recipients))


def draft(sessions: sessionmaker[Session], actor: Actor, params: dict, send: bool, now: datetime,
          config: Config) -> ActionOut:
    """Create a draft; with `send`, issue it at once (blue, yellow) or submit it for approval (orange, red)."""
    with sessions() as session:
        begin_writing(session)
        outcome = workflow.create(session, actor, params, now)
        _audit(session, actor, outcome, now)
        if send:
            action = "submit" if outcome.warning.level in workflow.NEEDS_APPROVAL else "issue"
            outcome = workflow.perform(session, actor, outcome.warning.id, action, {}, now)
            _audit(session, actor, outcome, now)
        session.commit()
        return _answer(session, actor, outcome, config)


def act(sessions: sessionmaker[Session], actor: Actor, warning_id: int, action: str, params: dict, now: datetime,
        config: Config, version: int | None = None) -> ActionOut:
    with sessions() as session:
        begin_writing(session)
        outcome = workflow.perform(session, actor, warning_id, action, params, now, expected_version=version)
        _audit(session, actor, outcome, now)
        session.commit()
        return _answer(session, actor, outcome, config)
