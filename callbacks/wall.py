"""Wall display callbacks: drill-down navigation, and one refresh path for KPIs, map counts and cases."""
from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from typing_extensions import TypedDict
from dash import ALL, Input, Output, State, ctx, html, no_update

from backend.cases.queries import latest_cases
from backend.platform.db import one_snapshot
from backend.events.catchup import in_flight
from backend.geo.grid_panel import grid_panel
from backend.geo.grids import (OutOfScope, bounds, breadcrumb, children_geojson, feature, grid_id as valid_grid_id,
                               scoped_grid)
from backend.geo.markers import open_markers
from backend.models import OPEN_STATES, Grid
from backend.geo.scope import Scope
from backend.indicators.definitions import DAILY, MONTHLY, Day
from backend.indicators.wall import wall_kpis, wall_yesterday
from callbacks import wall_charts
from callbacks.common import Clicks, GridId, centre, now, session, user
from layouts.grid_panel import panel_head, person_items
from layouts.wall import COMPARED, DELTA_TILES, KPIS, RATES, kpi_class, state_labels, urgency_labels
from layouts.widgets import MAP_COLOURS, grid_hideout

# Cases this young are marked as new in the table.
FRESH = timedelta(minutes=10)


class MapClick(TypedDict, total=False):
    """dash-leaflet's clickData of a grid polygon: the feature clicked (its id is checked where it is used)."""
    properties: dict[str, Any]


class Viewport(TypedDict, total=False):
    bounds: Any  # compared, never read


# What wall-grid holds (callbacks `follow_address`, `navigate`, `refresh`): a grid, or None for the user's own.
ShownGrid = GridId | None


def focus_grid(s, grid_id) -> Grid:
    """The grid to show: the requested one if it is in the user's scope, else the scope's own grid."""
    scope = user().scope
    try:
        return scoped_grid(s, scope, valid_grid_id(grid_id) or scope.grid_id)
    except OutOfScope:
        return scoped_grid(s, scope, scope.grid_id)


def map_grid(s, scope: Scope, grid: Grid) -> Grid | None:
    """The grid whose children the map draws: a unit grid has none, so the map stays on its siblings."""
    if grid.level < 3:
        return grid
    try:
        return scoped_grid(s, scope, grid.parent_id)
    except OutOfScope:  # the user's scope is this unit grid itself
        return None


def localized(_, row: dict, key: str) -> str:
    return row[key] if _.language == "zh_Hans" else row[f"{key}_en"]


# Lower bounds of the map's five classes above "none", by the level of the grids drawn (1 districts,
# 2 communities, 3 unit grids): fixed, so the same count has the same colour on every wall and every load.
CLASS_BREAKS = {1: (1, 10, 25, 50, 100), 2: (1, 5, 10, 20, 40), 3: (1, 2, 4, 7, 10)}


def legend(limits: list[int]) -> list[html.Div]:
    uppers = [f"–{b - 1}" if b - 1 > a else "" for a, b in zip(limits, limits[1:])]
    labels = ["0", *(f"{a}{u}" for a, u in zip(limits, uppers)), f"{limits[-1]}+"] if limits else ["0"]
    return [html.Div(className="wall-legend-item", children=[
        html.Span(className="wall-legend-swatch", style={"background": colour}),
        html.Span(label),
    ]) for colour, label in zip(MAP_COLOURS, labels)]


def map_features(_, collection: dict) -> dict:
    for item in collection["features"]:
        props = item["properties"]
        props["tooltip"] = (f"<b>{escape(localized(_, props, 'name'))}</b><br>"
                            + escape(_("{count} open").format(count=props["open_cases"])))
    return collection


def map_payload(_, s, scope: Scope, grid: Grid, open_cases: int) -> dict:
    """Everything a read sends the map of the wall showing `grid` (inside `scope`, the user's; `open_cases`: the
    grid's own): the grids it draws with their open cases and how to colour them, and the grid's open cases as
    packed markers (backend/geo/markers.py). The city's must stay under 300 KB as JSON (benchmarks measure it)."""
    frame = map_grid(s, scope, grid)
    # A user whose scope is one unit grid sees that grid alone: it has no children to draw.
    collection = map_features(_, children_geojson(s, scope, frame.id) if frame
                              else {"type": "FeatureCollection", "features": [feature(grid, open_cases)]})
    limits = list(CLASS_BREAKS[frame.level + 1 if frame else grid.level])
    hideout = grid_hideout(collection, limits, grid.id if grid.level == 3 else None)
    return {"grids": collection, "hideout": hideout, "limits": limits, "map_level": frame.level + 1 if frame else None,
            "markers": open_markers(s, Scope.of_grid(grid))}


