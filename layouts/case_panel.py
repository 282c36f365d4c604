"""The dispatcher console's case panel and its bar for several selected cases. The console (layouts/dispatch.py)
places both; they read `dispatch-current` (the case shown) and `dispatch-selection` (the rows ticked).

The panel's frame is static (the result line, the one-click "Dispatch to <top proposal>" button, the stores);
its body is drawn from a case's detail by `body` (callbacks/case_panel.py reads it). Layouts never read the
database: every value arrives as an argument."""
from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

import dash_leaflet as dl
from dash import dcc, html

from backend.platform.i18n import Translator
from layouts.wall import state_labels
from layouts.widgets import grid_map

# The parameters each action's small form asks for (backend/cases/workflow.py TRANSITIONS): name, kind.
FORMS: dict[str, tuple[tuple[str, str], ...]] = {
    "register": (("category_code", "category"), ("urgency", "urgency")),
    "cancel": (("note", "reason"),),
    "merge": (("into_number", "number"),),
    "dispatch": (("person_id", "person"), ("department_id", "department")),
    "accept": (),
    "return": (("note", "reason"),),
    "feed_back": (("note", "reason"),),
    "close": (),
    "rework": (("note", "reason"),),
    "escalate": (("department_id", "department"),),
    "request_postpone": (("hours", "hours"), ("note", "reason")),
    "approve_postpone": (),
    "reject_postpone": (("note", "reason"),),
    "supervise": (("note", "reason"),),
    "mark_card": (("card", "card"),),
}
# Keyboard shortcuts (assets/casepanel.js): key -> action.
KEYS = {"register": "r", "escalate": "e", "close": "c"}


def action_names(_: Translator) -> dict[str, str]:
    return {"register": _("Register"), "cancel": _("Cancel report"), "merge": _("Merge"),
            "dispatch": _("Dispatch"), "accept": _("Accept"), "return": _("Return"), "feed_back": _("Feed back"),
            "close": _("Verify and close"), "rework": _("Rework"), "escalate": _("Escalate"),
            "request_postpone": _("Request postponement"), "approve_postpone": _("Approve postponement"),
            "reject_postpone": _("Reject postponement"), "supervise": _("Supervise"), "mark_card": _("Mark card"),
            "collect": _("Collected")}


def case_panel(_: Translator, config) -> html.Aside:
    return html.Aside(id="case-panel", className="case-panel", children=[
        html.Div(id="case-result", className="case-result", role="status"),
        html.Button(id="case-dispatch-top", className="case-button case-button--primary", hidden=True,
                    n_clicks=0, title=_("Dispatch to the top proposal (d)")),
        html.Div(id="case-body", className="case-body",
                 children=html.P(_("Select a case in the queue."), className="case-empty")),
        html.Div(id="case-photo-modal", className="case-modal", hidden=True,
                 children=html.Img(id="case-photo-large", alt=_("Photo"))),
        dcc.Store(id="case-shown"),  # {"id", "version"} of the case drawn
        dcc.Store(id="case-refresh", data=0),  # bumped after an action: draw the case again
        dcc.Store(id="case-live", data=0),  # bumped by assets/casepanel.js when a live event is about it
    ])


def batch_bar(_: Translator) -> html.Div:
    return html.Div(id="case-batch", className="case-batch", hidden=True, children=[
        html.Span(id="case-batch-count", className="case-batch-count"),
        html.Button(id="case-batch-register", className="case-button", n_clicks=0),
        html.Button(_("Dispatch each to its top proposal"), id="case-batch-dispatch", className="case-button",
                    n_clicks=0),
        html.Ul(id="case-batch-result", className="case-batch-result"),
    ])


def batch_labels(_: Translator, count: int) -> tuple[str, str]:
    return (_.ngettext("{n} case selected", "{n} cases selected", count).format(n=count),
            _("Register {n}").format(n=count))


def _named(_: Translator, row: dict) -> str:
    return row["name"] if _.language == "zh_Hans" else row["name_en"]


