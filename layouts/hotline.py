"""The hotline form: an operator takes a phone report in seconds and reads the case number back to the caller.

The page is an empty frame; callbacks/hotline.py fills it with the desk (form and map, with the categories and
grids it needs).
"""
from __future__ import annotations

import dash_leaflet as dl
import dash_mantine_components as dmc
from dash import dcc, html

from backend.platform.i18n import Translator
from layouts.widgets import EMPTY_MAP, grid_layer, grid_map, panel, panel_title

# The same limits as backend.cases.intake.ReportIn, so the fields refuse what intake would.
MAX_LENGTHS = {"phone": 20, "name": 100, "description": 4000, "address": 200}
PICK_COLOUR = "#f43f5e"


def field_labels(_: Translator) -> dict[str, str]:
    return {"phone": _("Caller's phone"), "name": _("Caller's name"), "description": _("What happened"),
            "category": _("Category"), "address": _("Address"), "location": _("Location")}


def layout(_: Translator, config, query: dict) -> html.Div:
    return html.Div(id="hotline", className="hotline")


def text_field(field: str, label: str, **props) -> dmc.TextInput:
    # debounce: the value goes to Dash with Enter (with the submit itself) or on leaving the field, never after it.
    return dmc.TextInput(id=f"hotline-{field}", label=label, size="md", autoComplete="off", className="hotline-field",
                         debounce=True, inputProps={"maxLength": MAX_LENGTHS[field], **props.pop("inputProps", {})},
                         **props)


def quick_button(category: dict) -> dmc.Button:
    # Out of the Tab order: the keyboard path goes through the searchable list.
    return dmc.Button(category["label"], id={"type": "hotline-quick", "code": category["value"]},
                      className="hotline-quick", variant="light", color="cyan", size="compact-sm", tabIndex=-1)


def category_field(_, label: str, options: list[dict], quick: list[dict]) -> html.Div:
    return html.Div([
        dmc.Select(id="hotline-category", label=label, data=options, searchable=True, size="md",
                   # Typing highlights the best match; Enter or Tab takes it.
                   selectFirstOptionOnChange=True, autoSelectOnBlur=True, openOnFocus=False, allowDeselect=False,
                   maxDropdownHeight=300,
                   placeholder=_("Type to search, e.g. rubbish"), nothingFoundMessage=_("No matching category"),
                   withAsterisk=True, className="hotline-field", comboboxProps={"zIndex": 1000}),
        html.Div(className="hotline-quick-row", children=[
            html.Span(_("Frequent:"), className="hotline-quick-label"), *map(quick_button, quick)]) if quick else None,
    ])


def form(_, options: list[dict], quick: list[dict]) -> html.Section:
    labels = field_labels(_)
    return panel(
        panel_title(_("Hotline report"), html.Span(_("Enter saves · Tab moves on"), className="hotline-keys")),
        html.Div(className="hotline-form", children=[
            html.Div(className="hotline-caller", children=[
                text_field("phone", labels["phone"], withAsterisk=True, placeholder="138 0013 8000",
                           inputProps={"autoFocus": True, "type": "tel", "inputMode": "tel"}),
                text_field("name", labels["name"], placeholder=_("Optional")),
            ]),
            # Takes the column's spare height (theme.css), so long accounts stay in view.
            dmc.Textarea(id="hotline-description", label=labels["description"], size="md", withAsterisk=True,
                         debounce=True, className="hotline-field hotline-description",
                         placeholder=_("What, where exactly, since when"),
                         inputProps={"maxLength": MAX_LENGTHS["description"]}),
            category_field(_, labels["category"], options, quick),
            text_field("address", labels["address"], placeholder=_("Street, number, landmark — or click the map")),
            dmc.Button(_("Save and get the case number"), id="hotline-submit", className="hotline-submit",
                       size="lg", fullWidth=True),
        ]),
    )


