"""Cases: the scoped list, one case, and every workflow action (each through `workflow.perform`)."""
from __future__ import annotations

from collections.abc import Callable

from pydantic import Field, create_model
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from dashboard import context
from backend.api.case_views import detail, page
from backend.api.registry import endpoint
from backend.api.schemas import MAX_ID, ActionBody, CaseDetail, CasePage, CasePath, CaseQuery
from backend.platform.db import begin_writing
from backend.geo.grids import scoped_grid
from backend.models import PLACEMENT_COLUMNS, Case, Category, case_id_from_number
from backend.geo.scope import Scope
from backend.cases.workflow import TRANSITIONS, Transition, perform

_SORTS = {"created_at": Case.created_at, "deadline": Case.deadline, "updated_at": Case.updated_at}


def _category_clause(code: str) -> ColumnElement[bool]:
    """A minor category, or every minor category of a major one."""
    major = select(Category.id).where(Category.code == code).scalar_subquery()
    return Case.category_id.in_(select(Category.id).where(or_(Category.code == code, Category.parent_id == major)))


def _text_clause(text: str) -> ColumnElement[bool]:
    clause = func.lower(Case.description).contains(text.lower(), autoescape=True)
    case_id = case_id_from_number(text)
    return or_(clause, Case.id == case_id) if case_id is not None and case_id <= MAX_ID else clause


def _filters(session: Session, scope: Scope, query: CaseQuery) -> list[ColumnElement[bool]]:
    clauses = [scope.clause(Case)]
    if query.state:
        clauses.append(Case.state.in_(query.state))
    if query.category_code:
        clauses.append(_category_clause(query.category_code))
    if query.grid_id is not None:
        grid = scoped_grid(session, scope, query.grid_id)
        clauses.append(getattr(Case, PLACEMENT_COLUMNS[grid.level]) == grid.id)
    for column, value in ((Case.urgency, query.urgency), (Case.card, query.card)):
        if value is not None:
            clauses.append(column == value)
    if query.created_from is not None:
        clauses.append(Case.created_at >= query.created_from)
    if query.created_to is not None:
        clauses.append(Case.created_at < query.created_to)
    if query.q:
        clauses.append(_text_clause(query.q))
    return clauses


def _order(sort: str) -> list:
    column = _SORTS[sort.lstrip("-")]
    return [column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()]


@endpoint("GET", "/cases", tag="cases", response=CasePage, query=CaseQuery, errors=(404,))
def list_cases(query: CaseQuery) -> CasePage:
    """Cases in your scope: filter, sort and page."""
    scope = context.actor().scope
    with context.session() as session:
        return page(session, _filters(session, scope, query), _order(query.sort), query.limit, query.offset)


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
    def act(path: CasePath, body: ActionBody) -> CaseDetail:
        actor = context.actor()
        with context.session() as session:
            begin_writing(session)
            perform(session, actor, path.case_id, action, body.params.model_dump(exclude_unset=True),
                    context.now(), context.config(), expected_version=body.version)
            session.commit()
            return detail(session, actor, path.case_id)

    act.__doc__ = f"{action}: {TRANSITIONS[action].description}."
    return act


def _declare_actions() -> None:
    """One endpoint per workflow action, so that the document shows each action's own parameters."""
    for action, transition in TRANSITIONS.items():
        endpoint("POST", f"/cases/{{case_id}}/actions/{action}", tag="actions", response=CaseDetail,
                 path_model=CasePath, body=_action_body(transition), errors=(403, 404, 409),
                 operation_id=f"action_{action}")(_action_view(action))


_declare_actions()
