"""The case workflow: one transition table, and one function that performs any action.

Screens, the REST and handheld APIs and the sweeper all call `perform`. It
checks, in order: the case is in the actor's scope, the version the actor saw
is current, the action exists and is allowed in the case's state, the actor's
role may perform it (handlers only on cases assigned to them), and the
parameters are valid. Then it applies the action's effect and appends the
history entry in the caller's transaction; a failure changes nothing.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

# SYSTEM is re-exported: the sweeper acts as it.
from backend.accounts.permissions import SYSTEM as SYSTEM, acts_only_when_assigned, may
from backend.platform.config import Config
from backend.events import outbox
from backend.events.types import CaseFacts
from backend.models import OPEN_STATES, Attachment, Case, CaseEvent, Category, Department, Report
from backend.cases.routing import handling_grid_id, person_in_scope, propose_assignees
from backend.geo.scope import Scope

log = logging.getLogger(__name__)


class WorkflowError(Exception):
    """An action was refused; `code` is stable, the message says what to do."""

    status = 400
    code = "refused"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.details = details


class NotFound(WorkflowError):
    status, code = 404, "not_found"


class Forbidden(WorkflowError):
    status, code = 403, "forbidden"


class NotAllowed(WorkflowError):
    status, code = 409, "not_allowed"


class Conflict(WorkflowError):
    status, code = 409, "conflict"


class InvalidParams(WorkflowError):
    status, code = 422, "invalid"


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (with role, scope and the person/department they are) or the system."""

    name: str
    role: str
    scope: Scope
    user_id: int | None = None
    person_id: int | None = None
    department_id: int | None = None
    address: str | None = None  # where the request came from, for the audit log


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(default=None, max_length=2000)


class Reason(Params):
    note: str = Field(min_length=1, max_length=2000, description="why: required for this action")


class RegisterParams(Params):
    category_code: str | None = Field(default=None, max_length=32, description="reclassify to this minor category")
    urgency: Literal["low", "normal", "high", "critical"] | None = None


class DispatchParams(Params):
    person_id: int | None = Field(default=None, description="assignee; default: the top routing proposal")
    department_id: int | None = Field(default=None, description="a functional department to handle it")


class FeedbackParams(Reason):
    attachment_ids: list[int] = Field(default_factory=list, max_length=10)


class EscalateParams(Params):
    department_id: int | None = Field(default=None, description="hand to this department instead of the parent grid")


class PostponeParams(Reason):
    # 30 days: the longest limit (illegal construction, 15 working days) doubled.
    hours: float = Field(gt=0, le=720)


class MergeParams(Params):
    into_case_id: int = Field(description="the open case this report duplicates")


class CardParams(Params):
    card: Literal["yellow", "red"]


@dataclass
class Step:
    """What an effect works with."""

    session: Session
    case: Case
    actor: Actor
    params: Params
    now: datetime
    config: Config


def _set_deadline(step: Step) -> None:
    if step.case.deadline is None:
        limit = step.session.get(Category, step.case.category_id).time_limit_hours
        step.case.deadline = step.now + timedelta(hours=limit)


def _register(step: Step) -> dict:
    params: RegisterParams = step.params
    detail = {}
    if params.category_code:
        category = step.session.scalar(select(Category).where(Category.code == params.category_code,
                                                              Category.parent_id.is_not(None)))
        if category is None:
            raise InvalidParams(f"category_code: {params.category_code!r} is not a minor category; "
                                "list valid codes with GET /api/v1/categories", field="category_code")
        step.case.category_id, step.case.urgency = category.id, category.urgency
        step.case.handling_level = category.handling_level
        detail["category_code"] = category.code
    if params.urgency:
        step.case.urgency = detail["urgency"] = params.urgency
    return detail


def _assign_person(step: Step, person_id: int) -> None:
    if not person_in_scope(step.session, step.actor.scope, person_id):
        raise InvalidParams(f"person_id: person {person_id} serves no grid in your scope", field="person_id")
    step.case.assignee_person_id = person_id


