"""Handlers' desk callbacks: the open tasks, read afresh on every case event in scope, and each action taken
through `backend.cases.actions.act` with the version the handler saw."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from dash import ALL, Input, Output, State, ctx, no_update
from pydantic import Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from backend.accounts.permissions import may
from backend.cases.actions import act
from backend.cases.tasks import Task, my_tasks
from backend.cases.workflow import Conflict, WorkflowError
from backend.platform.schemas import Id
from callbacks.common import BadInput, Clicks, Number, centre, now, session, user
from dashboard.context import actor
from layouts import tasks as view

# What each action's form asks for; an action not named here needs nothing and is taken at once.
FORMS = {"feed_back": {"note", "photos"}, "request_postpone": {"note", "hours"}, "return": {"note"},
         "escalate": {"note"}}
Action = Literal[view.ACTION_ORDER]


class TaskButton(TypedDict):
    """The id of a task's action button (layouts/tasks.py `task_card`)."""
    type: Literal["tasks-action"]
    case: Id
    action: Action
    version: Annotated[int, Field(ge=1)]


class Chosen(TypedDict):
    case: Id
    action: Action
    version: Annotated[int, Field(ge=1)]


BUTTON = TypeAdapter(TaskButton)
PhotoIds = Annotated[list[Id], Field(max_length=10)]


def allowed() -> bool:
    """Callbacks check it too: a crafted request must not do what the screen would not show."""
    return may(user().role, "handle")


def time_left(_, deadline: datetime | None, at: datetime, tz: ZoneInfo) -> str:
    if deadline is None:
        return _("No time limit")
    minutes = int(abs((deadline - at).total_seconds()) // 60)
    span = _("{hours} h {minutes} min").format(hours=minutes // 60, minutes=minutes % 60)
    when = f"{deadline.astimezone(tz):%m-%d %H:%M}"
    return (_("Due {when}, {span} left") if deadline >= at else _("Was due {when}, {span} overdue")).format(
        when=when, span=span)


def task_view(_, task: Task, at: datetime, tz: ZoneInfo) -> dict:
    case = task.case
    place = " / ".join(_.name(g) for g in (task.community, task.grid) if g is not None)
    return {"id": case.id, "number": case.number, "version": case.version, "state": case.state,
            "category": _.name(task.category), "place": " · ".join(p for p in (place, case.address) if p),
            "description": case.description, "light": task.light, "due": time_left(_, case.deadline, at, tz),
            "actions": task.actions}


def show(_poke: Any, _reload: Any):
    """The user's open tasks, nearest deadline first."""
    _ = user().translator
    if not allowed():
        return [], ""
    config, at = centre().config, now()
    with session() as s:
        tasks = my_tasks(s, actor(), at, config.yellow_share)
    cards = [view.task_card(_, task_view(_, task, at, ZoneInfo(config.timezone))) for task in tasks]
    count = _("{count} open").format(count=len(tasks))
    return cards or [view.no_tasks(_)], count


def take(chosen: Chosen, params: dict) -> tuple[str, bool]:
    """Take the action; answers what to tell the user and whether it was done."""
    _ = user().translator
    try:
        case = act(centre().sessions, actor(), chosen["case"], chosen["action"], params, now(), centre().config,
                   version=chosen["version"])
    except Conflict as conflict:
        changed = datetime.fromisoformat(conflict.details["changed_at"])
        return _("{who} changed this case first ({action}, at {time}); it is shown as it is now.").format(
            who=conflict.details["changed_by"], action=conflict.details["action"],
            time=_.clock(changed, ZoneInfo(centre().config.timezone))), False
    except WorkflowError as refused:
        return _("Not done: {reason}").format(reason=refused), False
    return _("{number}: done.").format(number=case.number), True


def choose(clicks: list[Clicks]):
    """A task's button: an action without parameters is taken at once, the others open their form."""
    if not allowed() or not ctx.triggered or not ctx.triggered[0]["value"]:
        return (no_update,) * 7
    try:
        button = BUTTON.validate_python(ctx.triggered_id, strict=True)
    except ValidationError as error:
        raise BadInput(f"choose: button id: {error.errors()[0]['msg']}") from None
    chosen = {key: button[key] for key in ("case", "action", "version")}
    fields = FORMS.get(button["action"])
    if fields is None:
        message, _done = take(chosen, {})
        return no_update, no_update, no_update, no_update, no_update, message, now().isoformat()
    _ = user().translator
    title = f"{view.action_labels(_)[button['action']]}"
    return True, title, chosen, "hours" not in fields, "photos" not in fields, "", no_update


def send(_clicks: Clicks, chosen: Chosen | None, note: str | None,
         hours: Number | str | None, photos: PhotoIds | None):
    """The form's action, with its parameters; the form stays open with the refusal if it was refused."""
    if not allowed() or chosen is None or not _clicks:
        return (no_update,) * 5
    fields = FORMS.get(chosen["action"], set())
    params = {"note": (note or "").strip() or None}
    if "hours" in fields:
        params["hours"] = hours if isinstance(hours, (int, float)) else None
    if "photos" in fields:
        params["attachment_ids"] = photos or []
    message, done = take(chosen, params)
    if done:
        return False, "", message, now().isoformat(), []
    return no_update, message, no_update, now().isoformat(), no_update


def register(app) -> None:
    app.callback(Output("tasks-list", "children"), Output("tasks-count", "children"),
                 Input("tasks-poke", "data"), Input("live-reload", "data"))(show)
    app.callback(Output("tasks-form", "opened"), Output("tasks-form", "title"), Output("tasks-chosen", "data"),
                 Output("tasks-hours-field", "hidden"), Output("tasks-photos-field", "hidden"),
                 Output("tasks-message", "children"), Output("tasks-poke", "data", allow_duplicate=True),
                 Input({"type": "tasks-action", "case": ALL, "action": ALL, "version": ALL}, "n_clicks"),
                 prevent_initial_call=True)(choose)
    app.callback(Output("tasks-form", "opened", allow_duplicate=True), Output("tasks-form-error", "children"),
                 Output("tasks-message", "children", allow_duplicate=True),
                 Output("tasks-poke", "data", allow_duplicate=True), Output("tasks-photos", "data"),
                 Input("tasks-form-send", "n_clicks"), State("tasks-chosen", "data"), State("tasks-note", "value"),
                 State("tasks-hours", "value"), State("tasks-photos", "data"), prevent_initial_call=True)(send)
    app.clientside_callback(
        "function(n) { return false; }",
        Output("tasks-form", "opened", allow_duplicate=True), Input("tasks-form-cancel", "n_clicks"),
        prevent_initial_call=True)
    # A case event in the user's scope may add, change or take away a task: read them again (at most one
    # read at a time: assets/tasks.js).
    app.clientside_callback(
        "function(events) { return window.commandCentre.tasksChanged(events); }",
        Output("tasks-poke", "data", allow_duplicate=True), Input("live-batch", "data"), prevent_initial_call=True)
    app.clientside_callback(
        "function(opened) { return opened ? window.dash_clientside.no_update : window.commandCentre.tasksFormClosed(); }",
        Output("tasks-note", "value"), Output("tasks-photos", "data", allow_duplicate=True),
        Output("tasks-form-error", "children", allow_duplicate=True),
        Input("tasks-form", "opened"), prevent_initial_call=True)