def capped_note(_, markers: dict) -> str:
    """Said under the map when it draws fewer markers than there are open cases (the most urgent are drawn)."""
    return _("{count} of {total} shown").format(count=_.number(markers["count"]), total=_.number(markers["total"])) \
        if markers["capped"] else ""


def grid_below(place: str, level: int) -> str:
    """What a case row's "community / unit grid" says below the grid the wall shows (of `level`): from a
    community down, its unit grid alone (assets/wall.js, `gridBelow`, does the same for pushed rows)."""
    parts = place.split(" / ")
    return place if level < 2 else parts[-1] if len(parts) > 1 or level > 2 else ""


def case_rows(_, cases: list[dict], at: datetime, tz: ZoneInfo, level: int) -> list[dict]:
    states, urgencies = state_labels(_), urgency_labels(_)
    today = at.astimezone(tz).date()

    def when(created: datetime) -> str:
        local = created.astimezone(tz)
        return f"{local:%H:%M}" if local.date() == today else f"{local:%m-%d %H:%M}"

    return [{"id": str(c["id"]), "number": c["number"], "time": when(c["created_at"]),
             "category": localized(_, c, "category"), "grid": grid_below(localized(_, c, "grid"), level),
             "state": c["state"], "state_label": states[c["state"]],
             "urgency": c["urgency"], "urgency_label": urgencies[c["urgency"]],
             "fresh": at - c["created_at"] < FRESH}
            for c in cases]


def crumb(_, grid: Grid, current: bool):
    if current:
        return html.Span(_.name(grid), className="wall-crumb wall-crumb--current")
    return dmc.Button(_.name(grid), id={"type": "wall-crumb", "grid": grid.id}, className="wall-crumb",
                      variant="subtle", color="cyan", size="compact-md")


def trail(_, chain: list[Grid], current_id: int) -> list:
    parts = []
    for grid in chain:
        if parts:
            parts.append(html.Span("›", className="wall-crumb-sep"))
        parts.append(crumb(_, grid, grid.id == current_id))
    return parts


def select_grid(_clicks: Clicks, _crumbs: list[Clicks], click: MapClick | None, search: str | None):
    """A polygon click selects that grid (a unit grid is highlighted); a breadcrumb goes back up. Either writes
    the address (a history entry, no reload), keeping what else it says (`kiosk=1`), and the wall follows the
    address (`follow_address`)."""
    trigger = ctx.triggered_id
    if trigger == "wall-grids":
        chosen = (click or {}).get("properties", {}).get("id")
    # Pattern-matched buttons also fire when the breadcrumb is redrawn, with no click.
    elif isinstance(trigger, dict) and ctx.triggered[0]["value"]:
        chosen = trigger.get("grid")
    else:
        chosen = None
    chosen = valid_grid_id(chosen)
    if not chosen:
        return no_update
    return "?" + urlencode(parse_qs((search or "").lstrip("?")) | {"grid": chosen}, doseq=True)


def follow_address(search: str | None, shown: ShownGrid):
    """The grid the address names (after a click, or the browser's back and forward); None: the user's own."""
    requested = valid_grid_id(parse_qs((search or "").lstrip("?")).get("grid", [None])[0])
    return no_update if requested == shown else requested


def navigate(grid_id: ShownGrid, _reload: Any, viewport: Viewport | None):
    """Breadcrumb to the grid, and the map onto the grid it draws: jumps there on page load, flies there
    on a drill-down, and stays put when a unit grid is picked (a second flight to the same bounds leaves
    Leaflet's SVG clipped). Read again with the rest of the wall (`live-reload`): a grid picked while the
    database was gone is shown once it answers."""
    _ = user().translator
    with session() as s:
        grid = focus_grid(s, grid_id)
        chain = breadcrumb(s, user().scope, grid.id)
        frame = bounds(map_grid(s, user().scope, grid) or grid)
    if viewport and viewport.get("bounds") == frame:
        return trail(_, chain, grid.id), no_update
    move = {"transition": "flyToBounds", "options": {"padding": [24, 24], "duration": 0.6}} if viewport else \
        {"transition": "fitBounds", "options": {"padding": [24, 24], "animate": False}}
    return trail(_, chain, grid.id), {"bounds": frame, **move}


