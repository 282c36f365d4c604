"""Four-level early warnings (DOMAIN.md §4): the warning, the grids it targets, its append-only history (each
message sent out is a CAP 1.2 message of its own, linked to the first by `references`), and acknowledgements."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, UTCDateTime, _one_of

WARNING_LEVELS = ("blue", "yellow", "orange", "red")  # low to high
WARNING_TYPES = ("weather", "flood", "geological", "fire", "public_security", "epidemic", "other")
WARNING_STATUSES = ("draft", "submitted", "approved", "rejected", "issued", "lifted", "expired")
LIVE_STATUSES = ("issued",)  # out there, being changed or waiting to be lifted
CAP_MSG_TYPES = ("Alert", "Update", "Cancel")
ACK_CHANNELS = ("sms", "handheld", "web", "phone")


class EarlyWarning(Base):
    __tablename__ = "warning"
    __table_args__ = (
        CheckConstraint(_one_of("level", WARNING_LEVELS), name="level"),
        CheckConstraint(_one_of("type", WARNING_TYPES), name="type"),
        CheckConstraint(_one_of("status", WARNING_STATUSES), name="status"),
        CheckConstraint("ends_at > starts_at", name="period"),
        CheckConstraint("pending_level IS NULL OR " + _one_of("pending_level", WARNING_LEVELS), name="pending_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The CAP identifier of the first issue; fixed at creation, never re-made (a re-made one forks the alert
    # downstream: cap-composer's lesson, REFERENCES.md).
    identifier: Mapped[str] = mapped_column(String(100), unique=True)
    level: Mapped[str] = mapped_column(String(8))
    type: Mapped[str] = mapped_column(String(16))
    headline: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    # The SMS's text with placeholders (backend/warnings/sms.py); None: the default template.
    sms_template: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end_reason: Mapped[str | None] = mapped_column(Text)  # why it lasts longer than seven days
    status: Mapped[str] = mapped_column(String(10), index=True)
    # The issuer's scope grid: who may change the warning (users whose scope holds it).
    scope_grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    issuer_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issuer_name: Mapped[str] = mapped_column(String(100))
    approver_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approver_name: Mapped[str | None] = mapped_column(String(100))
    # A raise to orange or red waits for a second person, as the first issue of one does: the level asked for, by whom.
    pending_level: Mapped[str | None] = mapped_column(String(8))
    pending_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic lock, as on cases: of two concurrent changes exactly one wins.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    targets: Mapped[list[WarningTarget]] = relationship(back_populates="warning", cascade="all, delete-orphan",
                                                        order_by="WarningTarget.grid_id")
    events: Mapped[list[WarningEvent]] = relationship(back_populates="warning", order_by="WarningEvent.id")


class WarningTarget(Base):
    """A grid the warning targets; with `subtree`, every grid below it too."""

    __tablename__ = "warning_target"

    warning_id: Mapped[int] = mapped_column(ForeignKey("warning.id", ondelete="CASCADE"), primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), primary_key=True, index=True)
    subtree: Mapped[bool] = mapped_column(Boolean, default=True)

    warning: Mapped[EarlyWarning] = relationship(back_populates="targets")


class WarningEvent(Base):
    """Append-only history: who did what, when, the warning's facts before and after. A row that sent a
    message out has its CAP identifier, msgType and the `references` it named when it was sent."""

    __tablename__ = "warning_event"
    __table_args__ = (CheckConstraint("msg_type IS NULL OR " + _one_of("msg_type", CAP_MSG_TYPES), name="msg_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warning.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    before: Mapped[str | None] = mapped_column(Text)  # JSON facts (level, end, targets), None when created
    after: Mapped[str] = mapped_column(Text)  # JSON facts
    identifier: Mapped[str | None] = mapped_column(String(100), unique=True)
    msg_type: Mapped[str | None] = mapped_column(String(8))
    references: Mapped[str | None] = mapped_column(Text)

    warning: Mapped[EarlyWarning] = relationship(back_populates="events")


class WarningAck(Base):
    """A responsible person acknowledged a warning for a grid (kept flat, as Sahana Eden keeps them)."""

    __tablename__ = "warning_ack"
    __table_args__ = (CheckConstraint(_one_of("channel", ACK_CHANNELS), name="channel"),
                      UniqueConstraint("warning_id", "person_id", "grid_id", name="uq_warning_ack_once"))

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warning.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(10))
