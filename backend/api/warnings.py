"""Warnings: the scoped list, one warning, its history and CAP 1.2 message, the preview, creation and every
workflow action (each through `backend.warnings.workflow`)."""
from __future__ import annotations

from collections.abc import Callable

from flask import Response
from pydantic import BaseModel, Field, create_model

from dashboard import context
from backend.api.registry import endpoint
from backend.api.schemas import ActionBody
from backend.cases.workflow import NotAllowed
from backend.platform.schemas import Id
from backend.warnings import actions, cap
from backend.warnings.queries import history, one, page, preview, require_view
from backend.warnings.schemas import (ActionOut, CreateIn, HistoryOut, PreviewIn, PreviewOut, WarningOut, WarningPage,
                                      WarningQuery)
from backend.warnings.workflow import TRANSITIONS, Transition, load, sender_of

CAP_TYPE = "application/cap+xml"


class WarningPath(BaseModel):
    warning_id: Id


@endpoint("GET", "/warnings", tag="warnings", response=WarningPage, query=WarningQuery, errors=(403,))
def list_warnings(query: WarningQuery) -> WarningPage:
    """Warnings issued from your scope or sent to a grid in it, newest first."""
    with context.session() as session:
        return page(session, context.actor(), query, context.config().timezone)


@endpoint("POST", "/warnings/preview", tag="warnings", response=PreviewOut, body=PreviewIn, errors=(403,))
def preview_warning(body: PreviewIn) -> PreviewOut:
    """Who a draft would reach (per target grid, and in all) and its SMS text with length and parts."""
    with context.session() as session:
        return preview(session, context.actor(), body, context.now(), context.config().timezone)


@endpoint("POST", "/warnings", tag="warnings", response=ActionOut, status=201, body=CreateIn, errors=(403, 409))
def create_warning(body: CreateIn) -> ActionOut:
    """Draft a warning from your grid to grids below it; with send, issue (blue, yellow) or submit (orange, red)."""
    return actions.draft(context.centre().sessions, context.actor(), body.params.model_dump(exclude_unset=True),
                         body.send, context.now(), context.config())


@endpoint("GET", "/warnings/{warning_id}", tag="warnings", response=WarningOut, path_model=WarningPath,
          errors=(403, 404))
def get_warning(path: WarningPath) -> WarningOut:
    """One warning, with its targets, SMS text and your allowed actions."""
    with context.session() as session:
        return one(session, context.actor(), path.warning_id, context.config().timezone)


@endpoint("GET", "/warnings/{warning_id}/history", tag="warnings", response=HistoryOut, path_model=WarningPath,
          errors=(403, 404))
def warning_history(path: WarningPath) -> HistoryOut:
    """Every change of the warning: who, when, what before and after, and the CAP message each sent."""
    with context.session() as session:
        return history(session, context.actor(), path.warning_id)


@endpoint("GET", "/warnings/{warning_id}.cap.xml", tag="warnings", response=None, path_model=WarningPath,
          errors=(403, 404, 409), files=(CAP_TYPE,))
def warning_cap(path: WarningPath) -> Response:
    """The warning's latest message as CAP 1.2: Alert when issued, Update after a change, Cancel once lifted."""
    actor = context.actor()
    with context.session() as session:
        require_view(actor)
        warning = load(session, actor, path.warning_id)
        sent = cap.latest_message(session, warning)
        if sent is None:
            raise NotAllowed(f"warning {warning.id} has not been issued yet: it has no CAP message")
        return Response(cap.message(session, warning, sent, sender_of(session)), mimetype=CAP_TYPE)


def _action_body(transition: Transition) -> type[ActionBody]:
    name = "Warning" + "".join(part.title() for part in transition.action.split("_")) + "Action"
    return create_model(name, __base__=ActionBody, __doc__=transition.description,
                        params=(transition.params, Field(default_factory=transition.params)))


def _action_view(action: str) -> Callable[..., ActionOut]:
    def view(path: WarningPath, body: ActionBody) -> ActionOut:
        return actions.act(context.centre().sessions, context.actor(), path.warning_id, action,
                           body.params.model_dump(exclude_unset=True), context.now(), context.config(), body.version)

    view.__doc__ = f"{action}: {TRANSITIONS[action].description}."
    return view


def _declare_actions() -> None:
    """One endpoint per action a person takes (expiry is the system's), each with its own parameters."""
    for action, transition in TRANSITIONS.items():
        if action == "expire":
            continue
        endpoint("POST", f"/warnings/{{warning_id}}/actions/{action}", tag="warnings", response=ActionOut,
                 path_model=WarningPath, body=_action_body(transition), errors=(403, 404, 409),
                 operation_id=f"warning_{action}")(_action_view(action))


_declare_actions()
