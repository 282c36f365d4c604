"""The dispatcher console's queue: its rows a block at a time from the server (AG Grid's infinite row model),
the tabs' counts, and the live refresh on case events; the case panel's callbacks are registered with them."""
from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from dash import Input, Output, State, no_update
from pydantic import Field
from sqlalchemy import select
from typing_extensions import TypedDict

from backend.accounts.permissions import may
from backend.cases import queries
from backend.cases.schemas import CaseSummary
from backend.cases.workflow import step_light
from backend.models import Category
from callbacks import case_panel
from callbacks.common import centre, now, session, user
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


def rows(request: RowsRequest | None, tab: Tab, search: Search):
    """One block of the queue: the tab's cases in scope matching the search, newest first unless sorted."""
    if not allowed() or not request:
        return no_update
    _, config, at = user().translator, centre().config, now()
    start = request.get("startRow", 0)
    size = max(1, min(request.get("endRow", start + view.BLOCK) - start, 500))
    sorting = request.get("sortModel") or [{"colId": "created_at", "sort": "desc"}]
    sort = ("-" if sorting[0]["sort"] == "desc" else "") + sorting[0]["colId"]
    query = queries.CaseQuery(tab=tab, q=_text(search), sort=sort, limit=size, offset=start)
    with session() as s:
        page = queries.queue(s, user().scope, query)
        limits = dict(s.execute(select(Category.code, Category.time_limit_hours)).all())
    tz = ZoneInfo(config.timezone)
    return {"rowData": [row_of(_, case, limits, at, tz, config.yellow_share) for case in page.items],
            "rowCount": page.total}


def counts(_poke: object, search: Search):
    """The tabs with how many cases each holds in scope (matching the search)."""
    if not allowed():
        return no_update
    text = _text(search)
    with session() as s:
        clauses = queries.filters(s, user().scope, queries.CaseQuery(q=text)) if text else []
        numbers = queries.tab_counts(s, user().scope, clauses)
    return view.tabs(user().translator, numbers)


def register(app) -> None:
    app.callback(Output("dispatch-queue", "getRowsResponse"), Input("dispatch-queue", "getRowsRequest"),
                 State("dispatch-tab", "value"), State("dispatch-search", "value"))(rows)
    app.callback(Output("dispatch-tab", "data"), Input("dispatch-poke", "data"),
                 Input("dispatch-search", "value"))(counts)
    # Another tab or search: the queue asks for its rows afresh (from the top).
    app.clientside_callback(
        "function(tab, search) { return window.commandCentre.dispatchReload(); }",
        Output("dispatch-poke", "data", allow_duplicate=True), Input("dispatch-tab", "value"),
        Input("dispatch-search", "value"), prevent_initial_call=True)
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
