"""The domain model: grid tree, people, departments, categories, reports, cases.

Times are stored as UTC (`UTCDateTime`); geometry as GeoJSON text (RFC 7946,
lon/lat) with a bounding box in columns so maps can ask for what is in view.
Constraints live in the database: foreign keys, unique codes, and check
constraints on levels, states, roles and channels.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (Boolean, CheckConstraint, Column, DateTime, Float, ForeignKey, Index, Integer,
                        MetaData, String, Table, Text, TypeDecorator, UniqueConstraint, false, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

GRID_LEVELS = (0, 1, 2, 3)  # city, district/street, community, unit grid
ROLES = ("admin", "leader", "duty_officer", "dispatcher", "warning_officer", "grid_worker", "department_handler")
CHANNELS = ("handheld", "sms", "hotline", "web", "visit", "open311", "system")
URGENCIES = ("low", "normal", "high", "critical")
# The seven steps of DOMAIN.md §3 as states; verification is the step from
# fed_back to closed (or back to handling for rework).
CASE_STATES = ("collected", "registered", "dispatched", "handling", "fed_back", "closed", "cancelled")
OPEN_STATES = ("collected", "registered", "dispatched", "handling", "fed_back")
CARDS = ("none", "yellow", "red")
LANGUAGE_CODES = ("en", "zh_Hans")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _one_of(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class GridPlaced:
    """Where a row lies in the grid tree: its grid at each level, as far as known.

    Keeping every ancestor on the row makes a scope check one indexed equality
    (`Scope.clause`) and a per-district count one GROUP BY. A report that could
    not be located is placed at the city only, so only city-wide users see it.
    """

    city_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)  # the unit grid


PLACEMENT_COLUMNS = ("city_id", "district_id", "community_id", "grid_id")  # by grid level 0-3


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


person_grid = Table(
    "person_grid", Base.metadata,
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
    Column("grid_id", ForeignKey("grid.id", ondelete="CASCADE"), primary_key=True, index=True),
)

work_team_member = Table(
    "work_team_member", Base.metadata,
    Column("team_id", ForeignKey("work_team.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Grid(Base):
    __tablename__ = "grid"
    __table_args__ = (CheckConstraint(_one_of("level", GRID_LEVELS), name="level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Hierarchical code: the parent's code plus "-NNN"; a subtree is the grid
    # itself plus every code that starts with "<code>-".
    code: Mapped[str] = mapped_column(String(64), unique=True)
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON Polygon
    centroid_lon: Mapped[float] = mapped_column(Float)
    centroid_lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    rural: Mapped[bool] = mapped_column(Boolean, default=False)
    population: Mapped[int] = mapped_column(Integer, default=0)
    households: Mapped[int] = mapped_column(Integer, default=0)
    places: Mapped[int] = mapped_column(Integer, default=0)
    organisations: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Grid | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Grid]] = relationship(back_populates="parent")
    persons: Mapped[list[Person]] = relationship(secondary=person_grid, back_populates="grids")


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    categories: Mapped[list[Category]] = relationship(back_populates="department")
    persons: Mapped[list[Person]] = relationship(back_populates="department")


class Person(Base):
    """A responsible person; one person may serve several grids ("sinking" staff)."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20))
    position: Mapped[str] = mapped_column(String(50))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)

    grids: Mapped[list[Grid]] = relationship(secondary=person_grid, back_populates="persons")
    department: Mapped[Department | None] = relationship(back_populates="persons")


class WorkTeam(Base):
    """A logical grid: a task force or a department's patch, with members."""

    __tablename__ = "work_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))

    members: Mapped[list[Person]] = relationship(secondary=work_team_member)


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


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(_one_of("role", ROLES), name="role"),
        CheckConstraint(_one_of("language", LANGUAGE_CODES), name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))  # the root of the user's scope
    language: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    grid: Mapped[Grid] = relationship()
    person: Mapped[Person | None] = relationship()


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


class Case(GridPlaced, Base):
    __tablename__ = "case_file"
    __table_args__ = (
        CheckConstraint(_one_of("state", CASE_STATES), name="state"),
        CheckConstraint(_one_of("urgency", URGENCIES), name="urgency"),
        CheckConstraint(_one_of("card", CARDS), name="card"),
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        # Duplicate search: recent cases of one category near a point (backend.duplicates).
        Index("ix_case_file_category_created_place", "category_id", "created_at", "lon", "lat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
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


def case_number(created_at: datetime, case_id: int) -> str:
    return f"{created_at:%Y%m%d}-{case_id:06d}"


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


class OutboxEvent(GridPlaced, Base):
    """A change to publish, written in the same transaction as the change itself.

    The relay (backend.events.relay) publishes unpublished rows in id order and
    marks them; a rolled-back change leaves no row, so nothing is published.
    """

    __tablename__ = "outbox_event"
    __table_args__ = (
        # What is left to publish (the relay, every few ms) apart from what is published (the stream's catch-up).
        Index("ix_outbox_event_unpublished", "id", postgresql_where=text("published_at IS NULL"),
              sqlite_where=text("published_at IS NULL")),
        Index("ix_outbox_event_published_at", "published_at", postgresql_where=text("published_at IS NOT NULL"),
              sqlite_where=text("published_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "case.collect", "case.dispatch"
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    payload: Mapped[str] = mapped_column(Text)  # JSON
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # NULL until the relay has published the row


class ApiToken(Base):
    """A bearer token for devices and other systems (also Open311's api_key); acts as its user."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
