"""The dispatcher console's queue: its rows a block at a time from the server (AG Grid's infinite row model),
the tabs' counts, the filter bar's choices, and the live refresh on case events; the case panel's callbacks are
registered with them.

The search and the filters reach the server as one value (`dispatch-filters`, built in the browser from the
controls): the rows and the counts read the same value and turn it into the same `CaseQuery`."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from dash import Input, Output, State, no_update
from pydantic import AfterValidator, Field
from sqlalchemy import select
from typing_extensions import TypedDict

from backend.accounts.permissions import may
from backend.cases import queries
from backend.cases.panel import minor_categories
from backend.cases.schemas import CasePage, CaseSummary
from backend.cases.workflow import step_light
from backend.geo.grids import OutOfScope, find_grids, subtree
from backend.models import Category
from backend.platform.schemas import Card, Channel, Urgency
from callbacks import case_panel
from callbacks.common import GridId, centre, now, session, user
from layouts import dispatch as view
from layouts.wall import state_labels, urgency_labels

MAX_ROW = 10_000_000


class SortBy(TypedDict):
    colId: Literal["created_at", "deadline"]
    sort: Literal["asc", "desc"]


class RowsRequest(TypedDict, total=False):
    """What AG Grid's infinite row model asks for (dash-ag-grid's getRowsRequest)."""
    startRow: Annotated[int, Field(ge=0, le=MAX_ROW)]
    endRow: Annotated[int, Field(ge=0, le=MAX_ROW)]
    sortModel: Annotated[list[SortBy], Field(max_length=2)]
    filterModel: dict


Tab = Literal[view.TABS]
Search = Annotated[str, Field(max_length=200)] | None
# Days a queue may be filtered by: a wider span only invites dates no calendar (or datetime) can take.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)
COMMUNITY = 2  # the deepest level of the grid picker's tree; unit grids (level 3) are found by name
FOUND = 30  # unit grids offered for what the picker was typed
LABEL_SEPARATOR = " / "  # between a unit grid's community and its own name


def _calendar_day(text: str) -> date:
    day = date.fromisoformat(text)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"a day between {FIRST_DAY} and {LAST_DAY}")
    return day


Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_calendar_day)]


class Filters(TypedDict, total=False):
    """`dispatch-filters`: the search and the filter bar's values (assets/dispatch.js `dispatchFilters`)."""
    q: Search
    category: Annotated[str, Field(min_length=1, max_length=32)] | None  # a major or a minor category's code
    grid: GridId | None
    dates: Annotated[list[Day], Field(min_length=2, max_length=2)] | None  # first and last day, local
    urgency: Urgency | None
    channel: Channel | None
    card: Card | None


GridSearch = Annotated[str, Field(max_length=100)] | None


def allowed() -> bool:
    """Callbacks check it too: a crafted request must not read what the screen would not show."""
    return may(user().role, "dispatch")


def _text(search: str | None) -> str | None:
    return (search or "").strip() or None


def row_of(_, case: CaseSummary, limits: dict[int, float | None], at, tz: ZoneInfo, yellow_share: float) -> dict:
    place = case.grid
    return {"id": str(case.id), "number": case.number, "time": f"{case.created_at.astimezone(tz):%m-%d %H:%M}",
            "category": _.name(case.category), "grid": _.name(place) if place else "",
            "state": case.state, "state_label": state_labels(_)[case.state],
            "urgency": case.urgency, "urgency_label": urgency_labels(_)[case.urgency],
            "due": f"{case.deadline.astimezone(tz):%m-%d %H:%M}" if case.deadline else "",
            "light": step_light(case, at, yellow_share, limits.get(case.category.code))}


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def case_query(filters: Filters | None, **paging) -> queries.CaseQuery:
    """The queue's query for the search and the filters: days of the configured time zone become the UTC span
    from the first one's midnight to the midnight after the last."""
    chosen = filters or {}
    days, tz = chosen.get("dates"), ZoneInfo(centre().config.timezone)
    return queries.CaseQuery(
        q=_text(chosen.get("q")), category_code=chosen.get("category"), grid_id=chosen.get("grid"),
        urgency=chosen.get("urgency"), channel=chosen.get("channel"), card=chosen.get("card"),
        created_from=_midnight(days[0], tz) if days else None,
        created_to=_midnight(days[1] + timedelta(days=1), tz) if days else None, **paging)


def rows(request: RowsRequest | None, tab: Tab, filters: Filters | None):
    """One block of the queue: the tab's cases in scope matching the search and filters, newest first unless
    sorted. A grid outside the scope (only a crafted request names one) matches nothing."""
    if not allowed() or not request:
        return no_update
    _, config, at = user().translator, centre().config, now()
    start = request.get("startRow", 0)
    size = max(1, min(request.get("endRow", start + view.BLOCK) - start, 500))
    sorting = request.get("sortModel") or [{"colId": "created_at", "sort": "desc"}]
    sort = ("-" if sorting[0]["sort"] == "desc" else "") + sorting[0]["colId"]
    query = case_query(filters, tab=tab, sort=sort, limit=size, offset=start)
    with session() as s:
        try:
            page = queries.queue(s, user().scope, query)
        except OutOfScope:
            return {"rowData": [], "rowCount": 0}
        limits = dict(s.execute(select(Category.code, Category.time_limit_hours)).all())
    tz = ZoneInfo(config.timezone)
    return {"rowData": [row_of(_, case, limits, at, tz, config.yellow_share) for case in page.items],
            "rowCount": _row_count(page, start, size)}


def _row_count(page: CasePage, start: int, size: int) -> int:
    """The queue's length for AG Grid: the total if counted to the end; past the count's cap, unknown (-1: the
    grid asks for the next block on scrolling) until a block comes back short."""
    if page.total_exact:
        return page.total
    return start + len(page.items) if len(page.items) < size else -1


