"""The outbox: changes to publish, written in the transaction of the change."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, GridPlaced, UTCDateTime


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
        # The changes of the last day, summed for the wall's "against the same time yesterday".
        Index("ix_outbox_event_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "case.collect", "case.dispatch"
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    payload: Mapped[str] = mapped_column(Text)  # JSON
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # NULL until the relay has published the row
