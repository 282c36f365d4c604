"""The wall display: today's KPIs, the grid map with drill-down and the latest cases, read from metres away."""
from __future__ import annotations

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import dcc, html

from backend.geo.grids import grid_id
from backend.models import OPEN_STATES
from backend.platform.i18n import Translator
from layouts.grid_panel import grid_panel
from layouts.wall_charts import charts_panel
from layouts.wall_markers import marker_layers, marker_legend
from layouts.widgets import EMPTY_MAP, grid_layer, grid_map, panel, panel_title

# The tiles, in order: counts (each the figure of its indicator), and settlement rates, each the share of two
# figures kept hidden (`RATES`: rate -> (settled, opened), backend/indicators/definitions.py). Every figure is
# what events patch (assets/wall.js); open cases is shown by the map.
COUNT_TILES = ("reports_today", "to_register", "under_way", "yellow", "overdue", "closed_today")
RATES = {"rate_today": ("settled_today", "opened_today"), "rate_month": ("settled_month", "opened_month")}
KPIS = (*COUNT_TILES, "open_cases", *(figure for pair in RATES.values() for figure in pair))
# The tiles that show their change against yesterday, and the figures that change is worked out from.
DELTA_TILES = (*COUNT_TILES, *RATES)
COMPARED = tuple(key for key in KPIS if key != "open_cases")
# How a tile's change against the same time yesterday reads: a rise of these is bad news, of those good news
# (the rest, reports, is neither).
RISE_IS = {"to_register": "worse", "under_way": "worse", "yellow": "worse", "overdue": "worse",
           "closed_today": "better", "rate_today": "better", "rate_month": "better"}

# The Theming API (AG Grid 33+); sizes are CSS lengths so the table scales with the screen like the rest.
CASES_THEME = """themeQuartz.withParams({
    backgroundColor: '#0b1a2e', foregroundColor: '#dbe7f5', accentColor: '#22d3ee',
    headerBackgroundColor: '#0e2240', headerTextColor: '#8fb3d9', borderColor: '#17324f',
    oddRowBackgroundColor: '#0d1f36', rowHoverColor: '#12304f', wrapperBorder: false,
    fontFamily: 'inherit', fontSize: 'clamp(13px, 0.95vw, 40px)', headerFontSize: 'clamp(12px, 0.8vw, 34px)',
    rowHeight: 'clamp(30px, 2.4vw, 96px)', headerHeight: 'clamp(30px, 2.2vw, 88px)',
    spacing: 'clamp(4px, 0.3vw, 12px)', cellHorizontalPadding: 'clamp(6px, 0.5vw, 20px)'
})"""

# How often the figures of the same time yesterday are read again: the comparison lags the clock by at most this.
YESTERDAY_EVERY_MS = 300_000

WRAPPED = {"wrapText": True, "autoHeight": True, "cellClass": "wall-cell-wrapped"}


def kpi_labels(_: Translator) -> dict[str, str]:
    return {"reports_today": _("Reports today"), "to_register": _("To register"), "under_way": _("Under way"),
            "yellow": _("Yellow cards"), "overdue": _("Red cards"), "closed_today": _("Closed today"),
            "rate_today": _("Settled today"), "rate_month": _("Settled this month")}


def state_labels(_: Translator) -> dict[str, str]:
    return {"collected": _("Collected"), "registered": _("Registered"), "dispatched": _("Dispatched"),
            "handling": _("Handling"), "fed_back": _("Fed back"), "closed": _("Closed"), "cancelled": _("Cancelled")}


def urgency_labels(_: Translator) -> dict[str, str]:
    return {"low": _("Low"), "normal": _("Normal"), "high": _("High"), "critical": _("Critical")}


def kpi_class(key: str, alert: bool = False) -> str:
    return f"wall-kpi wall-kpi--{key}" + (" wall-kpi--alert" if alert else "")


def kpi_tile(key: str, label: str, versus: str) -> dmc.Paper:
    return dmc.Paper(id=f"wall-tile-{key}", className=kpi_class(key), children=[
        html.Div(label, className="wall-kpi-label"),
        html.Div("–", id=f"wall-kpi-{key}", className="wall-kpi-value"),
        html.Div(id=f"wall-delta-{key}", className="wall-kpi-delta", title=versus),
    ])


def hidden_figures() -> html.Div:
    """The figures no tile shows as they are: the map's open cases and the rates' parts."""
    return html.Div(hidden=True, children=[html.Span("–", id=f"wall-kpi-{key}") for key in KPIS
                                           if key not in COUNT_TILES])