def counts(_poke: object, filters: Filters | None):
    """The tabs with how many cases each holds in scope matching the search and filters (the rows' clauses)."""
    if not allowed():
        return no_update
    with session() as s:
        try:
            clauses = queries.filters(s, user().scope, case_query(filters))
        except OutOfScope:
            return view.tabs(user().translator, dict.fromkeys(view.TABS, 0))
        numbers = queries.tab_counts(s, user().scope, clauses)
    return view.tabs(user().translator, numbers)


def category_options(_, s) -> list[dict]:
    """The categories grouped by major one, each group led by the major one itself (all its minor ones)."""
    groups: dict[str, dict] = {}
    for minor, major in minor_categories(s):
        group = groups.setdefault(major.code, {"group": _.name(major), "items": [
            {"value": major.code, "label": _("{category}: all").format(category=_.name(major))}]})
        group["items"].append({"value": minor.code, "label": _.name(minor)})
    return list(groups.values())


def grid_option(_, grid, parent=None) -> dict:
    """A grid as the picker lists it: indented by its level (assets/dispatch.js `dispatchGridOption`); a unit
    grid named with its community, as "Grid 02" alone is found in every one."""
    name = f"{_.name(parent)}{LABEL_SEPARATOR}{_.name(grid)}" if parent is not None else _.name(grid)
    return {"value": str(grid.id), "label": name, "depth": grid.level - user().scope.level}


def filter_options(_id: object):
    """When the page opens: the categories and the scope's tree of grids down to its communities."""
    if not allowed():
        return no_update, no_update
    _ = user().translator
    with session() as s:
        return category_options(_, s), [grid_option(_, grid) for grid in subtree(s, user().scope, COMMUNITY)]


def unit_grids(search: GridSearch):
    """The unit grids in scope matching what the picker was typed: "Grid 02", or "Community / Grid 02" as
    `grid_option` names them (and as the picker shows one once it is picked)."""
    if not allowed():
        return no_update
    community, _slash, name = (search or "").rpartition(LABEL_SEPARATOR.strip())
    if not name.strip():
        return []
    with session() as s:
        found = find_grids(s, user().scope, COMMUNITY + 1, name.strip(), FOUND, community.strip() or None)
        return [grid_option(user().translator, grid, parent) for grid, parent in found]


FILTER_CONTROLS = ("search", "category", "grid", "dates", "urgency", "channel", "card")


def register(app) -> None:
    app.callback(Output("dispatch-queue", "getRowsResponse"), Input("dispatch-queue", "getRowsRequest"),
                 State("dispatch-tab", "value"), State("dispatch-filters", "data"))(rows)
    # Every change of tab or filters pokes (dispatchReload), as every case event does.
    app.callback(Output("dispatch-tab", "data"), Input("dispatch-poke", "data"),
                 State("dispatch-filters", "data"))(counts)
    app.callback(Output("dispatch-category", "data"), Output("dispatch-grid-tree", "data"),
                 Input("dispatch", "id"))(filter_options)
    app.callback(Output("dispatch-grid-found", "data"), Input("dispatch-grid", "searchValue"),
                 prevent_initial_call=True)(unit_grids)
    app.clientside_callback(
        "function(tree, found, picked, shown) { return window.commandCentre.dispatchGrids(tree, found, picked, shown); }",
        Output("dispatch-grid", "data"), Input("dispatch-grid-tree", "data"), Input("dispatch-grid-found", "data"),
        State("dispatch-grid", "value"), State("dispatch-grid", "data"))
    # The controls, read into the one value the rows and the counts take.
    app.clientside_callback(
        "function(...values) { return window.commandCentre.dispatchFilters(...values); }",
        Output("dispatch-filters", "data"), Output("dispatch-filter-count", "children"),
        Output("dispatch-filter-count", "hidden"), Output("dispatch-filters-clear", "disabled"),
        *(Input(f"dispatch-{name}", "value") for name in FILTER_CONTROLS), State("dispatch-filters", "data"),
        prevent_initial_call=True)
    app.clientside_callback(
        "function(n) { return window.commandCentre.dispatchClear(); }",
        *(Output(f"dispatch-{name}", "value", allow_duplicate=True) for name in FILTER_CONTROLS[1:]),
        Input("dispatch-filters-clear", "n_clicks"), prevent_initial_call=True)
    # Another tab, search or filter: the queue asks for its rows afresh (from the top), and the counts follow.
    app.clientside_callback(
        "function(tab, filters) { return window.commandCentre.dispatchReload(); }",
        Output("dispatch-poke", "data", allow_duplicate=True), Input("dispatch-tab", "value"),
        Input("dispatch-filters", "data"), prevent_initial_call=True)
    # A case event in scope: the shown rows and the counts are read again, keeping selection and scroll.
    app.clientside_callback(
        "function(events) { return window.commandCentre.dispatchEvents(events); }",
        Output("dispatch-poke", "data", allow_duplicate=True), Input("live-batch", "data"), prevent_initial_call=True)
    app.clientside_callback(
        "function(cell) { return cell && cell.rowId ? +cell.rowId : window.dash_clientside.no_update; }",
        Output("dispatch-current", "data"), Input("dispatch-queue", "cellClicked"), prevent_initial_call=True)
    app.clientside_callback(
        "function(rows) { return (rows || []).map((row) => +row.id); }",
        Output("dispatch-selection", "data"), Input("dispatch-queue", "selectedRows"), prevent_initial_call=True)
    app.clientside_callback(
        "function(n) { return true; }",
        Output("dispatch-help", "opened"), Input("dispatch-help-open", "n_clicks"), prevent_initial_call=True)
    case_panel.register(app)
