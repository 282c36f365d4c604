"""Intake: reports arrive from a channel and open cases awaiting registration.

Every channel (handheld, offline sync, hotline, SMS, Open311, simulator)
comes through `submit_reports` (or `submit_report` for one); single reports
from requests pass through `backend.cases.batcher`, which hands those arriving at
the same time to `submit_reports` together. Reports, cases
and their first history entries are written in the caller's transaction
with one statement per table for the whole batch, so a failure leaves
nothing behind. A report with a client id (a device's offline queue) is
applied once: sent again, it answers the case it opened the first time.

Staff report only inside their scope, by the rule every scoped write uses
(`Scope.covers` of the report's placement): a report by a user whose point
lies outside the user's scope is refused, and so is an unlocated one (it is
placed at the city) unless the user's scope is the city. Nothing a report is
answered names a case outside the submitter's scope: duplicates are sought
among the scope's open cases, and a resent client id whose case has left the
scope (merged elsewhere, the user moved) is refused. Reports without a
submitting user (the simulator, seeds) are the system's, placed anywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from backend.platform.bulk import insert_returning_ids, insert_rows_into
from backend.platform.config import Config
from backend.cases.duplicates import DuplicateFinder
from backend.geo.locator import GridLocator
from backend.geo.scope import Scope
from backend.events import outbox
from backend.models import (CHANNELS, PLACEMENT_COLUMNS, Case, CaseEvent, Category, OutboxEvent, Report, User,
                            case_number)

SYSTEM_ACTOR = "system"


class IntakeError(ValueError):
    """A report cannot be accepted; `field` names the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class ReportIn(BaseModel):
    """A report as any channel delivers it."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    channel: str = Field(pattern="^(" + "|".join(CHANNELS) + ")$")
    description: str = Field(min_length=1, max_length=4000)
    category_code: str = Field(min_length=1, max_length=32)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    address: str | None = Field(default=None, max_length=200)
    reporter_name: str | None = Field(default=None, max_length=100)
    reporter_phone: str | None = Field(default=None, max_length=20, pattern=r"^\+?[0-9 -]{3,20}$")
    client_id: str | None = Field(default=None, min_length=1, max_length=64,
                                  description="the device's own id for this report; resending it is harmless")

    @model_validator(mode="after")
    def _both_coordinates(self) -> "ReportIn":
        if (self.lon is None) != (self.lat is None):
            raise ValueError("give both lon and lat, or neither")
        return self


@dataclass(frozen=True)
class Submitted:
    """What became of one report: a new case, the case a resend had opened before, or a refusal."""

    status: str  # "created" | "already_applied" | "refused"
    case_id: int | None = None
    number: str | None = None
    grid_id: int | None = None
    urgency: str | None = None  # of a created case
    duplicate_of: str | None = None  # number of the open case a created one probably duplicates
    error: IntakeError | None = None


# Built once: intake runs for every report, and composing a statement costs more than running it.
_MINOR_CATEGORIES = select(Category.id, Category.code, Category.name, Category.name_en, Category.urgency,
                           Category.handling_level).where(Category.code.in_(bindparam("codes", expanding=True)),
                                                          Category.parent_id.is_not(None))


def _categories(session: Session, reports: list[ReportIn]) -> dict[str, Row]:
    codes = list({r.category_code for r in reports})
    return {c.code: c for c in session.connection().execute(_MINOR_CATEGORIES, {"codes": codes})}


def submitter_scope(session: Session, locator: GridLocator, submitted_by_id: int | None) -> Scope | None:
    """The scope a user's reports must lie in; None for the system's own (no submitting user)."""
    if submitted_by_id is None:
        return None
    return Scope.of_grid(locator.names[session.scalar(select(User.grid_id).where(User.id == submitted_by_id))])


def _resent(scope: Scope | None, row: Row) -> Submitted:
    client_id, case_id, created, *placement = row
    if scope is not None and not scope.covers(dict(zip(PLACEMENT_COLUMNS, placement))):
        return Submitted("refused", error=IntakeError(
            "client_id", f"{client_id!r} was sent before, and its case is no longer in your scope"))
    return Submitted("already_applied", case_id, case_number(created, case_id), placement[-1])


def _applied_before(session: Session, submitted_by_id: int | None, scope: Scope | None,
                    reports: list[ReportIn]) -> dict[str, Submitted]:
    """The submitter's own earlier reports with these client ids (ids are the submitter's own, not global)."""
    client_ids = {r.client_id for r in reports if r.client_id}
    if submitted_by_id is None or not client_ids:
        return {}
    rows = session.execute(select(Report.client_id, Case.id, Case.created_at,
                                  *(getattr(Case, column) for column in PLACEMENT_COLUMNS))
                           .join(Case, Case.id == Report.case_id)
                           .where(Report.submitted_by_id == submitted_by_id, Report.client_id.in_(client_ids)))
    return {row[0]: _resent(scope, row) for row in rows}


def _check(report: ReportIn, category: Row | None, grid_id: int | None, scope: Scope | None,
           locator: GridLocator) -> None:
    if category is None:
        raise IntakeError("category_code", f"{report.category_code!r} is not a minor category; "
                                           "list valid codes with GET /api/v1/categories")
    if report.lon is not None and grid_id is None:
        raise IntakeError("lon/lat", "the point lies outside the served territory")
    if scope is not None and not scope.covers(locator.placement(grid_id).columns()):
        raise IntakeError("lon/lat", "the point lies outside your scope" if grid_id is not None else
                          "a report without a location is placed at the city, outside your scope: "
                          "give lon/lat inside your scope")


def submit_reports(session: Session, reports: list[ReportIn], locator: GridLocator, now: datetime, config: Config,
                   actor_name: str = SYSTEM_ACTOR, submitted_by_id: int | None = None,
                   urgency: str | None = None) -> list[Submitted]:
    """Open a case in state `collected` for each acceptable report (flushed, not committed), with the
    category's urgency unless `urgency` is given (an emergency report from the field). A report by a user
    (`submitted_by_id`) must lie in the user's scope.

    Refused reports are answered, not raised, so one bad report in an offline
    batch does not stop the others. Reports in one batch are checked for
    duplicates against open cases, not against each other.
    """
    categories = _categories(session, reports)
    scope = submitter_scope(session, locator, submitted_by_id)
    before = _applied_before(session, submitted_by_id, scope, reports)
    located = [r for r in reports if r.lon is not None]
    grids = dict(zip(map(id, located), locator.locate_many([r.lon for r in located], [r.lat for r in located])))
    finder = DuplicateFinder(session, [(categories[r.category_code].id, r.lon, r.lat) for r in located
                                       if r.category_code in categories and grids[id(r)] is not None],
                             now, config.duplicate_radius_m, config.duplicate_window_hours, scope)
    results: list[Submitted | None] = []
    cases, accepted = [], []
    first_with_client_id: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []  # (index, index of the first report with the same client id)
    for report in reports:
        if report.client_id in before:
            results.append(before[report.client_id])
            continue
        if report.client_id in first_with_client_id:
            repeats.append((len(results), first_with_client_id[report.client_id]))
            results.append(None)
            continue
        if report.client_id is not None:
            first_with_client_id[report.client_id] = len(results)
        category, grid_id = categories.get(report.category_code), grids.get(id(report))
        try:
            _check(report, category, grid_id, scope, locator)
        except IntakeError as error:
            results.append(Submitted("refused", error=error))
            continue
        duplicate = finder.nearest(category.id, report.lon, report.lat) if grid_id else None
        cases.append({"state": "collected", "channel": report.channel, "description": report.description,
                      "category_id": category.id, "urgency": urgency or category.urgency, "lon": report.lon,
                      "lat": report.lat, "address": report.address, "created_at": now, "updated_at": now,
                      "handling_level": category.handling_level, "duplicate_of_id": duplicate, "version": 1,
                      "card": "none", "escalations": 0, **locator.placement(grid_id).columns()})
        accepted.append((len(results), report, category))
        results.append(None)
    if cases:
        connection = session.connection()
        ids = insert_returning_ids(connection, Case.__table__, cases)
        report_rows = [{"channel": report.channel, "received_at": now, "category_id": category.id,
                        "submitted_by_id": submitted_by_id, "case_id": case_id,
                        **report.model_dump(exclude={"category_code", "channel"}),
                        **{k: row[k] for k in PLACEMENT_COLUMNS}}
                       for case_id, (_, report, category), row in zip(ids, accepted, cases)]
        event_rows = [{"case_id": case_id, "at": now, "actor_name": actor_name, "action": "collect",
                       "from_state": None, "to_state": "collected", "note": report.channel}
                      for case_id, (_, report, _category) in zip(ids, accepted)]
        grid_names = {grid: (locator.names[grid].name, locator.names[grid].name_en)
                      for row in cases for grid in (row["community_id"], row["grid_id"]) if grid is not None}
        outbox_rows = outbox.new_case_rows(session, [{"id": case_id, "number": case_number(now, case_id), **row}
                                                     for case_id, row in zip(ids, cases)],
                                           {c.id: (c.name, c.name_en) for c in categories.values()}, grid_names,
                                           now, actor_name, config.timezone)
        insert_rows_into(connection, [(Report.__table__, report_rows), (CaseEvent.__table__, event_rows),
                                      (OutboxEvent.__table__, outbox_rows)])
        for case_id, (index, _, _), row in zip(ids, accepted, cases):
            duplicate = row["duplicate_of_id"]
            results[index] = Submitted("created", case_id, case_number(now, case_id), row["grid_id"], row["urgency"],
                                       finder.number(duplicate) if duplicate else None)
    for index, first in repeats:
        original = results[first]
        results[index] = replace(original, status="already_applied") if original.status == "created" else original
    return results


def submit_report(session: Session, report_in: ReportIn, locator: GridLocator, now: datetime, config: Config,
                  actor_name: str = SYSTEM_ACTOR, submitted_by_id: int | None = None) -> Case:
    """One report: its case (flushed, not committed), or IntakeError."""
    result = submit_reports(session, [report_in], locator, now, config, actor_name, submitted_by_id)[0]
    if result.error is not None:
        raise result.error
    return session.get(Case, result.case_id)
