"""The audit log for administrators: read a page of it, or export a range as CSV. Never changed.

There is no endpoint that updates or deletes an entry, and on PostgreSQL the table refuses both (migration
0009). An export is itself recorded (`audit.export`): who took a copy of the log, of what.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timezone

from flask import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from dashboard import context
from backend.accounts import audit
from backend.accounts.permissions import may
from backend.api.errors import ApiError
from backend.api.registry import endpoint
from backend.cases.schemas import Page, Paging
from backend.models import AuditEntry, User
from backend.platform.schemas import Model, UtcDateTime

EXPORT_BATCH = 1000  # rows read per query of an export: memory stays flat however long the range
COLUMNS = ("id", "at", "actor_name", "actor_username", "actor_user_id", "address", "action", "target", "detail")
# A cell a spreadsheet would take for a formula (a typed user name of a failed sign-in is anyone's text).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class AuditFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: UtcDateTime | None = Field(default=None, description="from this time on (ISO 8601; without a zone, UTC)")
    until: UtcDateTime | None = Field(default=None, description="before this time (exclusive)")
    actor: str | None = Field(default=None, min_length=1, max_length=100, description=(
        "the actor's username (or the name typed at a failed sign-in)"))
    action: str | None = Field(default=None, min_length=1, max_length=48, description=(
        "e.g. `case.dispatch`, `sign_in_failed`; a trailing `*` matches a prefix: `case.*`"))
    target: str | None = Field(default=None, min_length=1, max_length=100, description="e.g. `case:123`, `user:alice`")


class AuditQuery(AuditFilter, Paging):
    pass


class AuditOut(Model):
    id: int
    at: UtcDateTime
    actor_name: str
    actor_username: str | None = Field(description="the account that acted (null: the system, or a failed sign-in)")
    actor_user_id: int | None
    address: str | None = Field(description="where the request came from")
    action: str
    target: str | None
    detail: dict | None


class AuditPage(Page):
    items: list[AuditOut] = Field(description="newest first")


def _require_reader() -> None:
    """The log spans every grid (sign-ins name no grid), so only a city-wide administrator reads it."""
    actor = context.actor()
    if not may(actor.role, "read_audit") or actor.scope.level != 0:
        raise ApiError(403, "forbidden", "the audit log is for the city's administrators")


def _clauses(where: AuditFilter) -> list[ColumnElement[bool]]:
    clauses = []
    if where.since is not None:
        clauses.append(AuditEntry.at >= where.since)
    if where.until is not None:
        clauses.append(AuditEntry.at < where.until)
    if where.actor is not None:
        clauses.append(or_(User.username == where.actor, AuditEntry.actor_name == where.actor))
    if where.action is not None:
        prefix = where.action.removesuffix("*")
        clauses.append(AuditEntry.action.startswith(prefix, autoescape=True) if prefix != where.action
                       else AuditEntry.action == where.action)
    if where.target is not None:
        clauses.append(AuditEntry.target == where.target)
    return clauses


def _entries(where: AuditFilter) -> Select:
    """Entries with their actor's username, newest first."""
    return (select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.actor_user_id)
            .where(*_clauses(where)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))


def _out(entry: AuditEntry, username: str | None) -> AuditOut:
    return AuditOut.of(entry, actor_username=username, detail=json.loads(entry.detail) if entry.detail else None)


@endpoint("GET", "/audit", tag="audit", response=AuditPage, query=AuditQuery, errors=(403,))
def read_audit(query: AuditQuery) -> AuditPage:
    """The audit log, newest first: filter by time, actor, action and target (administrators only)."""
    _require_reader()
    with context.session() as session:
        entries = _entries(query)
        total = session.scalar(select(func.count()).select_from(entries.order_by(None).subquery()))
        rows = session.execute(entries.limit(query.limit).offset(query.offset)).all()
    return AuditPage(total=total, limit=query.limit, offset=query.offset, items=[_out(*row) for row in rows])


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _after(at: datetime, entry_id: int) -> ColumnElement[bool]:
    """Past the entry (at, entry_id) in the export's order (time, then id, both descending)."""
    return or_(AuditEntry.at < at, and_(AuditEntry.at == at, AuditEntry.id < entry_id))


def _csv_lines(sessions: sessionmaker[Session], where: AuditFilter) -> Iterator[str]:
    """The header, then batches of rows; each batch read in a short transaction of its own, from where the
    last one ended, so an export of years neither holds a transaction open nor the whole range in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield "\ufeff" + buffer.getvalue()  # the BOM: spreadsheets then read the Chinese names as UTF-8
    last = None
    while True:
        with sessions() as session:
            rows = session.execute(_entries(where).where(*([_after(*last)] if last else []))
                                   .limit(EXPORT_BATCH)).all()
        if not rows:
            return
        buffer.seek(0)
        buffer.truncate()
        for entry, username in rows:
            values = _out(entry, username).model_dump(mode="json") | {"detail": entry.detail}
            writer.writerow([_cell(values[column]) for column in COLUMNS])
        yield buffer.getvalue()
        last = rows[-1][0].at, rows[-1][0].id


@endpoint("GET", "/audit.csv", tag="audit", response=None, query=AuditFilter, errors=(403,), files=("text/csv",))
def export_audit(query: AuditFilter) -> Response:
    """The audit log as CSV, newest first, with the same filters (administrators only; streamed)."""
    _require_reader()
    actor, now = context.actor(), context.now()
    with context.session() as session:
        audit.record(session, at=now, action="audit.export", actor_name=actor.name, actor_user_id=actor.user_id,
                     address=actor.address, detail=query.model_dump(mode="json", exclude_none=True))
        session.commit()
    filename = f"audit-{now.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}.csv"
    return Response(_csv_lines(context.centre().sessions, query), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