def _assign_department(step: Step, department_id: int) -> None:
    if step.session.get(Department, department_id) is None:
        raise InvalidParams(f"department_id: no department {department_id}; see GET /api/v1/departments",
                            field="department_id")
    step.case.assignee_department_id = department_id


def _assign_top_proposal(step: Step, level: int, scope: Scope | None) -> None:
    proposals = propose_assignees(step.session, step.case, scope, level)
    if not proposals:
        raise InvalidParams("nobody in your scope serves this case's grid at that level; choose person_id or "
                            "department_id", field="person_id")
    step.case.assignee_person_id = proposals[0].person_id


def _dispatch(step: Step) -> dict:
    params: DispatchParams = step.params
    if params.department_id is not None:
        _assign_department(step, params.department_id)
        step.case.assignee_person_id = None
    if params.person_id is not None:
        _assign_person(step, params.person_id)
    elif params.department_id is None:
        _assign_top_proposal(step, step.case.handling_level, step.actor.scope)
    _set_deadline(step)
    return {"person_id": step.case.assignee_person_id, "department_id": step.case.assignee_department_id,
            "deadline": step.case.deadline.isoformat()}


def _return(step: Step) -> dict:
    step.case.assignee_person_id = None
    return {}


def _feed_back(step: Step) -> dict:
    ids = step.params.attachment_ids
    if ids:
        found = step.session.scalars(select(Attachment).where(
            Attachment.id.in_(ids), Attachment.uploaded_by_id == step.actor.user_id,
            Attachment.case_id.is_(None) | (Attachment.case_id == step.case.id))).all()
        if len(found) != len(set(ids)):
            raise InvalidParams("attachment_ids: upload the photos first (POST /api/v1/attachments); "
                                "only your own unattached uploads can be used", field="attachment_ids")
        for attachment in found:
            attachment.case_id = step.case.id
    return {"attachment_ids": ids} if ids else {}


def _close(step: Step) -> dict:
    step.case.closed_at = step.now
    return {}


def _rework(step: Step) -> dict:
    return {}


def _escalate(step: Step) -> dict:
    params: EscalateParams = step.params
    step.case.escalations += 1
    if params.department_id is not None:
        _assign_department(step, params.department_id)
        step.case.assignee_person_id = None
        return {"department_id": params.department_id}
    step.case.handling_level -= 1
    _assign_top_proposal(step, step.case.handling_level, None)  # upward: above the actor's scope by design
    return {"level": step.case.handling_level, "person_id": step.case.assignee_person_id,
            "grid_id": handling_grid_id(step.case, step.case.handling_level)}


def _request_postpone(step: Step) -> dict:
    step.case.postpone_requested_hours = step.params.hours
    return {"hours": step.params.hours}


def _approve_postpone(step: Step) -> dict:
    hours = step.case.postpone_requested_hours
    step.case.deadline += timedelta(hours=hours)
    step.case.postpone_requested_hours = None
    step.case.card = card_for(step.case, step.now, step.config.yellow_share,
                              step.session.get(Category, step.case.category_id).time_limit_hours)
    return {"hours": hours, "deadline": step.case.deadline.isoformat()}


def _reject_postpone(step: Step) -> dict:
    step.case.postpone_requested_hours = None
    return {}


def _supervise(step: Step) -> dict:
    step.case.supervised = True
    return {}


def _merge(step: Step) -> dict:
    target = step.session.scalar(select(Case).where(Case.id == step.params.into_case_id,
                                                    step.actor.scope.clause(Case)))
    if target is None or target.id == step.case.id or target.state not in OPEN_STATES:
        raise InvalidParams("into_case_id: merge into another open case in your scope", field="into_case_id")
    step.case.merged_into_id = target.id
    # The reporters now follow the surviving case: its number is what they are told.
    step.session.execute(update(Report).where(Report.case_id == step.case.id).values(case_id=target.id))
    return {"into_case_id": target.id, "into_number": target.number}


