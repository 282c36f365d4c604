"""What the dispatcher console's case panel shows beyond the case's detail: the reporter (the phone only for the
roles that need it), the case a probable duplicate points at, the departments and categories its forms offer.
Every read is scoped to the actor's grid subtree."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from backend.accounts.permissions import sees_reporter_phone
from backend.cases.workflow import Actor, load_case
from backend.geo.grids import bounds, feature
from backend.indicators.definitions import OPEN
from backend.models import Case, Category, Department, Grid, Report, case_id_from_number


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


@dataclass(frozen=True)
class Place:
    """The case's unit grid (a GeoJSON Feature and its bounds) and the open cases near it, for the small map."""
    grid: dict | None
    bounds: list[list[float]] | None
    nearby: list[dict]


# About a kilometre around the case (in degrees of latitude; longitude is close enough at these latitudes).
NEARBY_DEGREES = 0.01
NEARBY_LIMIT = 20


def place(session: Session, actor: Actor, case_id: int) -> Place:
    """Where the case is: its unit grid and the other open cases of the actor's scope within about a kilometre."""
    case = load_case(session, actor, case_id)
    grid = session.get(Grid, case.grid_id) if case.grid_id is not None else None
    nearby: list[dict] = []
    if case.lon is not None and case.lat is not None:
        rows = session.execute(select(Case.id, Case.lon, Case.lat, Case.state).where(
            actor.scope.clause(Case), Case.id != case.id, OPEN.clause(None),
            Case.lon.between(case.lon - NEARBY_DEGREES, case.lon + NEARBY_DEGREES),
            Case.lat.between(case.lat - NEARBY_DEGREES, case.lat + NEARBY_DEGREES)).limit(NEARBY_LIMIT))
        nearby = [{"id": row.id, "lon": row.lon, "lat": row.lat, "state": row.state} for row in rows]
    if grid is not None:
        return Place(feature(grid, 0), bounds(grid), nearby)
    if case.lon is not None and case.lat is not None:
        d = NEARBY_DEGREES
        return Place(None, [[case.lat - d, case.lon - d], [case.lat + d, case.lon + d]], nearby)
    return Place(None, None, nearby)