def map_panel(_, config, grids: dict) -> html.Section:
    return panel(
        panel_title(field_labels(_)["location"],
                    html.Span(_("Click the map where it happened"), className="hotline-keys")),
        html.Div(className="hotline-map-frame", children=[
            # A clientside callback fits the user's area once the map has its size.
            grid_map("hotline-map", config,
                     # Drawn like the wall, without its open-case colours: every grid in the first class.
                     grid_layer("hotline-grids", grids),
                     dl.GeoJSON(id="hotline-picked", data=EMPTY_MAP, interactive=False,
                                style={"variable": "commandCentre.pickedStyle"}),
                     dl.LayerGroup(id="hotline-marker"),
                     className="hotline-map", keyboard=False),
        ]),
        html.Div(id="hotline-location", className="hotline-location", **{"aria-live": "polite"},
                 children=location_hint(_)),
    )


def location_hint(_) -> list:
    return [html.Span(_("No point yet: an address alone is enough, the case is then placed at city level."),
                      className="hotline-location-hint")]


def location_found(_, place: str, lon: float, lat: float) -> list:
    return [html.Span(_("Grid"), className="hotline-location-label"),
            html.Span(place, id="hotline-grid-name", className="hotline-grid-name"),
            html.Span(f"{lon:.5f}, {lat:.5f}", className="hotline-coords")]


def location_warning(message: str) -> list:
    return [html.Span(message, id="hotline-location-warning", className="hotline-location-warning", role="alert")]


def marker(lon: float, lat: float) -> dl.CircleMarker:
    return dl.CircleMarker(center=[lat, lon], radius=7, color="#f8fafc", weight=2.5, fillColor=PICK_COLOUR,
                           fillOpacity=1, interactive=False)


def result_placeholder(_) -> html.Div:
    return html.Div([
        html.Div(_("Case number"), className="hotline-result-label"),
        html.Div("—", className="hotline-number hotline-number--empty"),
        html.Div(_("Appears here once the report is saved, to read back to the caller."),
                 className="hotline-result-hint"),
    ])


def desk(_, config, options: list[dict], quick: list[dict], grids: dict, frame, token: str) -> list:
    return [
        form(_, options, quick),
        html.Div(className="hotline-side", children=[
            map_panel(_, config, grids),
            panel(result_placeholder(_), id="hotline-result", className="hotline-result",
                  **{"aria-live": "assertive"}),
        ]),
        dcc.Store(id="hotline-frame", data=frame),
        dcc.Store(id="hotline-point", data=None),
        # The report's client id: a double submit of one call opens one case (see backend.cases.intake).
        dcc.Store(id="hotline-token", data=token),
        dcc.Store(id="hotline-focus", data=None),
    ]


def fact(label: str, value: str) -> html.Div:
    return html.Div(className="hotline-fact", children=[html.Dt(label), html.Dd(value)])


def confirmation(_, receipt: dict) -> html.Div:
    """What the operator reads back: the case number first, in two groups (day, then sequence)."""
    day, dash, sequence = receipt["number"].partition("-")
    duplicate = receipt["duplicate"]
    return html.Div(className="hotline-confirmation", children=[
        html.Div(_("Saved at {time} · read the case number back to the caller").format(time=receipt["time"]),
                 className="hotline-result-label hotline-result-label--ok"),
        html.Div(id="hotline-case-number", className="hotline-number", children=[
            html.Span(day, className="hotline-number-day"), dash, html.Span(sequence, className="hotline-number-seq"),
        ]),
        html.Dl(className="hotline-facts", children=[
            fact(_("Category"), receipt["category"]),
            fact(_("Grid"), receipt["grid"]),
            fact(_("Caller"), receipt["caller"]),
        ]),
        html.Div(_("Possible duplicate of open case {number} nearby").format(number=duplicate),
                 id="hotline-duplicate", className="hotline-duplicate") if duplicate else None,
    ])


def not_saved(_, wrong: list[str]) -> html.Div:
    labels = field_labels(_)
    return html.Div(className="hotline-not-saved", role="alert", children=[
        html.Div(_("Not saved"), className="hotline-result-label hotline-result-label--alert"),
        html.Ul([html.Li(labels[field]) for field in wrong], className="hotline-wrong"),
        html.Div(_("Correct these and save again; no case number has been given yet."),
                 className="hotline-result-hint"),
    ])
