"""Answers about warnings, shared by the REST API and (later) the screens."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.cases.schemas import GridRef, Page, Paging
from backend.models import CAP_MSG_TYPES, WARNING_LEVELS, WARNING_STATUSES, WARNING_TYPES
from backend.platform.schemas import Model, UtcDateTime
from backend.warnings.workflow import DraftParams


class TargetOut(Model):
    grid: GridRef
    subtree: bool


class SmsOut(Model):
    text: str
    characters: int
    encoding: Literal["GSM-7", "UCS-2"]
    parts: int = Field(description="SMS parts it is sent in: 160 (153 per part) GSM-7, 70 (67) UCS-2 characters")


class WarningOut(Model):
    id: int
    identifier: str = Field(description="CAP identifier of its first issue")
    level: Literal[WARNING_LEVELS]
    pending_level: Literal[WARNING_LEVELS] | None = Field(description="a raise to it awaits a second person")
    type: Literal[WARNING_TYPES]
    headline: str
    message: str
    sms_template: str | None
    sms: SmsOut
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    end_reason: str | None
    status: Literal[WARNING_STATUSES]
    scope_grid_id: int = Field(description="the grid it was issued from")
    issuer_name: str
    approver_name: str | None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    issued_at: UtcDateTime | None
    version: int
    targets: list[TargetOut]
    allowed_actions: list[str]


class WarningPage(Page):
    items: list[WarningOut]


class WarningQuery(Paging):
    model_config = ConfigDict(extra="forbid")

    status: list[Literal[WARNING_STATUSES]] = Field(default_factory=list, description="only these statuses")


class HistoryEntry(Model):
    id: int
    at: UtcDateTime
    actor_name: str
    action: str
    from_status: str | None
    to_status: str
    note: str | None
    before: dict[str, Any] | None
    after: dict[str, Any]
    identifier: str | None = Field(description="the CAP identifier of the message it sent, if it sent one")
    msg_type: Literal[CAP_MSG_TYPES] | None
    references: str | None


class HistoryOut(Model):
    items: list[HistoryEntry]


class GridRecipientsOut(Model):
    grid: GridRef
    subtree: bool
    count: int = Field(description="responsible persons this target reaches")


class PersonRef(Model):
    id: int
    name: str
    name_en: str
    position: str


class PreviewOut(Model):
    """Who a warning would reach and the SMS they would get, before it is confirmed."""

    per_grid: list[GridRecipientsOut]
    total: int = Field(description="distinct persons: one serving several targets counts once")
    persons: list[PersonRef]
    sms: SmsOut


class ActionOut(Model):
    warning: WarningOut
    notified: list[PersonRef] = Field(description="whom this action's message goes to (none for drafts, decisions)")


class PreviewIn(DraftParams):
    """The draft as it would be created."""


class CreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: DraftParams
    send: bool = Field(default=False, description="at once: issue a blue or yellow one, submit an orange or red one")
