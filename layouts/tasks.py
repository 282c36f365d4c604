"""The handlers' desk (`/tasks`): a grid worker's or department handler's open tasks as cards, nearest
deadline first, each with the actions the workflow allows them now. One column on a phone, a grid of cards on
a desk."""
from __future__ import annotations

import dash_mantine_components as dmc
from dash import dcc, html

from backend.platform.i18n import Translator
from layouts.wall import state_labels

# Each action's button; an action with parameters opens the form (callbacks/tasks.py, FORMS).
ACTION_ORDER = ("accept", "feed_back", "request_postpone", "return", "escalate")


def action_labels(_: Translator) -> dict[str, str]:
    return {"accept": _("Accept"), "feed_back": _("Feed back"), "request_postpone": _("Ask for more time"),
            "return": _("Return"), "escalate": _("Escalate")}


def light_labels(_: Translator) -> dict[str, str]:
    return {"green": _("On time"), "yellow": _("Due soon"), "red": _("Overdue")}


def task_card(_: Translator, task: dict) -> html.Article:
    """One task (shaped by callbacks/tasks.py `task_view`): what, where, when due, and its buttons."""
    labels = action_labels(_)
    buttons = [dmc.Button(labels[action], id={"type": "tasks-action", "case": task["id"], "action": action,
                                              "version": task["version"]},
                          className=f"tasks-button tasks-button--{action}", size="md",
                          variant="filled" if action in ("accept", "feed_back") else "light")
               for action in ACTION_ORDER if action in task["actions"]]
    return html.Article(className=f"tasks-card tasks-card--{task['light']}", id=f"task-{task['id']}", children=[
        html.Div(className="tasks-card-head", children=[
            html.Span(task["number"], className="tasks-number"),
            html.Span(state_labels(_)[task["state"]], className=f"tasks-state tasks-state--{task['state']}"),
        ]),
        html.Div(task["category"], className="tasks-category"),
        html.Div(task["place"], className="tasks-place"),
        html.P(task["description"], className="tasks-description"),
        html.Div(className="tasks-due", children=[
            html.Span(className=f"tasks-light tasks-light--{task['light']}", title=light_labels(_)[task["light"]]),
            html.Span(task["due"]),
        ]),
        html.Div(buttons, className="tasks-actions"),
    ])


def action_form(_: Translator) -> dmc.Modal:
    """The form of an action with parameters: a note (the reason or the result), the hours of a postponement,
    photos of a feedback (uploaded by the browser to POST /api/v1/attachments, assets/tasks.js)."""
    return dmc.Modal(id="tasks-form", opened=False, centered=True, size="lg", className="tasks-form", children=[
        dmc.Textarea(id="tasks-note", label=_("Note"), autosize=True, minRows=3, maxRows=8, size="md"),
        html.Div(id="tasks-hours-field", hidden=True, children=[
            dmc.NumberInput(id="tasks-hours", label=_("Extra hours"), min=1, max=720, value=24, size="md"),
        ]),
        html.Div(id="tasks-photos-field", hidden=True, className="tasks-photos-field", children=[
            html.Label(_("Photos"), htmlFor="tasks-photo-file", className="tasks-photos-label"),
            dcc.Input(id="tasks-photo-file", type="file", className="tasks-photo-file"),
            # What assets/tasks.js says while it uploads.
            html.Div(id="tasks-photo-list", className="tasks-photo-list", role="status",
                     **{"data-uploading": _("Uploading…"), "data-refused": _("Photo refused: {reason}"),
                        "data-photos": _("{count} photos ready")}),
        ]),
        html.Div(id="tasks-form-error", className="tasks-form-error", role="alert"),
        dmc.Group(justify="flex-end", mt="md", children=[
            dmc.Button(_("Cancel"), id="tasks-form-cancel", variant="subtle", size="md"),
            dmc.Button(_("Send"), id="tasks-form-send", size="md"),
        ]),
    ])


def no_tasks(_: Translator) -> html.P:
    return html.P(_("Nothing to do: no open task is assigned to you."), className="tasks-empty")


def layout(_: Translator, config, query: dict) -> html.Div:
    return html.Div(id="tasks", className="tasks", children=[
        html.Div(className="tasks-head", children=[
            html.H2(_("My tasks"), className="tasks-title"),
            html.Span(id="tasks-count", className="tasks-count"),
        ]),
        html.Div(id="tasks-message", className="tasks-message", role="status"),
        html.Div(id="tasks-list", className="tasks-list"),
        action_form(_),
        dcc.Store(id="tasks-poke"),  # a case event arrived, or an action was taken: read the tasks again
        dcc.Store(id="tasks-chosen"),  # the task and action the form is for: {case, action, version}
        dcc.Store(id="tasks-photos", data=[]),  # ids of the photos uploaded for the feedback being written
    ])
