"""Case reads shared by the REST API and the screens, always inside a scope: the queue's filters and order,
pages and summaries of cases, one case's detail, and the newest cases for the wall."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Row, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased, defer

from backend.cases.routing import propose_assignees
from backend.cases.schemas import (AttachmentOut, CaseDetail, CasePage, CaseQuery, CaseSummary, CategoryRef, EventOut,
                                   GridRef)
from backend.cases.workflow import Actor, allowed_actions, load_case
from backend.geo.grids import scoped_grid
from backend.geo.scope import Scope
from backend.models import (OPEN_STATES, PLACEMENT_COLUMNS, Attachment, Case, CaseEvent, Category, Grid, Report,
                            case_number, case_number_day)
from backend.platform.db import rare
from backend.platform.schemas import MAX_ID

_SORTS = {"created_at": Case.created_at, "deadline": Case.deadline, "updated_at": Case.updated_at}


def _category_clause(session: Session, code: str) -> ColumnElement[bool]:
    """A minor category, or every minor category of a major one. The ids are read first: `category_id IN
    (SELECT ...)` kept PostgreSQL from reading a minor category's cases newest first from its index."""
    major = select(Category.id).where(Category.code == code).scalar_subquery()
    ids = session.scalars(select(Category.id).where(or_(Category.code == code, Category.parent_id == major))).all()
    return Case.category_id.in_(ids)


# Words are searched in the cases of the last WORDS_DAYS before the newest one in scope (or from the query's
# `created_from`): `LIKE '%words%'` reads every case it searches, and a million took PostgreSQL seconds; a
# month of a large city (80,000 cases) still took SQLite 400 ms when the words are common, as counting them
# reads the whole window. A week is about 19,000 cases. Case numbers and days are found through indexes at
# any age.
WORDS_DAYS = 7


def _number_clause(text: str) -> ColumnElement[bool] | None:
    """A case number (its id, on the day it names) or the day a number begins with ('20261126'), else None."""
    day, _dash, digits = text.partition("-")
    span = case_number_day(day) if len(day) == 8 and day.isascii() and day.isdigit() else None
    if span is None or (digits and not (digits.isascii() and digits.isdigit())):
        return None
    in_day = and_(Case.created_at >= span[0], Case.created_at < span[1])
    if not digits:
        return in_day
    case_id = int(digits)
    return and_(Case.id == case_id, in_day) if case_id <= MAX_ID else false()


def _words_clause(session: Session, scope: Scope, text: str, since: datetime | None) -> ColumnElement[bool]:
    """Words of the description or the address, or a reporter's phone number, among recent cases."""
    words = text.lower()
    clauses = [func.lower(Case.description).contains(words, autoescape=True),
               func.lower(Case.address).contains(words, autoescape=True)]
    digits = text.replace(" ", "")
    if since is None:
        newest = session.scalar(select(func.max(Case.created_at)).where(scope.clause(Case)))
        if newest is None:
            return false()
        since = newest - timedelta(days=WORDS_DAYS)
    if digits.isdigit() and len(digits) >= 4:  # the window's reports read once, not a lookup per case
        clauses.append(Case.id.in_(select(Report.case_id).where(
            Report.received_at >= since, Report.reporter_phone.contains(digits, autoescape=True))))
    return and_(or_(*clauses), Case.created_at >= since)


def _text_clause(session: Session, scope: Scope, text: str, since: datetime | None) -> ColumnElement[bool]:
    text = text.strip()
    number = _number_clause(text)
    return number if number is not None else _words_clause(session, scope, text, since)


_OPEN = Case.state.in_(OPEN_STATES)
# The dispatcher console's tabs, in order: what each holds (the REST API's `tab` too); all but the last hold
# open cases only.
QUEUE_TABS: dict[str, ColumnElement[bool]] = {
    "to_register": rare(Case.state == "collected"),
    "to_dispatch": rare(Case.state == "registered"),
    "in_handling": rare(Case.state.in_(("dispatched", "handling"))),
    "to_verify": rare(Case.state == "fed_back"),
    "overdue": and_(rare(_OPEN), Case.card == "red"),
    "supervised": and_(rare(_OPEN), Case.supervised),
    "all": true(),
}


# An exact count(*) reads every match: the whole queue of a million cases took PostgreSQL about 4 s. Counts stop
# one past this many, and the screens say "10,000+" (CasePage.total_exact is false); nobody pages that far.
TOTAL_CAP = 10_000


def _capped_count(clauses: list[ColumnElement[bool]]) -> Select:
    """How many cases match, counted up to TOTAL_CAP + 1."""
    return select(func.count()).select_from(select(Case.id).where(*clauses).limit(TOTAL_CAP + 1).subquery())


def tab_counts(session: Session, scope: Scope, clauses: list[ColumnElement[bool]]) -> dict[str, int]:
    """How many cases in scope matching `clauses` each tab holds (above TOTAL_CAP: more than that), in one
    query."""
    row = session.execute(select(*(_capped_count([scope.clause(Case), *clauses, tab]).scalar_subquery()
                                   for tab in QUEUE_TABS.values()))).one()
    return dict(zip(QUEUE_TABS, row))


