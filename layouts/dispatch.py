"""The dispatcher console (`/dispatch`): the queue of the user's scope in tabs with live counts, a search, a bar
of filters, and the case panel beside it (layouts/case_panel.py).

The queue is an AG Grid on the infinite row model: it asks the server for each block of rows as it scrolls
(callbacks/dispatch.py), so a million cases are never loaded. `dispatch-current` holds the id of the case the
panel shows (None: none), `dispatch-selection` the ids of the rows ticked in the queue, `dispatch-filters` the
search and the filters as the queue and the counts read them (assets/dispatch.js `dispatchFilters`)."""
from __future__ import annotations

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import dcc, html

from backend.cases import queries
from backend.models import CARDS, CHANNELS, URGENCIES
from backend.platform.i18n import Translator
from layouts.case_panel import batch_bar, case_panel, channel_labels
from layouts.wall import CASES_THEME, urgency_labels

BLOCK = 100  # rows the grid asks the server for at a time
TABS = ("to_register", "to_dispatch", "in_handling", "to_verify", "overdue", "supervised", "all")
# The grid picker draws at most this many options at once (typing narrows them): a city's tree of streets and
# communities runs to thousands.
GRID_OPTIONS = 200
# dayjs's name of each language's calendar (assets/dispatch.js defines Chinese's) and how a month heads it.
CALENDARS = {"zh_Hans": ("zh-cn", "YYYY年M月"), "en": ("en", "MMMM YYYY")}


def tab_labels(_: Translator) -> dict[str, str]:
    return {"to_register": _("To register"), "to_dispatch": _("To dispatch"), "in_handling": _("In handling"),
            "to_verify": _("To verify"), "overdue": _("Overdue"), "supervised": _("Supervised"), "all": _("All")}


def tabs(_: Translator, counts: dict[str, int] | None = None) -> list[dict]:
    """The tabs as the segmented control takes them, with their counts once read."""
    labels = tab_labels(_)
    return [{"value": tab, "label": labels[tab] + (f" {count_label(_, counts[tab])}" if counts else "")}
            for tab in TABS]


def search_hint(_: Translator) -> str:
    """What the search reads (backend.cases.queries: words only among recent cases, for speed)."""
    return _("Case numbers at any age; words, addresses and phones in the last {days} days, or from the first "
             "day picked").format(days=queries.WORDS_DAYS)


def count_label(_: Translator, count: int) -> str:
    """A queue count as read up to its cap (backend.cases.queries.TOTAL_CAP): above the cap, "10,000+"."""
    cap = queries.TOTAL_CAP
    return _("{count}+").format(count=f"{cap:,}") if count > cap else str(count)


def card_labels(_: Translator) -> dict[str, str]:
    return {"none": _("No card"), "yellow": _("Yellow card"), "red": _("Red card")}


def choices(labels: dict[str, str], values: tuple[str, ...]) -> list[dict]:
    return [{"value": value, "label": labels[value]} for value in values]


def picker(id_: str, label: str, data: list, wide: bool = False, **props) -> dmc.Select:
    """One filter: its name is its placeholder (and, for screen readers, its label) until a value is picked."""
    return dmc.Select(id=id_, data=data, placeholder=label, clearable=True, size="xs",
                      className="dispatch-filter" + (" dispatch-filter--wide" if wide else ""),
                      comboboxProps={"zIndex": 1000, "width": "max-content"}, maxDropdownHeight=320,
                      **{"aria-label": label}, **props)


def date_range(_: Translator) -> dmc.DatesProvider:
    """Days of the configured time zone, both ends included (callbacks/dispatch.py turns them into UTC)."""
    locale, month = CALENDARS[_.language]
    return dmc.DatesProvider(settings={"locale": locale, "firstDayOfWeek": 1}, children=dmc.DatePickerInput(
        id="dispatch-dates", type="range", placeholder=_("Date range"), valueFormat="MM-DD", clearable=True,
        allowSingleDateInRange=True, size="xs", className="dispatch-filter dispatch-filter--dates",
        monthLabelFormat=month, popoverProps={"zIndex": 1000}, **{"aria-label": _("Date range")}))


def filter_bar(_: Translator) -> html.Div:
    """Category, grid, days, urgency, channel and card; the categories and grids come from the server when the
    page opens (callbacks/dispatch.py `filter_options`), unit grids as the grid picker is typed into."""
    return html.Div(className="dispatch-filters", children=[
        picker("dispatch-category", _("Category"), [], searchable=True, nothingFoundMessage=_("No matching category"),
               wide=True),
        # No debounce: it would hold the value back, and the options arriving meanwhile would drop it (the
        # search goes to the server with each keystroke regardless).
        picker("dispatch-grid", _("Grid"), [], searchable=True, limit=GRID_OPTIONS,
               nothingFoundMessage=_("No matching grid"), renderOption={"function": "dispatchGridOption"},
               wide=True),
        date_range(_),
        picker("dispatch-urgency", _("Urgency"), choices(urgency_labels(_), URGENCIES)),
        picker("dispatch-channel", _("Channel"), choices(channel_labels(_), CHANNELS)),
        picker("dispatch-card", _("Yellow or red card"), choices(card_labels(_), CARDS)),
        dmc.Button(id="dispatch-filters-clear", className="dispatch-filters-clear", variant="subtle", size="xs",
                   disabled=True, children=[
                       _("Clear filters"),
                       html.Span(id="dispatch-filter-count", className="dispatch-filter-count", hidden=True,
                                 title=_("Filters in use")),
                   ]),
        dcc.Store(id="dispatch-grid-tree", data=[]),  # the scope's streets and communities
        dcc.Store(id="dispatch-grid-found", data=[]),  # unit grids matching what the picker was typed
    ])


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
                # dcc.Input takes no title: the hover text is its wrapper's (laid out as if absent).
                html.Span(className="dispatch-search-field", title=search_hint(_), children=dcc.Input(
                    id="dispatch-search", type="search", debounce=0.4, className="dispatch-search",
                    placeholder=_("Case number, words, address or phone"), maxLength=200)),
                html.Button("?", id="dispatch-help-open", className="dispatch-help-button",
                            title=_("Keyboard shortcuts")),
            ]),
            filter_bar(_),
            batch_bar(_),
            queue(_),
        ]),
        case_panel(_, config),
        help_overlay(_),
        dcc.Store(id="dispatch-current", data=None),
        dcc.Store(id="dispatch-selection", data=[]),
        dcc.Store(id="dispatch-filters", data={}),  # nothing picked, nothing searched
        dcc.Store(id="dispatch-poke"),  # a case event in scope: read the counts and the shown rows again
    ])
