"""What every table shares: the declarative base, UTC times, placement in the grid tree, and the
vocabularies that check constraints use."""
from __future__ import annotations

from datetime import timezone

from sqlalchemy import DateTime, ForeignKey, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

GRID_LEVELS = (0, 1, 2, 3)  # city, district/street, community, unit grid
CHANNELS = ("handheld", "sms", "hotline", "web", "visit", "open311", "system")
URGENCIES = ("low", "normal", "high", "critical")
# The seven steps of DOMAIN.md §3 as states; verification is the step from
# fed_back to closed (or back to handling for rework).
CASE_STATES = ("collected", "registered", "dispatched", "handling", "fed_back", "closed", "cancelled")
OPEN_STATES = ("collected", "registered", "dispatched", "handling", "fed_back")
CARDS = ("none", "yellow", "red")
LANGUAGE_CODES = ("en", "zh_Hans")
JOB_STATES = ("pending", "running", "done", "failed")

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