def filters(session: Session, scope: Scope, query: CaseQuery) -> list[ColumnElement[bool]]:
    """The clauses of a queue query (`page` adds the scope's own); OutOfScope for a grid outside the scope."""
    clauses = [QUEUE_TABS[query.tab]] if query.tab else []
    if query.state:
        clauses.append(Case.state.in_(query.state))
    if query.category_code:
        clauses.append(_category_clause(session, query.category_code))
    if query.grid_id is not None:
        grid = scoped_grid(session, scope, query.grid_id)
        clauses.append(getattr(Case, PLACEMENT_COLUMNS[grid.level]) == grid.id)
    for column, value in ((Case.urgency, query.urgency), (Case.card, query.card), (Case.channel, query.channel)):
        if value is not None:
            clauses.append(column == value)
    if query.created_from is not None:
        clauses.append(Case.created_at >= query.created_from)
    if query.created_to is not None:
        clauses.append(Case.created_at < query.created_to)
    if query.q:
        clauses.append(_text_clause(session, scope, query.q, query.created_from))
    return clauses


def order(sort: str) -> list:
    """The sort, then the id in the same direction (ties in the order an index of (column, created_at) holds
    them on SQLite). NULLS LAST only where a column may be null: on PostgreSQL it keeps a descending read of
    the plain index from giving the order, and every page then sorts every match."""
    column = _SORTS[sort.lstrip("-")]
    descending = sort.startswith("-")
    ordered = column.desc() if descending else column.asc()
    return [ordered.nulls_last() if column.nullable else ordered, Case.id.desc() if descending else Case.id.asc()]


def queue(session: Session, scope: Scope, query: CaseQuery) -> CasePage:
    """One page of the cases in scope that match the query, in its order."""
    return page(session, scope, filters(session, scope, query), order(query.sort), query.limit, query.offset)


_unit = aliased(Grid)
_duplicate = aliased(Case)
_merged = aliased(Case)


def _summaries(scope: Scope) -> Select:
    """Cases with what a summary shows besides their own columns; the caller adds scope and filters. The case
    it duplicates or was merged into is named only when it lies in `scope` too."""
    return (select(Case, Category, _unit, _duplicate.created_at, _merged.created_at)
            .join(Category, Case.category_id == Category.id)
            .outerjoin(_unit, Case.grid_id == _unit.id)
            .outerjoin(_duplicate, and_(Case.duplicate_of_id == _duplicate.id, scope.clause(_duplicate)))
            .outerjoin(_merged, and_(Case.merged_into_id == _merged.id, scope.clause(_merged)))
            .options(defer(_unit.geometry)))


def _number(created_at: datetime | None, case_id: int | None) -> str | None:
    return case_number(created_at, case_id) if created_at is not None else None


def _summary(row: Row) -> CaseSummary:
    case, category, grid, duplicate_at, merged_at = row
    return CaseSummary.of(case, category=CategoryRef.model_validate(category),
                          grid=GridRef.model_validate(grid) if grid else None,
                          duplicate_of=_number(duplicate_at, case.duplicate_of_id),
                          merged_into=_number(merged_at, case.merged_into_id))


def summary(session: Session, scope: Scope, case_id: int) -> CaseSummary:
    """One case in scope, read with the same query shape as a page of them."""
    return _summary(session.execute(_summaries(scope).where(Case.id == case_id, scope.clause(Case))).one())


def page(session: Session, scope: Scope, clauses: list[ColumnElement[bool]], order: list, limit: int,
         offset: int) -> CasePage:
    """One page of the case summaries in scope matching `clauses`, in `order` (which ends with a unique column,
    so pages do not overlap), with the total count up to TOTAL_CAP."""
    clauses = [scope.clause(Case), *clauses]
    rows = session.execute(_summaries(scope).where(*clauses).order_by(*order).limit(limit).offset(offset))
    items = [_summary(row) for row in rows]
    # A short page that holds something ends the list: its end is the total, with no second read of every match
    # (a search that finds a few cases reads the whole window once, not twice).
    short = len(items) < limit and (items or offset == 0)
    total = offset + len(items) if short else session.scalar(_capped_count(clauses))
    return CasePage(items=items, total=min(total, TOTAL_CAP), total_exact=total <= TOTAL_CAP, limit=limit,
                    offset=offset)


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut.of(attachment, url=f"/api/v1/attachments/{attachment.id}")


def _event_out(event: CaseEvent) -> EventOut:
    return EventOut.of(event, detail=json.loads(event.detail) if event.detail else None)


def detail(session: Session, actor: Actor, case_id: int) -> CaseDetail:
    """The case with its history, what the actor may do now, who should handle it and its photos."""
    case = load_case(session, actor, case_id)
    head = summary(session, actor.scope, case.id)
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
    attachments = session.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id))
    proposals = propose_assignees(session, case, actor.scope) if case.state == "registered" else []
    return CaseDetail(**head.model_dump(), events=[_event_out(e) for e in events],
                      allowed_actions=allowed_actions(case, actor),
                      proposals=proposals,
                      attachments=[attachment_out(a) for a in attachments])


def latest_cases(session: Session, scope: Scope, limit: int = 50) -> list[dict]:
    """The newest cases in scope, with the names a table shows (both languages)."""
    unit = aliased(Grid)
    community = aliased(Grid)
    rows = session.execute(
        select(Case, Category.name, Category.name_en, unit.name, unit.name_en, community.name, community.name_en)
        .join(Category, Case.category_id == Category.id)
        .outerjoin(unit, Case.grid_id == unit.id)
        .outerjoin(community, Case.community_id == community.id)
        .where(scope.clause(Case))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit))
    return [
        {"id": case.id, "number": case.number, "created_at": case.created_at, "state": case.state,
         "urgency": case.urgency, "card": case.card, "channel": case.channel, "description": case.description,
         "category": category, "category_en": category_en,
         "grid": " / ".join(n for n in (community_name, unit_name) if n),
         "grid_en": " / ".join(n for n in (community_en, unit_en) if n)}
        for case, category, category_en, unit_name, unit_en, community_name, community_en in rows
    ]
