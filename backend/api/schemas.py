"""Request and response models of the REST API; the OpenAPI document is generated from them."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, WithJsonSchema, field_validator

from backend.cases.intake import ReportIn
from backend.cases.schemas import GridRef, Page, Paging
from backend.events.types import Event
from backend.platform.schemas import MAX_ID, Id, Model, State, Urgency, UtcDateTime


# -- errors -----------------------------------------------------------------------------------------

class FieldError(Model):
    field: str
    message: str
    type: str


class ErrorOut(Model):
    """Every error: a stable `code`, a `message` a person can act on, and details by kind."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="unauthenticated, invalid, not_found, forbidden, not_allowed, conflict, "
                                  "too_large, unsupported_media_type, too_many_pixels, quota_exceeded, internal")
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
