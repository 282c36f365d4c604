"""The audit log: who did what, when and from which address; written beside the change it records.

An entry is added to the caller's session, so it commits (or rolls back) with the change itself: a refused
action leaves no entry claiming it happened, and nothing happens without its entry. Entries are never
updated or deleted (on PostgreSQL a trigger refuses it, see migration 0009).
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.models import AuditEntry


def record(session: Session, *, at: datetime, action: str, actor_name: str, actor_user_id: int | None = None,
           address: str | None = None, target: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Add an entry (not committed). `action`: e.g. sign_in, sign_in_failed, token_issued, case.dispatch;
    `target`: what it acted on, e.g. case:123, token:7, user:alice. Never pass a secret in `detail`."""
    session.add(AuditEntry(at=at, action=action, actor_name=actor_name[:100], actor_user_id=actor_user_id,
                           address=(address or None) and address[:45], target=target and target[:100],
                           detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None))
