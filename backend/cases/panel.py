"""What the dispatcher console's case panel shows beyond the case's detail: the reporter (the phone only for the
roles that need it), the case a probable duplicate points at, the departments and categories its forms offer.
Every read is scoped to the actor's grid subtree."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from backend.accounts.permissions import sees_reporter_phone
from backend.cases.workflow import Actor, load_case
from backend.models import Case, Category, Department, Report, case_id_from_number


@dataclass(frozen=True)
class Reporter:
    name: str | None
    phone: str | None  # None when the actor's role may not see it


def reporter(session: Session, actor: Actor, case_id: int) -> Reporter:
    """Who reported the case first (a merged case has several reports)."""
    case = load_case(session, actor, case_id)
    first = session.scalar(select(Report).where(Report.case_id == case.id).order_by(Report.id))
    if first is None:
        return Reporter(None, None)
    return Reporter(first.reporter_name, first.reporter_phone if sees_reporter_phone(actor.role) else None)


def case_id_by_number(session: Session, actor: Actor, number: str | None) -> int | None:
    """The id of the case with that number inside the actor's scope (None: none there)."""
    wanted = case_id_from_number(number) if number else None
    if wanted is None:
        return None
    return session.scalar(select(Case.id).where(Case.id == wanted, actor.scope.clause(Case)))


def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def minor_categories(session: Session) -> list[tuple[Category, Category]]:
    """(minor, major) pairs, by code: what a registration may reclassify to."""
    major = aliased(Category)
    return list(session.execute(select(Category, major).join(major, Category.parent_id == major.id)
                                .order_by(Category.code)).all())
