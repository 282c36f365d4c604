"""The wall map's open cases: markers clustered at low zoom, a pulse where a new case happened, and their legend.

The markers are drawn in the browser (assets/wallmarkers.js) from a packed read of the open cases
(backend/geo/markers.py) and the pushed events; the clusters are dash-leaflet's (supercluster). Their colours are in assets/theme.css
(`wall-marker--<kind>`), by the accents of the tiles that count the same cases.
"""
from __future__ import annotations

import dash_leaflet as dl
from dash import html

from backend.geo.markers import KINDS
from backend.platform.i18n import Translator
from layouts.widgets import EMPTY_MAP

# Points closer than this (in CSS pixels at 1366 px; scaled with the screen) are one cluster, up to street zoom;
# closer in, every case is its own marker (or spiderfied, when several share a point).
CLUSTER_RADIUS = 48
CLUSTER_MAX_ZOOM = 16


def kind_labels(_: Translator) -> dict[str, str]:
    return {"to_register": _("To register"), "under_way": _("Under way"), "yellow": _("Yellow card"),
            "overdue": _("Red card")}


def marker_layers(_: Translator) -> list[dl.GeoJSON]:
    labels = kind_labels(_)
    hideout = {"kinds": list(KINDS), "labels": [labels[kind] for kind in KINDS]}
    return [
        dl.GeoJSON(id="wall-markers", data=EMPTY_MAP, cluster=True, zoomToBoundsOnClick=True,
                   superClusterOptions={"radius": CLUSTER_RADIUS, "maxZoom": CLUSTER_MAX_ZOOM},
                   pointToLayer={"variable": "commandCentre.caseMarker"},
                   clusterToLayer={"variable": "commandCentre.caseCluster"}, hideout=hideout),
        # New cases, unclustered, for a few seconds: a pulse shows where, however the markers are clustered.
        dl.GeoJSON(id="wall-pulses", data=EMPTY_MAP, pointToLayer={"variable": "commandCentre.casePulse"},
                   interactive=False),
    ]


def marker_legend(_: Translator) -> html.Div:
    labels = kind_labels(_)
    return html.Div(className="wall-legend-group", children=[
        html.Div(_("Cases"), className="wall-legend-title"),
        html.Div(className="wall-legend-scale", children=[
            html.Div(className="wall-legend-item", children=[
                html.Span(className=f"wall-legend-dot wall-marker--{kind}"), html.Span(labels[kind])])
            for kind in KINDS]),
        # Filled when the shown grid has more open cases than the map draws (callbacks/wall.py `capped_note`).
        html.Span(id="wall-markers-note", className="wall-legend-note"),
    ])