def refresh(grid_id: ShownGrid, _reload: Any, _pushed_reload: Any):
    """Everything on the wall, read from the database: when the page opens, on a drill-down, and when the
    screen missed events the stream no longer holds. Between those, pushed events patch it in the browser
    (assets/live.js: `resume` and `receive` for the link; assets/wall.js: `applyEvents` for the wall)."""
    _ = user().translator
    config, at = centre().config, now()
    tz = ZoneInfo(config.timezone)
    head = centre().bus.last_id()  # read after `at`: every event up to it is in what the database shows
    with session() as s:
        one_snapshot(s)
        grid = focus_grid(s, grid_id)
        scope = Scope.of_grid(grid)
        kpis = wall_kpis(s, scope, at, config.timezone)
        drawn = map_payload(_, s, user().scope, grid, kpis["open_cases"])
        panel = grid_panel(s, user().scope, grid.id, user().role)
        cases = latest_cases(s, scope)
        counted = in_flight(s, scope, at)
        charts = wall_charts.chart_data(_, s, user().scope, grid, map_grid(s, user().scope, grid), at,
                                        config.timezone)
    updated = _("Updated {time}").format(time=_.clock(at, tz))
    # head and counted: where the screen's live link goes on from, and the changes it must not count again;
    # kpis and daily: the figures in the order of the tiles, and those an event adds to on its own day only.
    focus = {"id": grid.id, "level": grid.level, "map_level": drawn["map_level"],
             "timezone": config.timezone, "day": Day.of(at, config.timezone).date.isoformat(), "head": head,
             "counted": counted, "kpis": KPIS, "daily": DAILY, "monthly": MONTHLY}
    return (*(str(kpis[key]) for key in KPIS),
            drawn["grids"], drawn["hideout"], legend(drawn["limits"]), case_rows(_, cases, at, tz, grid.level),
            updated, focus, charts, drawn["markers"], capped_note(_, drawn["markers"]), panel_head(_, panel),
            person_items(_, panel), *(str(panel.open[state]) for state in OPEN_STATES))


def yesterday(grid_id: ShownGrid, _reload: Any, _tick: Clicks):
    """The shown grid's figures at the same time yesterday, which the tiles compare with (assets/wall.js,
    `versus`): read with the wall and every few minutes, as that time moves on."""
    config = centre().config
    with session() as s:
        one_snapshot(s)
        return wall_yesterday(s, Scope.of_grid(focus_grid(s, grid_id)), now(), config.timezone)


