"""The case panel's callbacks (layouts/case_panel.py), registered by the dispatcher console: draw the current
case, take an action on it through `backend.cases.actions.act` (the one path for every action), act on the
selected cases one by one, and redraw when a live event is about the case shown."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from dash import ALL, Input, Output, State, callback_context, html, no_update
from dash.exceptions import PreventUpdate
from pydantic import Field
from typing_extensions import TypedDict

from backend.cases import panel
from backend.cases.actions import act
from backend.cases.queries import detail
from backend.cases.workflow import Conflict, WorkflowError
from backend.platform.schemas import Id
from callbacks.common import Clicks, Number, centre, now, session, user
from dashboard.context import actor
from layouts import case_panel as view
from layouts.wall import state_labels

# The values of the shown forms' fields, in the order Dash lists them.
FieldValue = Annotated[str, Field(max_length=2000)] | int | Number | None
Selection = Annotated[list[Id], Field(max_length=500)]


class Shown(TypedDict):
    """What `draw` keeps of the case drawn: the version the user sees, who "Dispatch to" means, the duplicate."""
    id: Id
    version: int
    top: Id | None
    duplicate: Id | None


def _options(_, s) -> dict:
    return {"category": [{"value": minor.code, "label": f"{_.name(major)} / {_.name(minor)}"}
                         for minor, major in panel.minor_categories(s)],
            "department": [{"value": d.id, "label": _.name(d)} for d in panel.departments(s)],
            "urgency": [{"value": u, "label": u} for u in ("low", "normal", "high", "critical")],
            "card": [{"value": "yellow", "label": _("Yellow card")}, {"value": "red", "label": _("Red card")}]}


def _top_label(_, case: dict) -> tuple[str, bool]:
    proposals = case.get("proposals") or []
    if "dispatch" not in case["allowed_actions"] or not proposals:
        return "", True
    top = proposals[0]
    return _("Dispatch to {name}").format(name=top["name"] if _.language == "zh_Hans" else top["name_en"]), False


def draw(current: Id | None, _refresh: int | None, _live: int | None):
    """The panel of the current case as it is now (nothing for a case outside the user's scope)."""
    _ = user().translator
    cleared = callback_context.triggered_id == "dispatch-current"
    result = "" if cleared else no_update
    if current is None:
        return html.P(_("Select a case in the queue."), className="case-empty"), None, "", True, result
    config = centre().config
    who = actor()
    with session() as s:
        try:
            case = detail(s, who, current).model_dump()
            reporter = panel.reporter(s, who, current)
            where = panel.place(s, who, current)
        except WorkflowError:
            return html.P(_("This case does not exist or is outside your area."), className="case-empty"), \
                None, "", True, result
        duplicate = panel.case_id_by_number(s, who, case.get("duplicate_of"))
        options = _options(_, s)
        options["person"] = [{"value": p["person_id"], "label": p["name"] if _.language == "zh_Hans" else p["name_en"]}
                             for p in case["proposals"]]
    label, hidden = _top_label(_, case)
    shown = {"id": case["id"], "version": case["version"],
             "top": case["proposals"][0]["person_id"] if case["proposals"] else None, "duplicate": duplicate}
    children = view.body(_, case, reporter, now(), ZoneInfo(config.timezone), config.yellow_share, options,
                         config, where)
    return children, shown, label, hidden, result


def refusal(_, error: WorkflowError) -> str:
    """A refusal in words: a conflict names who did what and when (local time)."""
    if isinstance(error, Conflict):
        details = error.details
        at = datetime.fromisoformat(details["changed_at"])
        names = view.action_names(_)
        return _("{who} already did {action} at {time}; this is the case as it is now.").format(
            who=details["changed_by"], action=names.get(details["action"], details["action"]),
            time=_.clock(at, ZoneInfo(centre().config.timezone)))
    return str(error)


def _params(action: str, fields: dict[str, object], shown: Shown, who) -> dict:
    params = {name: value for name, value in fields.items() if value not in (None, "")}
    if action == "merge":
        number = params.pop("into_number", None)
        with session() as s:
            into = panel.case_id_by_number(s, who, number) if number else shown["duplicate"]
        if into is not None:
            params["into_case_id"] = into
    return params


def take(sessions, who, case_id: int, action: str, params: dict, version: int | None):
    """One action through `act`: (ok, message) — a refusal is the panel's to show, never a 500."""
    _ = user().translator
    try:
        case = act(sessions, who, case_id, action, params, now(), centre().config, version=version)
    except WorkflowError as error:
        return False, refusal(_, error)
    return True, _("{number}: {action} done, now {state}.").format(
        number=case.number, action=view.action_names(_).get(action, action),
        state=state_labels(_).get(case.state, case.state))


def act_on_case(_top: Clicks, _clicks: Annotated[list[Clicks], Field(max_length=64)],
                values: Annotated[list[FieldValue], Field(max_length=256)], shown: Shown | None,
                refreshed: int | None):
    trigger = callback_context.triggered_id
    if shown is None or trigger is None or not any(t["value"] for t in callback_context.triggered):
        raise PreventUpdate
    who = actor()
    if trigger == "case-dispatch-top":
        action, params = "dispatch", ({"person_id": shown["top"]} if shown["top"] else {})
    else:
        action = trigger["action"]
        ids = [item["id"] for item in callback_context.states_list[0]]
        fields = {i["name"]: v for i, v in zip(ids, values) if i.get("action") == action}
        params = _params(action, fields, shown, who)
    ok, message = take(centre().sessions, who, shown["id"], action, params, shown["version"])
    return html.Span(message, className="case-ok" if ok else "case-refused"), (refreshed or 0) + 1


def show_batch(selection: Selection | None):
    _ = user().translator
    count = len(selection or [])
    if not count:
        return True, "", "", []
    text, register = view.batch_labels(_, count)
    return False, text, register, []


def act_on_selection(_register: Clicks, _dispatch: Clicks, selection: Selection | None, refreshed: int | None):
    """Each selected case through `act` on its own; each result listed."""
    trigger = callback_context.triggered_id
    if not selection or trigger not in ("case-batch-register", "case-batch-dispatch"):
        raise PreventUpdate
    action = "register" if trigger == "case-batch-register" else "dispatch"
    who = actor()
    results = []
    for case_id in selection:
        ok, message = take(centre().sessions, who, case_id, action, {}, None)
        results.append(html.Li(message, className="case-ok" if ok else "case-refused"))
    return results, (refreshed or 0) + 1


def register(app) -> None:
    app.callback(
        Output("case-body", "children"), Output("case-shown", "data"), Output("case-dispatch-top", "children"),
        Output("case-dispatch-top", "hidden"), Output("case-result", "children", allow_duplicate=True),
        Input("dispatch-current", "data"), Input("case-refresh", "data"), Input("case-live", "data"),
        prevent_initial_call="initial_duplicate")(draw)
    app.callback(
        Output("case-result", "children"), Output("case-refresh", "data"),
        Input("case-dispatch-top", "n_clicks"), Input({"type": "case-do", "action": ALL}, "n_clicks"),
        State({"type": "case-field", "action": ALL, "name": ALL}, "value"), State("case-shown", "data"),
        State("case-refresh", "data"), prevent_initial_call=True)(act_on_case)
    app.callback(
        Output("case-batch", "hidden"), Output("case-batch-count", "children"),
        Output("case-batch-register", "children"), Output("case-batch-result", "children", allow_duplicate=True),
        Input("dispatch-selection", "data"), prevent_initial_call="initial_duplicate")(show_batch)
    app.callback(
        Output("case-batch-result", "children"), Output("case-refresh", "data", allow_duplicate=True),
        Input("case-batch-register", "n_clicks"), Input("case-batch-dispatch", "n_clicks"),
        State("dispatch-selection", "data"), State("case-refresh", "data"), prevent_initial_call=True)(act_on_selection)
    app.clientside_callback(
        "function(batch, current) { return window.casePanel.live(batch, current); }",
        Output("case-live", "data"), Input("live-batch", "data"), State("dispatch-current", "data"),
        prevent_initial_call=True)
