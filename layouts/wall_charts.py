"""The wall's charts (plotly): today's settlement rate by grid, reports and closures per hour against the same
hours a week ago, and today's categories. The browser draws them (assets/wallcharts.js) from the wall's read
and the pushed events; here are their panels, their look and their words."""
from __future__ import annotations

from dash import dcc, html

from backend.platform.i18n import Translator
from layouts.widgets import panel, panel_title

CHARTS = ("grids", "hours", "categories")
TOP_CATEGORIES = 8  # bars of their own; the rest are one bar, "Other"

TEXT, MUTED, LINES = "#dbe7f5", "#8fb3d9", "#17324f"
# Sizes are in multiples of the chart's font size, which the CSS sets by the viewport (assets/wallcharts.css):
# assets/wallcharts.js scales `font.size`, margins and marker sizes by it when it draws.
AXIS = {"color": MUTED, "gridcolor": LINES, "linecolor": LINES, "zeroline": False, "fixedrange": True,
        "automargin": True, "tickfont": {"color": MUTED}}


def _layout(**extra) -> dict:
    return {"paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)", "font": {"family": "inherit",
            "color": TEXT}, "showlegend": False, "dragmode": False, "bargap": 0.35, "hovermode": "closest",
            "hoverlabel": {"bgcolor": "#0e2240", "bordercolor": LINES, "font": {"color": TEXT}},
            "xaxis": dict(AXIS), "yaxis": dict(AXIS), **extra}


def chart_spec(_: Translator) -> dict:
    """What the browser draws the charts with: their look, and every word on them in the user's language."""
    return {
        "layouts": {
            "grids": _layout(yaxis={**AXIS, "range": [0, 105], "ticksuffix": "%", "dtick": 25}),
            "hours": _layout(showlegend=True, hovermode="x unified",
                             legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom",
                                     "font": {"color": MUTED}, "bgcolor": "rgba(0,0,0,0)"},
                             xaxis={**AXIS, "tickvals": list(range(0, 24, 3)),
                                    "ticktext": [f"{hour:02d}:00" for hour in range(0, 24, 3)], "range": [-0.3, 23.3]},
                             yaxis={**AXIS, "rangemode": "tozero", "tickformat": "d"}),
            "categories": _layout(xaxis={**AXIS, "rangemode": "tozero", "tickformat": "d"},
                                  yaxis={**AXIS, "autorange": "reversed", "gridcolor": "rgba(0,0,0,0)"}),
        },
        "names": {"reports": _("Reports today"), "closures": _("Closed today"),
                  "reports_ago": _("Reports a week ago"), "closures_ago": _("Closed a week ago"),
                  "other": _("Other"), "settled": _("{settled} of {opened} settled")},
        "language": _.language,
        "top": TOP_CATEGORIES,
    }


def chart(name: str, title: str) -> html.Section:
    return panel(
        panel_title(title),
        # The figure is drawn in the browser; until then an empty, transparent one (not plotly's white axes).
        dcc.Graph(id=f"wall-chart-{name}", className="wall-chart", responsive=True,
                  figure={"data": [], "layout": _layout(xaxis={"visible": False}, yaxis={"visible": False})},
                  config={"displayModeBar": False, "staticPlot": False, "scrollZoom": False}),
        className=f"wall-chart-panel wall-chart-panel--{name}")


def charts_panel(_: Translator) -> html.Div:
    return html.Div(id="wall-charts", className="wall-charts", children=[
        chart("grids", _("Settlement rate today by grid")),
        chart("hours", _("Reports and closures per hour")),
        chart("categories", _("Today's categories")),
        dcc.Store(id="wall-charts-data"),  # written with the wall's read (callbacks/wall.py `refresh`)
        dcc.Store(id="wall-charts-spec", data=chart_spec(_)),
    ])
