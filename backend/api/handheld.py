"""The grid worker's handheld: my tasks and patrol check-ins (reports and actions use the common endpoints)."""
from __future__ import annotations

import logging

from sqlalchemy import ColumnElement, and_, false, or_

from dashboard import context
from backend.cases.queries import page
from backend.api.errors import ApiError
from backend.api.registry import endpoint
from backend.api.schemas import PatrolIn, PatrolOut
from backend.cases.schemas import CasePage, GridRef, Paging
from backend.models import OPEN_STATES, Case, Grid, PatrolCheckIn
from backend.cases.workflow import Actor

log = logging.getLogger("backend.api.patrol")


def _mine(actor: Actor) -> ColumnElement[bool]:
    """Cases the actor may act on as assignee: theirs, or their department's when no person has it."""
    clauses = []
    if actor.person_id is not None:
        clauses.append(Case.assignee_person_id == actor.person_id)
    if actor.department_id is not None:
        clauses.append(and_(Case.assignee_department_id == actor.department_id, Case.assignee_person_id.is_(None)))
    return or_(*clauses) if clauses else false()


@endpoint("GET", "/me/tasks", tag="handheld", response=CasePage, query=Paging)
def my_tasks(query: Paging) -> CasePage:
    """My open tasks: cases assigned to me, or to my department; nearest deadline first."""
    actor = context.actor()
    clauses = [Case.state.in_(OPEN_STATES), _mine(actor)]
    with context.session() as session:
        return page(session, actor.scope, clauses, [Case.deadline.asc().nulls_last(), Case.id], query.limit, query.offset)


@endpoint("POST", "/patrols", tag="handheld", response=PatrolOut, status=201, body=PatrolIn)
def check_in(body: PatrolIn) -> PatrolOut:
    """Patrol check-in: records that I was here, and answers the grid the point lies in."""
    actor, locator, now = context.actor(), context.locator(), context.now()
    placement = locator.placement(locator.locate(body.lon, body.lat))
    if placement.grid_id is None or not actor.scope.covers(placement.columns()):
        raise ApiError(422, "invalid", "lon/lat: the point lies outside your scope",
                       errors=[{"field": "lon/lat", "message": "outside your scope", "type": "scope"}])
    with context.session() as session:
        session.add(PatrolCheckIn(user_id=actor.user_id, person_id=actor.person_id, at=now, lon=body.lon,
                                  lat=body.lat, note=body.note, **placement.columns()))
        session.commit()
        grid = session.get(Grid, placement.grid_id)
        log.info("patrol check-in user=%s grid=%s", actor.user_id, grid.code)
        return PatrolOut(grid=GridRef.model_validate(grid), at=now, lon=body.lon, lat=body.lat)
