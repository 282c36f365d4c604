"""The wall's grid panel, beside the map: the grid shown (name and code), its open cases by state and the persons
responsible for it, with their phones for roles that call staff (backend/geo/grid_panel.py reads it)."""
from __future__ import annotations

from dash import html

from backend.geo.grid_panel import GridPanel
from backend.models import OPEN_STATES
from backend.platform.i18n import Translator


def grid_panel(_: Translator, states: dict[str, str]) -> html.Aside:
    """The panel's frame; `states`: each state's name. The counts are patched by pushed events (`wall-open-<state>`,
    assets/wallmarkers.js `applyStates`), the rest is written by each read of the wall."""
    return html.Aside(id="wall-grid-panel", className="wall-grid-panel", children=[
        html.Div(id="wall-panel-head", className="wall-grid-panel-head"),
        html.Div(_("Open cases by state"), className="wall-grid-panel-title"),
        html.Div(className="wall-grid-panel-states", children=[
            html.Div(className=f"wall-grid-panel-state wall-state-{state}", children=[
                html.Span(states[state]), html.Span("–", id=f"wall-open-{state}", className="wall-grid-panel-count")])
            for state in OPEN_STATES]),
        html.Div(id="wall-panel-persons", className="wall-grid-panel-people"),
    ])


def panel_head(_: Translator, panel: GridPanel) -> list:
    return [html.Span(_.name(panel), className="wall-grid-panel-name", title=_.name(panel)),
            html.Span(panel.code, className="wall-grid-panel-code")]


def person_items(_: Translator, panel: GridPanel) -> list:
    """The persons' title with their number, and those the panel lists (rows that do not fit are not shown)."""
    title = html.Div(_("Responsible persons ({count})").format(count=panel.serving), className="wall-grid-panel-title")
    if not panel.persons:
        return [title, html.Div(_("No one is responsible for this grid yet"), className="wall-grid-panel-none")]
    return [title, html.Ul(className="wall-grid-panel-persons", children=[
        html.Li(className="wall-grid-panel-person", children=[
            html.Span(_.name(person), className="wall-person-name"),
            html.Span(person.position, className="wall-person-position"),
            # Without a phone (a role that does not call staff) the row has no number at all, not a blank.
            *([html.Span(person.phone, className="wall-person-phone")] if person.phone else []),
        ]) for person in panel.persons])]
