"""Who signs in: user accounts, and bearer tokens acting as them."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.accounts.permissions import ROLES
from backend.models.base import LANGUAGE_CODES, Base, UTCDateTime, _one_of

if TYPE_CHECKING:  # relationships name them; SQLAlchemy resolves them by name
    from backend.models.territory import Grid, Person

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



class ApiToken(Base):
    """A bearer token for devices and other systems (also Open311's api_key); acts as its user."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
