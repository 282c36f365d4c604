"""Cases as the API shows them: one query shape for lists and details (callers add the scope)."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.orm import Session, aliased, defer

from backend.api.schemas import (AttachmentOut, CaseDetail, CasePage, CaseSummary, CategoryRef, EventOut,
                                 GridRef)
from backend.models import Attachment, Case, CaseEvent, Category, Grid, case_number
from backend.cases.routing import propose_assignees
from backend.cases.workflow import Actor, allowed_actions, load_case

_unit = aliased(Grid)
_duplicate = aliased(Case)
_merged = aliased(Case)


def _summaries() -> Select:
    """Cases with what a summary shows besides their own columns; the caller adds scope and filters."""
    return (select(Case, Category, _unit, _duplicate.created_at, _merged.created_at)
            .join(Category, Case.category_id == Category.id)
            .outerjoin(_unit, Case.grid_id == _unit.id)
            .outerjoin(_duplicate, Case.duplicate_of_id == _duplicate.id)
            .outerjoin(_merged, Case.merged_into_id == _merged.id)
            .options(defer(_unit.geometry)))


def _number(created_at: datetime | None, case_id: int | None) -> str | None:
    return case_number(created_at, case_id) if created_at is not None else None


def _summary(row: Row) -> CaseSummary:
    case, category, grid, duplicate_at, merged_at = row
    return CaseSummary.of(case, category=CategoryRef.model_validate(category),
                          grid=GridRef.model_validate(grid) if grid else None,
                          duplicate_of=_number(duplicate_at, case.duplicate_of_id),
                          merged_into=_number(merged_at, case.merged_into_id))


def summary(session: Session, case_id: int) -> CaseSummary:
    """One case's summary, read with the same query shape as a page of them."""
    return _summary(session.execute(_summaries().where(Case.id == case_id)).one())


def page(session: Session, clauses: list[ColumnElement[bool]], order: list, limit: int, offset: int) -> CasePage:
    """One page of case summaries matching `clauses`, with the total count."""
    total = session.scalar(select(func.count()).select_from(Case).where(*clauses))
    rows = session.execute(_summaries().where(*clauses).order_by(*order, Case.id).limit(limit).offset(offset))
    return CasePage(items=[_summary(row) for row in rows], total=total, limit=limit, offset=offset)


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut.of(attachment, url=f"/api/v1/attachments/{attachment.id}")


def _event_out(event: CaseEvent) -> EventOut:
    return EventOut.of(event, detail=json.loads(event.detail) if event.detail else None)


def detail(session: Session, actor: Actor, case_id: int) -> CaseDetail:
    """The case with its history, what the actor may do now, who should handle it and its photos."""
    case = load_case(session, actor, case_id)
    head = _summary(session.execute(_summaries().where(Case.id == case.id)).one())
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
    attachments = session.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id))
    proposals = propose_assignees(session, case) if case.state == "registered" else []
    return CaseDetail(**head.model_dump(), events=[_event_out(e) for e in events],
                      allowed_actions=allowed_actions(case, actor),
                      proposals=proposals,
                      attachments=[attachment_out(a) for a in attachments])
