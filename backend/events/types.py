"""Every event on the stream, as a typed model; `Event` is any of them (told apart by `kind`).

An event carries its placement in the grid tree (the rooms it goes to and the scopes that see it), and what
a screen needs to patch itself without asking the server. A case event carries the case's facts before and
after the change and `counts`: what the change does to each indicator (backend.indicators.definitions, the
same definitions a full read counts by), so a screen only adds numbers. The "today" counts are for the local
`day` of the event: a screen showing another day leaves them out.

The outbox stores an event without its stream fields (left unset): the relay adds `outbox_id`, the bus the
`id`, and a Socket.IO push the room's `prev`.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from backend.indicators.definitions import Day, changes
from backend.models import CARDS, CASE_STATES, PLACEMENT_COLUMNS, URGENCIES, WARNING_LEVELS, WARNING_STATUSES, WARNING_TYPES

CASE_KINDS = ("case.collect", "case.register", "case.cancel", "case.merge", "case.dispatch", "case.accept",
              "case.return", "case.feed_back", "case.close", "case.rework", "case.escalate",
              "case.request_postpone", "case.approve_postpone", "case.reject_postpone", "case.supervise",
              "case.mark_card")
Names = tuple[str, str]  # (name, name_en)


def _reader(case):
    """Reads a column of a Case row, or of a mapping of its columns (intake has those)."""
    return case.get if isinstance(case, Mapping) else lambda key: getattr(case, key)


class StreamEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, description="its position in the stream, once published")
    outbox_id: int | None = Field(default=None, description="the same change published twice has the same one")
    prev: str | None = Field(default=None, description="pushes: the id of the previous event pushed to the room")
    kind: str
    at: datetime
    actor: str
    city_id: int | None
    district_id: int | None
    community_id: int | None
    grid_id: int | None

    def placement(self) -> dict[str, int | None]:
        return {column: getattr(self, column) for column in PLACEMENT_COLUMNS}


class CaseFacts(BaseModel):
    """What the indicators and a queue row read of a case (backend.indicators.definitions.CaseFacts)."""

    model_config = ConfigDict(extra="forbid")

    state: Literal[CASE_STATES]
    card: Literal[CARDS]
    urgency: Literal[URGENCIES]
    closed_at: datetime | None
    received_at: datetime  # when the report that opened the case came in

    @classmethod
    def of(cls, case) -> CaseFacts:
        get = _reader(case)
        return cls(state=get("state"), card=get("card"), urgency=get("urgency"), closed_at=get("closed_at"),
                   received_at=get("created_at"))


class Counts(BaseModel):
    """The change an event makes to each indicator (keys as backend.indicators.definitions.INDICATORS)."""

    model_config = ConfigDict(extra="forbid")

    reports_today: int
    open_cases: int
    to_register: int
    under_way: int
    yellow: int
    overdue: int
    closed_today: int
    opened_today: int
    settled_today: int
    opened_month: int
    settled_month: int


class CaseChanged(StreamEvent):
    kind: Literal[CASE_KINDS]
    case_id: int
    number: str
    version: int
    created_at: datetime
    category_id: int
    before: CaseFacts | None = Field(description="None: the case is new")
    after: CaseFacts
    counts: Counts
    day: date = Field(description="the local day the daily counts are for")
    category: str
    category_en: str
    grid: str = Field(description="community / unit grid, as a queue row shows it")
    grid_en: str
    # Where it happened (WGS 84), for a map's marker; None for a case reported without a point.
    lat: float | None = None
    lon: float | None = None


def case_changed(case, action: str, before: CaseFacts | None, after: CaseFacts, category: Names,
                 grids: Mapping[int, Names], at: datetime, actor: str, day: Day) -> CaseChanged:
    """The event of `action` at `at` on `case` (a Case row or a mapping of its columns, as it is after the
    change, whose facts are `after`); `grids`: names by grid id, of its community and unit grid at least;
    `day`: the local day of `at`."""
    get = _reader(case)
    places = [grids[get(k)] for k in ("community_id", "grid_id") if get(k) in grids]
    return CaseChanged(
        kind=f"case.{action}", at=at, actor=actor, case_id=get("id"), number=get("number"), version=get("version"),
        created_at=get("created_at"), category_id=get("category_id"), **{k: get(k) for k in PLACEMENT_COLUMNS},
        before=before, after=after, counts=Counts(**changes(before, after, day)), day=day.date,
        category=category[0], category_en=category[1],
        grid=" / ".join(p[0] for p in places), grid_en=" / ".join(p[1] for p in places), lat=get("lat"),
        lon=get("lon"))


WARNING_KINDS = ("warning.create", "warning.submit", "warning.approve", "warning.reject", "warning.issue",
                 "warning.raise", "warning.raise_requested", "warning.approve_raise", "warning.reject_raise",
                 "warning.lower", "warning.extend", "warning.narrow", "warning.widen", "warning.lift", "warning.expire")


class WarningChanged(StreamEvent):
    """A warning was created, decided, issued, changed or lifted. It is placed at the lowest grid holding all its
    targets (so a street's screens get the city's warnings for that street); `grid_ids` are the targets as they
    are after the change, `added`/`removed` what the change did to them."""

    kind: Literal[WARNING_KINDS]
    warning_id: int
    identifier: str
    version: int
    status: Literal[WARNING_STATUSES]
    level: Literal[WARNING_LEVELS]
    before_level: Literal[WARNING_LEVELS] | None
    pending_level: Literal[WARNING_LEVELS] | None = Field(default=None, description="a raise awaiting approval")
    type: Literal[WARNING_TYPES]
    headline: str
    starts_at: datetime
    ends_at: datetime
    grid_ids: list[int]
    added: list[int] = Field(default_factory=list)
    removed: list[int] = Field(default_factory=list)


# Any event (SMS status joins the tuple when it comes).
Event = Annotated[Union[CaseChanged, WarningChanged], Field(discriminator="kind")]
EVENT = TypeAdapter(Event)
