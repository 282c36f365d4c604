"""Writing changes to the outbox, in the transaction of the change."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from backend.bulk import insert_rows
from backend.models import PLACEMENT_COLUMNS, Case, OutboxEvent


def case_payload(case_id: int, number: str, state: str, version: int, urgency: str, card: str, action: str,
                 at: datetime, actor: str, placement: dict) -> dict:
    """What screens need to patch a case in place: enough to update a queue row, a map count, a KPI."""
    return {"kind": f"case.{action}", "case_id": case_id, "number": number, "state": state, "version": version,
            "urgency": urgency, "card": card, "at": at.isoformat(), "actor": actor, **placement}


def _row(payload: dict, at: datetime) -> dict:
    return {"created_at": at, "kind": payload["kind"], "case_id": payload["case_id"],
            "payload": json.dumps(payload, ensure_ascii=False), "published_at": None,
            **{column: payload[column] for column in PLACEMENT_COLUMNS}}


def record_case(session: Session, case: Case, action: str, at: datetime, actor: str) -> None:
    """One case changed (flushed already, so `case.version` is the new one)."""
    placement = {column: getattr(case, column) for column in PLACEMENT_COLUMNS}
    payload = case_payload(case.id, case.number, case.state, case.version, case.urgency, case.card, action, at,
                           actor, placement)
    session.add(OutboxEvent(**_row(payload, at)))


def record_many(session: Session, payloads: list[dict], at: datetime) -> None:
    """Many new cases at once (intake batches): one bulk write."""
    insert_rows(session.connection(), OutboxEvent.__table__, [_row(p, at) for p in payloads])