def _mark_card(step: Step) -> dict:
    step.case.card = step.params.card
    return {"card": step.params.card}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the case stays in its state
    capability: str  # what the actor's role must be able to do (backend.accounts.permissions)
    params: type[Params]
    effect: Callable[[Step], dict]
    assignee_only: bool = False  # handlers may act only on cases assigned to them
    when: Callable[[Case], bool] = field(default=lambda case: True)  # a further precondition
    description: str = ""


def _open(*states: str) -> frozenset[str]:
    return frozenset(states or OPEN_STATES)


_pending = lambda case: case.postpone_requested_hours is not None  # noqa: E731
_assigned = lambda case: case.assignee_person_id is not None or case.assignee_department_id is not None  # noqa: E731

TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("register", _open("collected"), "registered", "register_cases", RegisterParams, _register,
               description="accept the report as a case (optionally reclassify)"),
    Transition("cancel", _open("collected"), "cancelled", "register_cases", Reason, lambda s: {},
               description="refuse the report as invalid or out of scope, with a reason"),
    Transition("merge", _open("collected"), "cancelled", "register_cases", MergeParams, _merge,
               description="merge a duplicate report into an open case"),
    Transition("dispatch", _open("registered"), "dispatched", "dispatch", DispatchParams, _dispatch,
               description="assign to a person or department; the time limit starts"),
    Transition("accept", _open("dispatched"), "handling", "handle", Params, lambda s: {},
               assignee_only=True, description="the assignee takes the case on"),
    Transition("return", _open("dispatched"), "registered", "handle", Reason, _return,
               assignee_only=True, description="the assignee says it is not theirs"),
    Transition("feed_back", _open("handling"), "fed_back", "handle", FeedbackParams, _feed_back,
               assignee_only=True, description="report the result, with photos"),
    Transition("close", _open("fed_back"), "closed", "verify", Params, _close,
               description="verified as solved"),
    Transition("rework", _open("fed_back"), "handling", "verify", Reason, _rework,
               description="verification failed: back to the assignee"),
    Transition("escalate", _open("dispatched", "handling"), "dispatched", "escalate", EscalateParams,
               _escalate, assignee_only=True, when=lambda case: case.handling_level > 0,
               description="hand to the parent grid's responsible person, or to a department"),
    Transition("request_postpone", _open("dispatched", "handling"), None, "handle", PostponeParams,
               _request_postpone, assignee_only=True, when=lambda case: not _pending(case) and _assigned(case),
               description="ask for more time"),
    Transition("approve_postpone", _open("dispatched", "handling"), None, "dispatch", Params, _approve_postpone,
               when=_pending, description="grant the requested extension"),
    Transition("reject_postpone", _open("dispatched", "handling"), None, "dispatch", Reason, _reject_postpone,
               when=_pending, description="refuse the requested extension"),
    Transition("supervise", _open(), None, "supervise", Reason, _supervise,
               description="mark for supervision with a comment; demands a report"),
    Transition("mark_card", _open("dispatched", "handling", "fed_back"), None, "mark_cards", CardParams,
               _mark_card, description="yellow or red card from the time limit"),
)}


def card_for(case: Case, now: datetime, yellow_share: float, limit_hours: float) -> str:
    """The card a case deserves now: red past its deadline, yellow past `yellow_share` of its limit."""
    if case.deadline is None or case.state not in OPEN_STATES:
        return case.card
    if now > case.deadline:
        return "red"
    if now > case.deadline - timedelta(hours=limit_hours * (1 - yellow_share)):
        return "yellow"
    return "none"


LIGHTS = {"none": "green", "yellow": "yellow", "red": "red"}


def step_light(case: Case, now: datetime, yellow_share: float, limit_hours: float | None) -> str:
    """The light of the case's current step, by the rule of its cards: green below `yellow_share` of its
    limit, yellow up to the deadline, red beyond; green while no time limit runs."""
    if case.deadline is None or limit_hours is None:
        return "green"
    return LIGHTS[card_for(case, now, yellow_share, limit_hours)]