def _duration(_: Translator, delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return _("{m} min").format(m=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("{h} h {m} min").format(h=hours, m=minutes)
    return _("{d} d {h} h").format(d=hours // 24, h=hours % 24)


def _local(_: Translator, moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%m-%d} {_.clock(moment, zone)}"


def deadline_bar(_: Translator, case: dict, events: list[dict], now: datetime, zone: tzinfo,
                 yellow_share: float) -> html.Div | None:
    """How much of the time limit is used: green below `yellow_share`, yellow up to the limit, red beyond."""
    deadline = case.get("deadline")
    if deadline is None:
        return None
    started = next((e["at"] for e in reversed(events) if e["action"] in ("dispatch", "escalate")), case["created_at"])
    total = (deadline - started).total_seconds()
    used = (now - started).total_seconds() / total if total > 0 else 1.0
    light = "green" if used < yellow_share else "yellow" if used < 1 else "red"
    left = deadline - now
    text = (_("{t} left").format(t=_duration(_, left)) if left.total_seconds() >= 0
            else _("{t} overdue").format(t=_duration(_, -left)))
    return html.Div(className="case-deadline", children=[
        html.Div(className="case-deadline-label", children=[
            html.Span(_("Deadline {t}").format(t=_local(_, deadline, zone))), html.Span(text)]),
        html.Div(className="case-bar", children=html.Div(
            className=f"case-bar-fill case-bar-fill--{light}", id="case-deadline-fill",
            style={"width": f"{min(max(used, 0.0), 1.0) * 100:.0f}%"})),
    ])


def timeline(_: Translator, events: list[dict], now: datetime, zone: tzinfo, names: dict) -> html.Ol:
    items = []
    for index, event in enumerate(events):
        ends = events[index + 1]["at"] if index + 1 < len(events) else None
        took = _duration(_, (ends or now) - event["at"])
        items.append(html.Li(className="case-step", children=[
            html.Span(_local(_, event["at"], zone), className="case-step-time"),
            html.Span(event["actor_name"], className="case-step-who"),
            html.Span(names.get(event["action"], event["action"]), className="case-step-what"),
            html.Span(took if ends else _("{t} so far").format(t=took), className="case-step-took"),
            html.Div(_note(_, event), className="case-step-note") if event.get("note") else None,
        ]))
    return html.Ol(items, className="case-timeline")


def _note(_: Translator, event: dict) -> str:
    """What the step's note says; a collection's note is its channel (backend/cases/intake.py), shown by name."""
    if event["action"] == "collect":
        return channel_labels(_).get(event["note"], event["note"])
    return event["note"]


def _field(_: Translator, action: str, name: str, kind: str, options: dict) -> dcc.Dropdown | dcc.Input:
    field_id = {"type": "case-field", "action": action, "name": name}
    if kind in ("category", "person", "department", "urgency", "card"):
        placeholder = {"category": _("Reclassify (optional)"), "person": _("Pick a person"),
                       "department": _("or a department"), "urgency": _("Urgency (optional)"),
                       "card": _("Card")}[kind]
        return dcc.Dropdown(id=field_id, options=options.get(kind, []), placeholder=placeholder,
                            className="case-select")
    placeholder = {"reason": _("Reason"), "number": _("Case number"), "hours": _("Hours")}[kind]
    return dcc.Input(id=field_id, type="number" if kind == "hours" else "text", placeholder=placeholder,
                     className="case-input", debounce=False)


def actions(_: Translator, allowed: list[str], options: dict, duplicate_of: str | None) -> html.Div:
    names = action_names(_)
    forms = []
    for action in allowed:
        fields = FORMS.get(action, ())
        if action == "merge" and duplicate_of:
            forms.append(html.Div(className="case-action", children=[html.Button(
                _("Merge into {number}").format(number=duplicate_of), id={"type": "case-do", "action": "merge"},
                className="case-button case-button--merge", n_clicks=0)]))
            continue
        button = html.Button(names.get(action, action), id={"type": "case-do", "action": action}, n_clicks=0,
                             className="case-button", **({"data-key": KEYS[action]} if action in KEYS else {}))
        forms.append(html.Div(className="case-action", children=[
            *(_field(_, action, name, kind, options) for name, kind in fields), button]))
    return html.Div(forms or html.P(_("No action is yours on this case now."), className="case-empty"),
                    className="case-actions")


def small_map(config, case: dict, where) -> dl.Map | None:
    """The case's point, its unit grid's outline and the open cases nearby."""
    if where is None or where.bounds is None:
        return None
    layers = []
    if where.grid is not None:
        layers.append(dl.GeoJSON(data={"type": "FeatureCollection", "features": [where.grid]}, interactive=False,
                                 style={"color": "#22d3ee", "weight": 2, "fillOpacity": 0.08}))
    layers += [dl.CircleMarker(center=[n["lat"], n["lon"]], radius=4, color="#8fb3d9", weight=1, fillOpacity=0.6)
               for n in where.nearby]
    if case.get("lat") is not None and case.get("lon") is not None:
        layers.append(dl.CircleMarker(center=[case["lat"], case["lon"]], radius=7, color="#f8fafc", weight=2,
                                      fillColor="#f43f5e", fillOpacity=1))
    return html.Div(className="case-map", children=grid_map(
        "case-map", config, *layers,
        # Not tracked: dash-leaflet's tracking compares the view with a centre, which a map fitted to bounds lacks.
        bounds=where.bounds, boundsOptions={"padding": [16, 16]}, trackViewport=False,
        style={"height": "100%", "width": "100%"}))


def channel_labels(_: Translator) -> dict[str, str]:
    return {"handheld": _("Handheld"), "sms": _("SMS"), "hotline": _("Hotline"), "web": _("Web"),
            "visit": _("Visit"), "open311": _("Open311"), "system": _("System")}


def body(_: Translator, case: dict, reporter, now: datetime, zone: tzinfo, yellow_share: float,
         options: dict, config=None, where=None) -> list:
    """The panel for one case (its detail as `CaseDetail.model_dump()`)."""
    states = state_labels(_)
    names = action_names(_)
    grid = case.get("grid")
    channel = channel_labels(_).get(case["channel"], case["channel"])
    proposals = case.get("proposals") or []
    return [
        html.Header(className="case-head", children=[
            html.H2(case["number"], id="case-number", className="case-number"),
            html.Span(states.get(case["state"], case["state"]), id="case-state",
                      className=f"case-state case-state--{case['state']}"),
            html.Span(_named(_, case["category"]), className="case-category"),
        ]),
        deadline_bar(_, case, case["events"], now, zone, yellow_share),
        html.P(case["description"], className="case-description"),
        html.Dl(className="case-facts", children=[
            html.Dt(_("Channel")), html.Dd(channel),
            html.Dt(_("Reporter")), html.Dd(" · ".join(x for x in (reporter.name, reporter.phone) if x) or "—",
                                            id="case-reporter"),
            html.Dt(_("Place")), html.Dd(" · ".join(x for x in (case.get("address"), _named(_, grid) if grid else None)
                                                   if x) or "—"),
        ]),
        small_map(config, case, where) if config is not None else None,
        html.Div(className="case-duplicate", children=[
            html.Span(_("Probable duplicate of {number}").format(number=case["duplicate_of"]))])
        if case.get("duplicate_of") else None,
        html.Div(className="case-photos", children=[
            html.Img(src=a["url"], className="case-thumb", alt=_("Photo"))
            for a in case["attachments"] if a["content_type"].startswith("image/")]) if case["attachments"] else None,
        html.Section(className="case-proposals", children=[
            html.H3(_("Proposed assignees")),
            html.Ul([html.Li([html.Span(_named(_, p), className="case-proposal-name"),
                              html.Span(p["position"], className="case-proposal-position"),
                              html.Span(_.ngettext("{n} open case", "{n} open cases", p["open_cases"])
                                        .format(n=p["open_cases"]), className="case-proposal-load")])
                     for p in proposals]),
        ]) if proposals else None,
        actions(_, case["allowed_actions"], options, case.get("duplicate_of")),
        html.Section(className="case-history", children=[html.H3(_("History")),
                                                         timeline(_, case["events"], now, zone, names)]),
    ]
