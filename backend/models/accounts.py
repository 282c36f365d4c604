"""Who signs in: user accounts, and bearer tokens acting as them."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
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
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: until revoked


class UserSession(Base):
    """A signed-in browser: the cookie names it, the server can end it (sign-out, password change, deactivation).

    Only a SHA-256 of the session's key is stored, as for API tokens. `last_seen_at` drives the idle timeout,
    which a wall display's account does not have (backend.accounts.permissions.NEVER_IDLE).
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(32))  # sign_out, password_changed, deactivated, idle
    address: Mapped[str | None] = mapped_column(String(45))  # IPv6 at most
    user_agent: Mapped[str | None] = mapped_column(String(200))


class AuditEntry(Base):
    """Who did what, when, from where: sign-ins and their failures, workflow actions, tokens, user changes.

    Append-only: nothing in the product updates or deletes a row, and on PostgreSQL a trigger refuses it.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(100))  # as typed, for a failed sign-in
    address: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(48), index=True)  # e.g. sign_in, sign_in_failed, case.dispatch
    target: Mapped[str | None] = mapped_column(String(100))  # e.g. case:123, token:7, user:alice
    detail: Mapped[str | None] = mapped_column(Text)  # JSON
