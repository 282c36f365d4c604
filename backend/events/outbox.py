"""Writing events to the outbox, in the transaction of the change.

`record` writes any event (backend.events.types); `record_case` builds a case's and records it, and
`new_case_rows` gives intake the rows of the cases it opens, to write in bulk with its own.

A session that wrote outbox rows is marked until its transaction ends, so
the relay is woken by those commits only (`wrote_outbox`).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from backend.events.types import CaseFacts, Names, StreamEvent, case_changed
from backend.indicators.definitions import Day
from backend.models import Case, Category, Grid, OutboxEvent

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


def _row(event: StreamEvent) -> dict:
    # Left unset, the stream fields stay out: the relay adds `outbox_id`, the bus the `id`.
    return {"created_at": event.at, "kind": event.kind, "case_id": getattr(event, "case_id", None),
            "payload": event.model_dump_json(exclude_unset=True), "published_at": None, **event.placement()}


def record(session: Session, event: StreamEvent) -> None:
    """Any event, to be published once the transaction commits."""
    session.add(OutboxEvent(**_row(event)))
    session.info[WROTE_OUTBOX] = True


def _names(session: Session, ids: set[int], model) -> Mapping[int, Names]:
    ids.discard(None)
    rows = session.execute(select(model.id, model.name, model.name_en).where(model.id.in_(ids))) if ids else []
    return {row_id: (name, name_en) for row_id, name, name_en in rows}


def record_case(session: Session, case: Case, action: str, before: CaseFacts, at: datetime, actor: str,
                tz: str) -> None:
    """One case changed from `before` (flushed already, so `case.version` is the new one)."""
    grids = _names(session, {case.community_id, case.grid_id}, Grid)
    [category] = _names(session, {case.category_id}, Category).values()
    record(session, case_changed(case, action, before, CaseFacts.of(case), category, grids, at, actor,
                                 Day.of(at, tz)))


def new_case_rows(session: Session, cases: list[dict], categories: Mapping[int, Names], grids: Mapping[int, Names],
                  at: datetime, actor: str, tz: str) -> list[dict]:
    """The outbox rows of cases just opened by intake (dicts of their columns with id and number; names by
    category and grid id, which intake has at hand), for intake to write with its own rows; the session
    counts as having written them."""
    session.info[WROTE_OUTBOX] = True
    day = Day.of(at, tz)
    facts: dict[str, CaseFacts] = {}  # by urgency: cases opened together differ in nothing else the facts hold
    for case in cases:
        if case["urgency"] not in facts:
            facts[case["urgency"]] = CaseFacts.of(case)
    return [_row(case_changed(case, "collect", None, facts[case["urgency"]], categories[case["category_id"]], grids,
                              at, actor, day))
            for case in cases]
