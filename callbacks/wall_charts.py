"""The wall's charts: read with the rest of the wall, in the same database snapshot as its figures and at the
same stream position (callbacks/wall.py `refresh` calls `chart_data`), so the events the live link applies
after that read are exactly those the charts have not counted; then drawn and kept up in the browser from the
pushed events (assets/wallcharts.js), with no request per event."""
from __future__ import annotations

from datetime import datetime

from dash import Input, Output, State
from sqlalchemy.orm import Session

from backend.geo.scope import Scope
from backend.indicators.charts import (
    bar_level,
    hourly,
    reports_by_category,
    settlement_by_child,
)
from backend.indicators.definitions import Day
from backend.models import PLACEMENT_COLUMNS, Grid
from layouts.wall_charts import CHARTS


def _named(_, rows: list[dict]) -> list[dict]:
    """Rows in the user's language: `name` is the Chinese one, `name_en` the English."""
    return [{**{k: v for k, v in row.items() if k not in ("name", "name_en")},
             "name": row["name"] if _.language == "zh_Hans" else row["name_en"]} for row in rows]


def chart_data(_, session: Session, scope: Scope, grid: Grid, frame: Grid | None, at: datetime, tz: str) -> dict:
    """What the charts of the wall showing `grid` draw: the settlement of each grid the map draws (the
    children of `frame`; without one, `grid` alone), and `grid`'s reports and closures by local hour and
    its reports by category. `scope`: the user's; `placement`: the event field naming a bar's grid."""
    day, parent = Day.of(at, tz), frame or grid
    mine = Scope.of_grid(grid)
    return {"placement": PLACEMENT_COLUMNS[bar_level(parent)],
            "grids": _named(_, settlement_by_child(session, scope, parent, day)),
            "hours": hourly(session, mine, day, tz),
            "categories": _named(_, reports_by_category(session, mine, day))}


def register(app) -> None:
    """The charts are drawn in the browser from the wall's read and the pushed events (`wall-charts-data`
    is written by callbacks/wall.py `refresh`)."""
    app.clientside_callback(
        "function(data, events, focus, spec) { return window.commandCentre.drawCharts(data, events, focus, spec); }",
        *(Output(f"wall-chart-{name}", "figure") for name in CHARTS),
        Input("wall-charts-data", "data"), Input("live-batch", "data"), State("wall-focus", "data"),
        State("wall-charts-spec", "data"), prevent_initial_call=True)
