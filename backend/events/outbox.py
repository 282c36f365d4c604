"""Writing changes to the outbox, in the transaction of the change.

An event carries what a screen needs to patch itself without asking the
server: the case's state and placement, and the names a queue row shows.

A session that wrote outbox rows is marked until its transaction ends, so
the relay is woken by those commits only (`wrote_outbox`).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from backend.models import PLACEMENT_COLUMNS, Case, Category, Grid, OutboxEvent

CASE_FIELDS = ("state", "version", "urgency", "card", "category_id", *PLACEMENT_COLUMNS)


Names = Mapping[int, tuple[str, str]]  # id -> (name, name_en)
WROTE_OUTBOX = "wrote_outbox"  # the session.info key of the mark


def wrote_outbox(session: Session) -> bool:
    """Whether the session's current transaction wrote outbox rows (asked by the relay as it commits)."""
    return session.info.get(WROTE_OUTBOX, False)


@event.listens_for(Session, "after_transaction_end")
def _forget_outbox_writes(session: Session, transaction) -> None:
    """The mark lasts until the outermost transaction ends: committed (after the relay's
    after_commit listener ran), rolled back or closed."""
    if transaction.parent is None:
        session.info.pop(WROTE_OUTBOX, None)


def _names(session: Session, ids: set[int], model) -> Names:
    ids.discard(None)
    rows = session.execute(select(model.id, model.name, model.name_en).where(model.id.in_(ids))) if ids else []
    return {row_id: (name, name_en) for row_id, name, name_en in rows}


def _payloads(cases: list[dict], categories: Names, grids: Names, action: str, at: datetime,
              actor: str) -> list[dict]:
    """`cases`: dicts with id, number, created_at and CASE_FIELDS; names by category and grid id."""
    payloads = []
    for case in cases:
        places = [grids[case[k]] for k in ("community_id", "grid_id") if case[k] in grids]
        category = categories[case["category_id"]]
        payloads.append({
            "kind": f"case.{action}", "case_id": case["id"], "number": case["number"], "at": at.isoformat(),
            "created_at": case["created_at"].isoformat(), "actor": actor, **{k: case[k] for k in CASE_FIELDS},
            "category": category[0], "category_en": category[1],
            "grid": " / ".join(p[0] for p in places), "grid_en": " / ".join(p[1] for p in places)})
    return payloads


def _row(payload: dict, at: datetime) -> dict:
    return {"created_at": at, "kind": payload["kind"], "case_id": payload["case_id"],
            "payload": json.dumps(payload, ensure_ascii=False), "published_at": None,
            **{column: payload[column] for column in PLACEMENT_COLUMNS}}


def record_case(session: Session, case: Case, action: str, at: datetime, actor: str) -> None:
    """One case changed (flushed already, so `case.version` is the new one)."""
    fields = {"id": case.id, "number": case.number, "created_at": case.created_at,
              **{k: getattr(case, k) for k in CASE_FIELDS}}
    grids = _names(session, {case.community_id, case.grid_id}, Grid)
    [payload] = _payloads([fields], _names(session, {case.category_id}, Category), grids, action, at, actor)
    session.add(OutboxEvent(**_row(payload, at)))
    session.info[WROTE_OUTBOX] = True


def new_case_rows(session: Session, cases: list[dict], categories: Names, grids: Names, at: datetime,
                  actor: str) -> list[dict]:
    """The outbox rows of cases just opened by intake (dicts and names as in `_payloads`, which intake has at
    hand), for intake to write with its own rows; the session counts as having written them."""
    session.info[WROTE_OUTBOX] = True
    return [_row(p, at) for p in _payloads(cases, categories, grids, "collect", at, actor)]