def case_labels(_: Translator) -> dict:
    """What the browser needs to show pushed cases in the user's language (assets/wall.js)."""
    return {"language": _.language, "states": state_labels(_), "urgencies": urgency_labels(_),
            "open_count": _("{count} open"), "updated": _("Updated {time}"),
            "versus": _("{change} vs yesterday"), "points": _("{change} pts"), "rise_is": RISE_IS,
            "rates": RATES, "open_states": OPEN_STATES, "delta_tiles": DELTA_TILES, "compared": COMPARED}


def map_panel(_: Translator, config) -> html.Section:
    return panel(
        panel_title(_("Grid map"), html.Nav(id="wall-breadcrumb", className="wall-breadcrumb")),
        html.Div(className="wall-map-body", children=[
            html.Div(className="wall-map-frame", children=[
                # The first navigation fits the user's grid.
                grid_map("wall-map", config, grid_layer("wall-grids", EMPTY_MAP), *marker_layers(_),
                         className="wall-map", zoomControl=False),
            ]),
            # Beside the map, not over it: whatever it covered would be the grid it describes.
            grid_panel(_, state_labels(_)),
        ]),
        # Below the map, not over it: a legend in a corner covers whichever grid lies there.
        html.Div(className="wall-legend", children=[
            html.Div(className="wall-legend-group", children=[
                html.Div(_("Open cases"), className="wall-legend-title"),
                html.Div(id="wall-legend-scale", className="wall-legend-scale"),
            ]),
            marker_legend(_),
        ]),
        className="wall-map-panel")


def cases_table(_: Translator) -> html.Section:
    columns = [
        # Flex shares sized so the English labels fit at 1366 px; everything scales with the viewport. An older
        # case's date, categories and grid names wrap onto a second line rather than lose their end.
        {"field": "time", "headerName": _("Time"), "flex": 1.25, **WRAPPED},
        {"field": "number", "headerName": _("Case number"), "flex": 2.3},
        {"field": "category", "headerName": _("Category"), "flex": 1.7, **WRAPPED},
        {"field": "grid", "headerName": _("Grid"), "flex": 1.8, **WRAPPED},
        {"field": "state_label", "headerName": _("State"), "flex": 1.45,
         "cellClass": {"function": "['wall-state', 'wall-state-' + params.data.state]"}},
        {"field": "urgency_label", "headerName": _("Urgency"), "flex": 1.3,
         "cellClass": {"function": "['wall-urgency', 'wall-urgency-' + params.data.urgency]"}},
    ]
    return panel(
        panel_title(_("Latest cases"), html.Span(id="wall-updated", className="wall-updated")),
        dag.AgGrid(id="wall-cases", className="wall-cases", columnDefs=columns, rowData=[],
                   getRowId="params.data.id",
                   defaultColDef={"sortable": False, "resizable": False, "suppressMovable": True,
                                  "suppressHeaderMenuButton": True},
                   rowClassRules={"wall-row-fresh": "params.data.fresh"},
                   dashGridOptions={"theme": {"function": CASES_THEME}, "animateRows": True,
                                    "suppressCellFocus": True, "localeText": {"noRowsToShow": _("No cases yet")}},
                   style={"height": None}),  # drop dash-ag-grid's fixed 400 px: the panel's flex sets it
        className="wall-cases-panel")


def layout(_: Translator, config, query: dict) -> html.Div:
    """`?grid=<id>` opens the wall on that grid (callbacks/wall.py shows the user's own if it is not theirs)."""
    labels = kpi_labels(_)
    return html.Div(id="wall", className="wall", children=[
        html.Div(className="wall-kpis", children=[kpi_tile(key, labels[key], _("Change against the same time yesterday"))
                                                  for key in DELTA_TILES]),
        hidden_figures(),
        html.Div(className="wall-body", children=[map_panel(_, config), cases_table(_), charts_panel(_)]),
        # The grid the wall shows; None is the user's own scope grid.
        dcc.Store(id="wall-grid", data=grid_id(query.get("grid"))),
        # Drilling down writes the grid into the address (no reload, a history entry) so the view can be bookmarked.
        dcc.Location(id="wall-location", refresh=False),
        # What pushed events are filtered and patched against: the shown grid and its map's child level.
        dcc.Store(id="wall-focus", data=None),
        dcc.Store(id="wall-labels", data=case_labels(_)),
        dcc.Store(id="wall-map-flush"),  # poked by the browser to draw map counts held back (applyEvents)
        dcc.Store(id="wall-markers-packed"),  # the open cases as read (backend/geo/markers.py), for the browser
        dcc.Interval(id="wall-day-tick", interval=30_000),  # checks for local midnight (in the browser)
        # The figures of the same time yesterday: read with the wall, and again as that time moves on.
        dcc.Store(id="wall-yesterday"),
        dcc.Interval(id="wall-yesterday-tick", interval=YESTERDAY_EVERY_MS),
    ])
