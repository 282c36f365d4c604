"""The dispatcher console (`/dispatch`): the queue of the user's scope in tabs with live counts, a search, and
the case panel beside it (layouts/case_panel.py).

The queue is an AG Grid on the infinite row model: it asks the server for each block of rows as it scrolls
(callbacks/dispatch.py), so a million cases are never loaded. `dispatch-current` holds the id of the case the
panel shows (None: none), `dispatch-selection` the ids of the rows ticked in the queue."""
from __future__ import annotations

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import dcc, html

from backend.platform.i18n import Translator
from layouts.case_panel import batch_bar, case_panel
from layouts.wall import CASES_THEME

BLOCK = 100  # rows the grid asks the server for at a time
TABS = ("to_register", "to_dispatch", "in_handling", "to_verify", "overdue", "supervised", "all")


def tab_labels(_: Translator) -> dict[str, str]:
    return {"to_register": _("To register"), "to_dispatch": _("To dispatch"), "in_handling": _("In handling"),
            "to_verify": _("To verify"), "overdue": _("Overdue"), "supervised": _("Supervised"), "all": _("All")}


def tabs(_: Translator, counts: dict[str, int] | None = None) -> list[dict]:
    """The tabs as the segmented control takes them, with their counts once read."""
    labels = tab_labels(_)
    return [{"value": tab, "label": labels[tab] + (f" {counts[tab]}" if counts else "")} for tab in TABS]


def shortcuts(_: Translator) -> list[tuple[str, str]]:
    return [("↑ ↓  j k", _("move through the queue")), ("x", _("tick the case")), ("r", _("register")),
            ("d", _("dispatch to the top proposal")), ("e", _("escalate")), ("c", _("close")),
            ("?", _("this help"))]


def help_overlay(_: Translator) -> dmc.Modal:
    return dmc.Modal(id="dispatch-help", title=_("Keyboard shortcuts"), opened=False, centered=True, children=[
        html.Dl(className="dispatch-keys", children=[part for key, what in shortcuts(_)
                                                      for part in (html.Dt(html.Kbd(key)), html.Dd(what))]),
    ])


def queue(_: Translator) -> dag.AgGrid:
    light = {"function": "['dispatch-light', 'dispatch-light-' + (params.data ? params.data.light : '')]"}
    columns = [
        {"field": "light", "headerName": "", "width": 44, "cellClass": light, "valueFormatter": {"function": "''"}},
        {"field": "number", "headerName": _("Case number"), "flex": 1.6},
        {"field": "time", "headerName": _("Time"), "flex": 1.1, "colId": "created_at", "sortable": True},
        {"field": "category", "headerName": _("Category"), "flex": 1.5},
        {"field": "grid", "headerName": _("Grid"), "flex": 1.6},
        {"field": "state_label", "headerName": _("State"), "flex": 1,
         "cellClass": {"function": "params.data ? ['wall-state', 'wall-state-' + params.data.state] : []"}},
        {"field": "urgency_label", "headerName": _("Urgency"), "flex": 0.9,
         "cellClass": {"function": "params.data ? ['wall-urgency', 'wall-urgency-' + params.data.urgency] : []"}},
        {"field": "due", "headerName": _("Deadline"), "flex": 1.1, "colId": "deadline", "sortable": True},
    ]
    return dag.AgGrid(
        id="dispatch-queue", className="dispatch-queue", columnDefs=columns, rowModelType="infinite",
        getRowId="params.data.id",
        defaultColDef={"sortable": False, "resizable": True, "suppressHeaderMenuButton": True},
        dashGridOptions={"theme": {"function": CASES_THEME},
                         "rowSelection": {"mode": "multiRow", "checkboxes": True, "headerCheckbox": False,
                                          "enableClickSelection": False},
                         "cacheBlockSize": BLOCK, "maxBlocksInCache": 20,
                         "infiniteInitialRowCount": 1, "localeText": {"noRowsToShow": _("No cases")}},
        style={"height": None})


def layout(_: Translator, config, query: dict) -> html.Div:
    return html.Div(id="dispatch", className="dispatch", children=[
        html.Section(className="dispatch-queue-column wall-panel", children=[
            html.Div(className="dispatch-tools", children=[
                dmc.SegmentedControl(id="dispatch-tab", value="to_register", data=tabs(_), size="sm",
                                     className="dispatch-tabs"),
                dcc.Input(id="dispatch-search", type="search", debounce=0.4, className="dispatch-search",
                          placeholder=_("Case number, words, address or phone"), maxLength=200),
                html.Button("?", id="dispatch-help-open", className="dispatch-help-button",
                            title=_("Keyboard shortcuts")),
            ]),
            batch_bar(_),
            queue(_),
        ]),
        case_panel(_, config),
        help_overlay(_),
        dcc.Store(id="dispatch-current", data=None),
        dcc.Store(id="dispatch-selection", data=[]),
        dcc.Store(id="dispatch-poke"),  # a case event in scope: read the counts and the shown rows again
    ])
