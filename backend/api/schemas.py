"""Request and response models of the REST API; the OpenAPI document is generated from them."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, WithJsonSchema, field_validator

from backend.cases.intake import ReportIn
from backend.events.types import Event
from backend.models import CARDS, CASE_STATES, CHANNELS, URGENCIES
from backend.cases.routing import Proposal  # a dataclass: pydantic validates and documents it as is

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


# -- errors -----------------------------------------------------------------------------------------

class FieldError(Model):
    field: str
    message: str
    type: str


class ErrorOut(Model):
    """Every error: a stable `code`, a `message` a person can act on, and details by kind."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="unauthenticated, invalid, not_found, forbidden, not_allowed, conflict, "
                                  "too_large, unsupported_media_type, internal")
    message: str
    errors: list[FieldError] | None = Field(default=None, description="invalid: every field at fault")
    field: str | None = None
    allowed: list[str] | None = Field(default=None, description="not_allowed: what you may do instead")
    state: State | None = None
    changed_by: str | None = Field(default=None, description="conflict: who changed the case since you saw it")
    changed_at: str | None = Field(default=None, description="conflict: when")
    action: str | None = None
    version: int | None = Field(default=None, description="conflict: the current version")


# -- shared pieces ----------------------------------------------------------------------------------

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


Sort = Literal["created_at", "-created_at", "deadline", "-deadline", "updated_at", "-updated_at"]


class CaseQuery(Paging):
    state: list[State] = Field(default=[], description="repeat it or separate with commas")
    category_code: str | None = Field(default=None, max_length=32, description="a minor or a major category")
    grid_id: Id | None = Field(default=None, description="a grid in your scope, at any level")
    urgency: Urgency | None = None
    card: Card | None = None
    created_from: UtcDateTime | None = Field(default=None, description="ISO 8601; without a zone, UTC")
    created_to: UtcDateTime | None = Field(default=None, description="ISO 8601, exclusive; without a zone, UTC")
    q: str | None = Field(default=None, min_length=1, max_length=200, description="text in the description, "
                                                                                   "or a case number")
    sort: Sort = "-created_at"


class CasePath(BaseModel):
    case_id: Id


class ActionBody(BaseModel):
    """Base of every action's body; each action adds its own `params` model."""

    model_config = ConfigDict(extra="forbid")

    version: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="the version you saw; if the case changed since, 409 conflict says who changed it")


# -- reports ----------------------------------------------------------------------------------------

class ReportCreated(Model):
    id: int
    number: str
    state: State
    urgency: Urgency
    grid: GridRef | None
    duplicate_of: str | None = Field(description="number of an open case this report probably duplicates")
    resent: bool = Field(description="this client_id was sent before: the answer is the case it opened then")


class BatchItem(ReportIn):
    client_id: str = Field(min_length=1, max_length=64, description="the device's own id for this report")


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Items are validated one by one in the view, so one bad item fails alone; the
    # document still shows each item's schema. 500: a full day of a worker's offline reports.
    reports: list[Annotated[dict[str, Any], WithJsonSchema(BatchItem.model_json_schema())]] = Field(
        min_length=1, max_length=500)


class BatchResult(Model):
    client_id: str | None
    case_id: int | None = None
    number: str | None = None
    status: Literal["created", "resent", "error"]
    error: str | None = None


class BatchOut(Model):
    items: list[BatchResult]


# -- handheld ---------------------------------------------------------------------------------------

class PatrolIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    note: str | None = Field(default=None, max_length=2000)


class PatrolOut(Model):
    grid: GridRef
    at: UtcDateTime
    lon: float
    lat: float


class PhotoUpload(BaseModel):
    file: bytes = Field(description="a JPEG, PNG or WebP photo of at most 5 MB")


class AttachmentPath(BaseModel):
    attachment_id: Id


# -- reference data ---------------------------------------------------------------------------------

class GridNode(GridRef):
    parent_id: int | None
    rural: bool
    population: int
    households: int
    open_cases: int
    bounds: list[list[float]] = Field(description="[[south, west], [north, east]]")


class GridTree(Model):
    parent: GridNode
    children: list[GridNode]


class GridQuery(BaseModel):
    parent_id: Id | None = Field(default=None, description="default: the grid of your scope")


_NUMBER = r"-?\d{1,3}(\.\d{1,15})?"


class GeoJsonQuery(BaseModel):
    level: int = Field(ge=0, le=3)
    bbox: str | None = Field(default=None, pattern=f"^{_NUMBER}(,{_NUMBER}){{3}}$",
                             description="minlon,minlat,maxlon,maxlat")

    @field_validator("bbox")
    @classmethod
    def _ordered(cls, value: str | None) -> str | None:
        if value is not None:
            min_lon, min_lat, max_lon, max_lat = map(float, value.split(","))
            if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
                raise ValueError("want minlon,minlat,maxlon,maxlat with min <= max, lon in ±180, lat in ±90")
        return value

    @property
    def box(self) -> tuple[float, float, float, float] | None:
        return tuple(map(float, self.bbox.split(","))) if self.bbox else None


class Geometry(Model):
    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any]


class GridProperties(Model):
    id: int
    code: str
    level: int
    name: str
    name_en: str
    rural: bool
    population: int
    open_cases: int


class GridFeature(Model):
    type: Literal["Feature"]
    id: int
    geometry: Geometry
    properties: GridProperties


class GridFeatureCollection(Model):
    type: Literal["FeatureCollection"]
    features: list[GridFeature]


class PersonQuery(Paging):
    grid_id: Id | None = Field(default=None, description="only persons serving this grid (in your scope)")


class PersonOut(Model):
    id: int
    name: str
    name_en: str
    phone: str
    position: str
    department_id: int | None
    grid_ids: list[int] = Field(description="the grids in your scope the person serves")
    open_cases: int


class PersonPage(Page):
    items: list[PersonOut]


class DepartmentOut(Model):
    id: int
    code: str
    name: str
    name_en: str


class DepartmentList(RootModel[list[DepartmentOut]]):
    pass


class MinorCategory(Model):
    id: int
    code: str
    name: str
    name_en: str
    handling_level: int = Field(description="the grid level that handles it: 0 city ... 3 unit grid")
    department_id: int | None
    time_limit_hours: float | None
    urgency: Urgency


class MajorCategory(Model):
    id: int
    code: str
    name: str
    name_en: str
    children: list[MinorCategory]


class CategoryList(RootModel[list[MajorCategory]]):
    pass


class OpenApiDocument(RootModel[dict[str, Any]]):
    pass


class EventsQuery(BaseModel):
    after: str = Field(pattern=r"^\d{1,18}-\d{1,18}$", description="id of the last event you applied, as pushed")


class EventsOut(Model):
    events: list[Event] = Field(description="in order, each with its `id`; empty when `reload` is true")
    reload: bool = Field(description="the stream no longer holds your last event: read your state afresh")
    last_id: str = Field(description="the newest event's id when this answer was made: go on from here after a reload")
