"""The territory and its people: the grid tree, departments, responsible persons and work teams."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Column, Float, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import GRID_LEVELS, Base, _one_of

if TYPE_CHECKING:  # relationships name them; SQLAlchemy resolves them by name
    from backend.models.cases import Category

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
