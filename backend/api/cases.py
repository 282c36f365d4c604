"""Cases: the scoped list, one case, and every workflow action (each through `workflow.perform`)."""
from __future__ import annotations

from collections.abc import Callable

from pydantic import Field, create_model

from dashboard import context
from backend.api.registry import endpoint
from backend.api.schemas import ActionBody, CasePath
from backend.cases.actions import act
from backend.cases.queries import detail, queue
from backend.cases.schemas import CaseDetail, CasePage, CaseQuery
from backend.cases.workflow import TRANSITIONS, Transition


@endpoint("GET", "/cases", tag="cases", response=CasePage, query=CaseQuery, errors=(404,))
def list_cases(query: CaseQuery) -> CasePage:
    """Cases in your scope: filter, sort and page."""
    with context.session() as session:
        return queue(session, context.actor().scope, query)


@endpoint("GET", "/cases/{case_id}", tag="cases", response=CaseDetail, path_model=CasePath, errors=(404,))
def get_case(path: CasePath) -> CaseDetail:
    """One case with its history, your allowed actions, routing proposals and photos."""
    with context.session() as session:
        return detail(session, context.actor(), path.case_id)


def _action_body(transition: Transition) -> type[ActionBody]:
    name = "".join(part.title() for part in transition.action.split("_")) + "Action"
    return create_model(name, __base__=ActionBody, __doc__=transition.description,
                        params=(transition.params, Field(default_factory=transition.params)))


def _action_view(action: str) -> Callable[..., CaseDetail]:
    def view(path: CasePath, body: ActionBody) -> CaseDetail:
        return act(context.centre().sessions, context.actor(), path.case_id, action,
                   body.params.model_dump(exclude_unset=True), context.now(), context.config(), body.version)

    view.__doc__ = f"{action}: {TRANSITIONS[action].description}."
    return view


def _declare_actions() -> None:
    """One endpoint per workflow action, so that the document shows each action's own parameters."""
    for action, transition in TRANSITIONS.items():
        endpoint("POST", f"/cases/{{case_id}}/actions/{action}", tag="actions", response=CaseDetail,
                 path_model=CasePath, body=_action_body(transition), errors=(403, 404, 409),
                 operation_id=f"action_{action}")(_action_view(action))


_declare_actions()
