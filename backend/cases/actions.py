"""An action as a person takes it, from a screen or the API: performed, committed, and the case read afresh."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from backend.cases.queries import detail
from backend.cases.schemas import CaseDetail
from backend.cases.workflow import Actor, perform
from backend.platform.config import Config
from backend.platform.db import begin_writing


def act(sessions: sessionmaker[Session], actor: Actor, case_id: int, action: str, params: dict, now: datetime,
        config: Config, version: int | None = None) -> CaseDetail:
    """Perform the action in a transaction of its own and answer the case as it is now (as the actor sees it).

    Raises the workflow's refusal (and writes nothing) when the action is not possible."""
    with sessions() as session:
        begin_writing(session)
        perform(session, actor, case_id, action, params, now, config, expected_version=version)
        session.commit()
        return detail(session, actor, case_id)
