"""Cases and what they are made of: categories, reports, the append-only history, photos, patrols."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from typing import TYPE_CHECKING

from sqlalchemy import (Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        false, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import CARDS, CASE_STATES, CHANNELS, OPEN_STATES, URGENCIES, Base, GridPlaced, UTCDateTime, _one_of

if TYPE_CHECKING:  # relationships name them; SQLAlchemy resolves them by name
    from backend.models.territory import Department, Grid

class Category(Base):
    """Two levels: a major category (no parent) and its minor categories."""

    __tablename__ = "category"
    __table_args__ = (
        CheckConstraint("handling_level BETWEEN 0 AND 3", name="handling_level"),
        CheckConstraint(_one_of("urgency", URGENCIES), name="urgency"),
        CheckConstraint("time_limit_hours IS NULL OR time_limit_hours > 0", name="time_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    handling_level: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    time_limit_hours: Mapped[float | None] = mapped_column(Float)
    urgency: Mapped[str] = mapped_column(String(10), default="normal")

    parent: Mapped[Category | None] = relationship(remote_side=[id])
    department: Mapped[Department | None] = relationship(back_populates="categories")



class Report(GridPlaced, Base):
    """One raw intake from a channel; registration turns it into (or merges it into) a case."""

    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        # A device's offline queue resends reports; its own id makes each count once.
        UniqueConstraint("submitted_by_id", "client_id", name="uq_report_client"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reporter_name: Mapped[str | None] = mapped_column(String(100))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    client_id: Mapped[str | None] = mapped_column(String(64))

    grid: Mapped[Grid | None] = relationship(foreign_keys="Report.grid_id")
    category: Mapped[Category | None] = relationship()


OPEN_CASES = text("state IN (" + ", ".join(f"'{state}'" for state in OPEN_STATES) + ")")
QUEUE_INDEXED = ("state", "district_id", "community_id", "urgency", "card", "channel")  # migration 0011


class Case(GridPlaced, Base):
    __tablename__ = "case_file"
    __table_args__ = (
        CheckConstraint(_one_of("state", CASE_STATES), name="state"),
        CheckConstraint(_one_of("urgency", URGENCIES), name="urgency"),
        CheckConstraint(_one_of("card", CARDS), name="card"),
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        # Duplicate search: recent cases of one category near a point (backend.cases.duplicates).
        Index("ix_case_file_category_created_place", "category_id", "created_at", "lon", "lat"),
        # The queue: each filter's column, then the newest first, so a page of 100 reads 100 index entries
        # instead of sorting every match (a million cases: seconds). The category filter uses the index above;
        # the city's own scope (city_id) matches every case, so the plain created_at index serves it.
        *(Index(f"ix_case_file_{column}_created", column, "created_at")
          for column in QUEUE_INDEXED),
        # A tab of open cases by deadline: along the whole deadline index PostgreSQL met the open cases last
        # (their deadlines are the latest) and read 900,000 closed ones first.
        Index("ix_case_file_open_deadline", "deadline", postgresql_where=OPEN_CASES, sqlite_where=OPEN_CASES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # indexed with created_at (QUEUE_INDEXED)
    channel: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    urgency: Mapped[str] = mapped_column(String(10))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    handling_level: Mapped[int] = mapped_column(Integer)
    assignee_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    assignee_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    card: Mapped[str] = mapped_column(String(8), default="none")
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    postpone_requested_hours: Mapped[float | None] = mapped_column(Float)
    # A probable duplicate found at intake, and the case this one was merged into.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))
    # Optimistic lock: every UPDATE checks it, so of two concurrent actions exactly one wins.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    grid: Mapped[Grid | None] = relationship(foreign_keys="Case.grid_id")
    category: Mapped[Category] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")

    @property
    def number(self) -> str:
        """Readable over the phone: the day it was opened, then its id (20261126-000123)."""
        return case_number(self.created_at, self.id)


# The day in a case number is the local day it was opened, in the city's time zone (Config.timezone): the
# server sets it at start (`number_cases_in`); a number never changes once told, so every process uses the same.
_number_zone = [ZoneInfo("Asia/Shanghai")]


def number_cases_in(timezone: str) -> None:
    _number_zone[0] = ZoneInfo(timezone)


def case_number(created_at: datetime, case_id: int) -> str:
    return f"{created_at.astimezone(_number_zone[0]):%Y%m%d}-{case_id:06d}"


def case_number_day(day: str) -> tuple[datetime, datetime] | None:
    """The UTC span of the local day a case number starts with ('20261126'), or None if it is not a day."""
    try:
        start = datetime.strptime(day, "%Y%m%d").replace(tzinfo=_number_zone[0])
    except ValueError:
        return None
    return start.astimezone(ZoneInfo("UTC")), (start + timedelta(days=1)).astimezone(ZoneInfo("UTC"))


def case_id_from_number(number: str) -> int | None:
    """The case id in a case number, or None if it is not one (the day is checked by the caller)."""
    day, _, digits = number.strip().partition("-")
    return int(digits) if len(day) == 8 and day.isdigit() and digits.isdigit() else None


class CaseEvent(Base):
    """Append-only history of a case: who did what, when, with which note."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)  # the action's parameters, as JSON

    case: Mapped[Case] = relationship(back_populates="events")


class Attachment(Base):
    """A photo sent with a report or a feedback; the file lives on disk under UPLOAD_DIR."""

    __tablename__ = "attachment"
    __table_args__ = (
        # Uploads never attached to a case, oldest first: what the daily clean-up removes.
        Index("ix_attachment_unattached", "uploaded_at", postgresql_where=text("case_id IS NULL"),
              sqlite_where=text("case_id IS NULL")),
        # A user's uploads of a day: what the upload quota sums.
        Index("ix_attachment_uploader_day", "uploaded_by_id", "uploaded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_event.id"))
    path: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PatrolCheckIn(GridPlaced, Base):
    """A grid worker was here: patrol coverage and self-discovered cases are assessed from these."""

    __tablename__ = "patrol_check_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