def register(app) -> None:
    app.callback(Output("wall-grid", "data"), Input("wall-location", "search"), State("wall-grid", "data"),
                 prevent_initial_call=True)(follow_address)
    # The click count, not clickData: a second click on the same grid (after one that failed) must count too.
    app.callback(Output("wall-location", "search"),
                 Input("wall-grids", "n_clicks"), Input({"type": "wall-crumb", "grid": ALL}, "n_clicks"),
                 State("wall-grids", "clickData"), State("wall-location", "search"),
                 prevent_initial_call=True)(select_grid)
    app.callback(Output("wall-breadcrumb", "children"), Output("wall-map", "viewport"),
                 Input("wall-grid", "data"), Input("live-reload", "data"), State("wall-map", "viewport"))(navigate)
    app.callback(*(Output(f"wall-kpi-{key}", "children") for key in KPIS),
                 Output("wall-grids", "data"), Output("wall-grids", "hideout"), Output("wall-legend-scale", "children"),
                 Output("wall-cases", "rowData"), Output("wall-updated", "children"), Output("wall-focus", "data"),
                 Output("wall-charts-data", "data"), Output("wall-markers-packed", "data"),
                 Output("wall-markers-note", "children"), Output("wall-panel-head", "children"),
                 Output("wall-panel-persons", "children"), *(Output(f"wall-open-{state}", "children")
                                                              for state in OPEN_STATES),
                 Input("wall-grid", "data"), Input("live-reload", "data"), Input("live-socket", "data-reload"))(refresh)
    # The open cases as markers, and the panel's counts by state: from each read, then from the pushed events.
    app.clientside_callback(
        "function(packed, events, focus) { return window.commandCentre.drawMarkers(packed, events, focus); }",
        Output("wall-markers", "data"), Output("wall-pulses", "data"),
        Input("wall-markers-packed", "data"), Input("live-batch", "data"), State("wall-focus", "data"),
        prevent_initial_call=True)
    app.clientside_callback(
        "function(events, focus, labels, ...counts) { return window.commandCentre.applyStates(events, focus, labels, "
        "counts); }",
        *(Output(f"wall-open-{state}", "children", allow_duplicate=True) for state in OPEN_STATES),
        Input("live-batch", "data"), State("wall-focus", "data"), State("wall-labels", "data"),
        *(State(f"wall-open-{state}", "children") for state in OPEN_STATES), prevent_initial_call=True)
    app.clientside_callback(
        "function(events, focus, labels, ...rest) { return window.commandCentre.applyEvents(events, focus, labels, rest); }",
        *(Output(f"wall-kpi-{key}", "children", allow_duplicate=True) for key in KPIS),
        Output("wall-grids", "data", allow_duplicate=True), Output("wall-updated", "children", allow_duplicate=True),
        Input("live-batch", "data"), State("wall-focus", "data"), State("wall-labels", "data"),
        *(State(f"wall-kpi-{key}", "children") for key in KPIS), State("wall-grids", "data"),
        prevent_initial_call=True)
    app.clientside_callback(
        "function(tick, focus, labels, geojson) { return window.commandCentre.flushMap(tick, focus, labels, geojson); }",
        Output("wall-grids", "data", allow_duplicate=True),
        Input("wall-map-flush", "data"), State("wall-focus", "data"), State("wall-labels", "data"),
        State("wall-grids", "data"), prevent_initial_call=True)
    app.callback(Output("wall-yesterday", "data"), Input("wall-grid", "data"), Input("live-reload", "data"),
                 Input("wall-yesterday-tick", "n_intervals"))(yesterday)
    # Every tile's change in one callback: one per tile made a Dash cycle each, for each batch of events.
    app.clientside_callback(
        "function(yesterday, ...rest) { return window.commandCentre.versusAll(yesterday, rest); }",
        *(Output(f"wall-delta-{key}", prop) for key in DELTA_TILES for prop in ("children", "className")),
        Input("wall-yesterday", "data"), *(Input(f"wall-kpi-{figure}", "children") for figure in COMPARED),
        State("wall-labels", "data"))
    # Overdue cases turn their tile red, whether the count came from a read or from events.
    app.clientside_callback(
        f"function(count) {{ return +count > 0 ? '{kpi_class('overdue', True)}' : '{kpi_class('overdue')}'; }}",
        Output("wall-tile-overdue", "className"), Input("wall-kpi-overdue", "children"))
    # A settlement rate is the share of two figures, however they changed.
    for rate, (settled, opened) in RATES.items():
        app.clientside_callback(
            "function(settled, opened) { return window.commandCentre.rate(settled, opened); }",
            Output(f"wall-kpi-{rate}", "children"), Input(f"wall-kpi-{settled}", "children"),
            Input(f"wall-kpi-{opened}", "children"))
    # The wall was read afresh: the live link goes on from the stream position of that read.
    app.clientside_callback(
        "function(focus) { return window.commandCentre.restart(focus); }",
        Output("live-batch", "data", allow_duplicate=True), Input("wall-focus", "data"), prevent_initial_call=True)
    # The "today" tiles start afresh at local midnight: one read of the wall, in the browser's own time.
    app.clientside_callback(
        "function(n, focus) { return window.commandCentre.newDay(focus); }",
        Output("live-reload", "data", allow_duplicate=True),
        Input("wall-day-tick", "n_intervals"), State("wall-focus", "data"), prevent_initial_call=True)
    wall_charts.register(app)
