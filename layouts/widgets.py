"""Pieces several screens show: panels, and the grid map with its choropleth layer of grids.

The map's style functions are in the browser (`window.commandCentre.gridStyle`, `gridHover`, `gridLabel`); they
read the layer's `hideout` (see `grid_hideout`).
"""
from __future__ import annotations

import dash_leaflet as dl
from dash import html

# Choropleth classes, from "no open case" to the hottest grids; thresholds come with each read.
MAP_COLOURS = ("#15314d", "#0f766e", "#14b8a6", "#facc15", "#f97316", "#ef4444")
EMPTY_MAP = {"type": "FeatureCollection", "features": []}
# Above this many polygons permanent labels pile up; they fall back to hover tooltips.
MAX_LABELS = 40


def panel_title(text: str, *extra) -> html.Div:
    return html.Div(className="wall-panel-head", children=[html.H2(text, className="wall-panel-title"), *extra])


def panel(*children, className: str = "", **props) -> html.Section:
    return html.Section(className=f"wall-panel {className}".rstrip(), children=list(children), **props)


def grid_hideout(collection: dict, thresholds: list[int] = (), selected: int | None = None) -> dict:
    """What the style functions draw the grids by: open-case classes, the selected grid, permanent labels."""
    return {"colours": MAP_COLOURS, "thresholds": list(thresholds), "selected": selected,
            "labels": len(collection["features"]) <= MAX_LABELS}


def grid_layer(layer_id: str, collection: dict) -> dl.GeoJSON:
    return dl.GeoJSON(id=layer_id, data=collection, hideout=grid_hideout(collection),
                      style={"variable": "commandCentre.gridStyle"},
                      hoverStyle={"variable": "commandCentre.gridHover"},
                      onEachFeature={"variable": "commandCentre.gridLabel"})


def grid_map(map_id: str, config, *layers, **props) -> dl.Map:
    """A map over the configured tiles, or a plain background without them; it starts on `bounds` if given, else
    on the whole world until the screen fits it to its grids (Leaflet would take a centre and zoom over bounds)."""
    tiles = [dl.TileLayer(url=config.tile_url, attribution=config.tile_attribution)] if config.tile_url else []
    view = {} if "bounds" in props else {"center": [0, 0], "zoom": 2}
    return dl.Map(id=map_id, zoomSnap=0.25, attributionControl=bool(config.tile_url), children=[*tiles, *layers],
                  **view, **props)