def _may(transition: Transition, case: Case, actor: Actor) -> bool:
    if not may(actor.role, transition.capability):
        return False
    if transition.assignee_only and acts_only_when_assigned(actor.role):
        return (actor.person_id is not None and actor.person_id == case.assignee_person_id) or \
            (actor.department_id is not None and case.assignee_person_id is None
             and actor.department_id == case.assignee_department_id)
    return True


def allowed_actions(case: Case, actor: Actor) -> list[str]:
    return [t.action for t in TRANSITIONS.values()
            if case.state in t.sources and t.when(case) and _may(t, case, actor)]


def load_case(session: Session, actor: Actor, case_id: int, lock: bool = False) -> Case:
    query = select(Case).where(Case.id == case_id, actor.scope.clause(Case))
    case = session.scalar(query.with_for_update() if lock else query)
    if case is None:
        raise NotFound(f"case {case_id} does not exist or is outside your scope")
    return case


def _conflict(session: Session, case_id: int, seen: int | None) -> Conflict:
    """Who changed the case since the actor looked, and when."""
    latest = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id.desc()))
    current = session.scalar(select(Case.version).where(Case.id == case_id))
    return Conflict(f"the case was changed by {latest.actor_name} ({latest.action}) at {latest.at:%Y-%m-%d %H:%M:%S} "
                    f"UTC; you saw version {seen}, it is now {current}: reload it and try again",
                    changed_by=latest.actor_name, changed_at=latest.at.isoformat(), action=latest.action,
                    version=current)


def _parse(transition: Transition, raw: dict) -> Params:
    try:
        return transition.params.model_validate(raw or {})
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "params"
        raise InvalidParams(f"{name}: {first['msg']}", field=name, errors=error.errors(include_url=False)) from None


@dataclass(frozen=True)
class Outcome:
    case: Case
    event: CaseEvent
    allowed: list[str]


def perform(session: Session, actor: Actor, case_id: int, action: str, params: dict | None, now: datetime,
            config: Config, expected_version: int | None = None) -> Outcome:
    """Perform one action on one case (flushed, not committed). Raises a WorkflowError and changes nothing."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise NotFound(f"no action {action!r}; actions are: {', '.join(TRANSITIONS)}")
    case = load_case(session, actor, case_id, lock=True)
    if expected_version is not None and expected_version != case.version:
        raise _conflict(session, case.id, expected_version)
    if case.state not in transition.sources or not transition.when(case):
        raise NotAllowed(f"{action} is not possible now (state {case.state}); allowed: "
                         f"{', '.join(allowed_actions(case, actor)) or 'none for you'}",
                         state=case.state, allowed=allowed_actions(case, actor))
    if not _may(transition, case, actor):
        raise Forbidden(f"a {actor.role} may not {action} this case"
                        + (" (it is not assigned to you)" if transition.assignee_only else ""))
    params = _parse(transition, params)
    before, facts = case.state, CaseFacts.of(case)
    detail = transition.effect(Step(session, case, actor, params, now, config))
    case.state = transition.target or case.state
    case.updated_at = now
    event = CaseEvent(case_id=case.id, at=now, actor_user_id=actor.user_id, actor_name=actor.name, action=action,
                      from_state=before, to_state=case.state, note=params.note,
                      detail=json.dumps(detail, ensure_ascii=False) if detail else None)
    session.add(event)
    try:
        session.flush()
    except StaleDataError:
        seen = case.version
        session.rollback()
        raise _conflict(session, case_id, seen) from None
    outbox.record_case(session, case, action, facts, now, actor.name, config.timezone)
    session.flush()
    log.info("case=%s action=%s user=%s role=%s from=%s to=%s version=%s", case.number, action,
             actor.user_id or actor.name, actor.role, before, case.state, case.version)
    return Outcome(case=case, event=event, allowed=allowed_actions(case, actor))
