"""Cases as every reader sees them (the REST API and the screens): summaries, details, pages, the queue's query."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from backend.cases.routing import Proposal  # a dataclass: pydantic validates and documents it as is
from backend.platform.schemas import MAX_ID, Card, Channel, Id, Model, State, Urgency, UtcDateTime


class Paging(BaseModel):
    # 500: a full screen of a busy queue; more belongs in an export, not one response.
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=MAX_ID)


class Page(Model):
    total: int
    limit: int
    offset: int


class GridRef(Model):
    id: int
    code: str
    level: int
    name: str
    name_en: str


class CategoryRef(Model):
    code: str
    name: str
    name_en: str


# -- cases ------------------------------------------------------------------------------------------

class CaseSummary(Model):
    id: int
    number: str = Field(description="YYYYMMDD-NNNNNN, what the reporter is told")
    state: State
    channel: Channel
    urgency: Urgency
    card: Card
    description: str
    lon: float | None
    lat: float | None
    address: str | None
    district_id: int | None
    community_id: int | None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    deadline: UtcDateTime | None
    closed_at: UtcDateTime | None
    handling_level: int
    assignee_person_id: int | None
    assignee_department_id: int | None
    supervised: bool
    escalations: int
    postpone_requested_hours: float | None
    version: int = Field(description="send it back as `version` with an action to detect concurrent changes")
    category: CategoryRef
    grid: GridRef | None = Field(description="the unit grid; null when the report had no location")
    duplicate_of: str | None = Field(description="number of the open case this one probably duplicates")
    merged_into: str | None = Field(description="number of the case this one was merged into")


class EventOut(Model):
    id: int
    at: UtcDateTime
    actor_name: str
    action: str
    from_state: State | None
    to_state: State
    note: str | None
    detail: dict[str, Any] | None


class AttachmentOut(Model):
    id: int
    content_type: str
    size: int
    uploaded_at: UtcDateTime
    url: str


class CaseDetail(CaseSummary):
    events: list[EventOut]
    allowed_actions: list[str] = Field(description="what you may do to this case now")
    proposals: list[Proposal] = Field(description="who should handle it (registered cases only)")
    attachments: list[AttachmentOut]


class CasePage(Page):
    items: list[CaseSummary]
    total_exact: bool = Field(description="false when more cases match than the queue counts (cases.queries."
                                          "TOTAL_CAP, 10,000): `total` is then that cap, and more cases follow")


Sort = Literal["created_at", "-created_at", "deadline", "-deadline", "updated_at", "-updated_at"]


Tab = Literal["to_register", "to_dispatch", "in_handling", "to_verify", "overdue", "supervised", "all"]


class CaseQuery(Paging):
    tab: Tab | None = Field(default=None, description="a tab of the dispatcher console (cases.queries.QUEUE_TABS)")
    state: list[State] = Field(default=[], description="repeat it or separate with commas")
    category_code: str | None = Field(default=None, max_length=32, description="a minor or a major category")
    grid_id: Id | None = Field(default=None, description="a grid in your scope, at any level")
    urgency: Urgency | None = None
    card: Card | None = None
    channel: Channel | None = None
    created_from: UtcDateTime | None = Field(default=None, description="ISO 8601; without a zone, UTC")
    created_to: UtcDateTime | None = Field(default=None, description="ISO 8601, exclusive; without a zone, UTC")
    q: str | None = Field(default=None, min_length=1, max_length=200, description=(
        "a case number (20261126-000123) or the day it begins with (20261126), at any age; else words of the "
        "description or address or a reporter's phone, among the cases of the last 7 days before the newest "
        "(cases.queries.WORDS_DAYS), or from `created_from` if given"))
    sort: Sort = "-created_at"
