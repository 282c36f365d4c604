"""Intake: a report arrives from a channel and opens a case awaiting registration.

Every channel (handheld, hotline, SMS, Open311, simulator) comes through
`submit_report`; the report, the case and its first history entry are
written in the caller's transaction, so a failure leaves nothing behind.
A report with a client id (a device's offline queue) is applied once: sent
again, it answers the case it opened the first time.
"""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.config import Config
from backend.duplicates import probable_duplicate
from backend.locator import GridLocator
from backend.models import CHANNELS, Case, CaseEvent, Category, Report

SYSTEM_ACTOR = "system"


class IntakeError(ValueError):
    """A report cannot be accepted; `field` names the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


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


def _already_submitted(session: Session, submitted_by_id: int | None, client_id: str | None) -> Case | None:
    if submitted_by_id is None or client_id is None:
        return None
    case_id = session.scalar(select(Report.case_id).where(Report.submitted_by_id == submitted_by_id,
                                                          Report.client_id == client_id))
    return session.get(Case, case_id) if case_id else None


def submit_report(session: Session, report_in: ReportIn, locator: GridLocator, now: datetime, config: Config,
                  actor_name: str = SYSTEM_ACTOR, submitted_by_id: int | None = None) -> Case:
    """Record the report and open its case in state `collected` (flushed, not committed)."""
    previous = _already_submitted(session, submitted_by_id, report_in.client_id)
    if previous is not None:
        return previous
    category = session.scalar(select(Category).where(Category.code == report_in.category_code,
                                                     Category.parent_id.is_not(None)))
    if category is None:
        raise IntakeError("category_code", f"{report_in.category_code!r} is not a minor category; "
                                           "list valid codes with GET /api/v1/categories")
    grid_id = None
    duplicate = None
    if report_in.lon is not None:
        grid_id = locator.locate(report_in.lon, report_in.lat)
        if grid_id is None:
            raise IntakeError("lon/lat", "the point lies outside the served territory")
        duplicate = probable_duplicate(session, category.id, report_in.lon, report_in.lat, now,
                                       config.duplicate_radius_m, config.duplicate_window_hours)
    placement = locator.placement(grid_id).columns()
    fields = report_in.model_dump(exclude={"category_code"})
    report = Report(received_at=now, category_id=category.id, submitted_by_id=submitted_by_id, **fields,
                    **placement)
    case = Case(state="collected", channel=report_in.channel, description=report_in.description,
                category_id=category.id, urgency=category.urgency, lon=report_in.lon, lat=report_in.lat,
                address=report_in.address, created_at=now, updated_at=now, handling_level=category.handling_level,
                duplicate_of_id=duplicate.id if duplicate else None, **placement)
    session.add_all([report, case])
    session.flush()
    report.case_id = case.id
    session.add(CaseEvent(case_id=case.id, at=now, actor_name=actor_name, action="collect",
                          from_state=None, to_state="collected", note=report_in.channel))
    session.flush()
    return case
