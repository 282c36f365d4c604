"""Pydantic building blocks every answer and query model shares: ids, UTC times, the domain's vocabularies."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from backend.models import CARDS, CASE_STATES, CHANNELS, URGENCIES

# Ids are 32-bit serial columns on PostgreSQL: a larger number can name no row.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _as_utc(value: datetime) -> datetime:
    """Aware datetimes in UTC (serialised with `Z`); naive input is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("date out of range") from None


UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]
State = Literal[CASE_STATES]
Urgency = Literal[URGENCIES]
Card = Literal[CARDS]
Channel = Literal[CHANNELS]


class Model(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, row: Any, **computed: Any) -> Self:
        """The model from a row's attributes of the same names, plus the fields computed by the caller."""
        return cls(**{name: getattr(row, name) for name in cls.model_fields if name not in computed}, **computed)
