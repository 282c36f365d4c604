"""The dispatcher console (`/dispatch`): the queue of the user's scope, and the case panel beside it (a stub until
the console lands).

Contract with layouts/case_panel.py: `dispatch-current` holds the id of the case the panel shows (None: none),
`dispatch-selection` the ids of the rows ticked in the queue."""
from __future__ import annotations

from dash import dcc, html

from backend.platform.i18n import Translator
from layouts.case_panel import batch_bar, case_panel


def layout(_: Translator, config, query: dict) -> html.Div:
    return html.Div(id="dispatch", className="dispatch", children=[
        html.Section(className="dispatch-queue-column", children=[batch_bar(_)]),
        case_panel(_, config),
        dcc.Store(id="dispatch-current", data=None),
        dcc.Store(id="dispatch-selection", data=[]),
    ])
