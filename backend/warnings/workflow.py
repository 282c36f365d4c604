"""The warning workflow: one transition table, and `perform` for every action after `create`.

Blue and yellow warnings go out when issued; orange and red ones are submitted, approved (or rejected, with a
reason) by a second person who may approve, and then issued. An issued warning is changed by its own operations
(raise, lower, extend, narrow, widen), each recorded as an update linked to the first issue, and ends by being
lifted or, at its end, expiring (`lift_expired`, which the sweeper calls).

A user issues only inside their scope and only downwards: every target lies strictly below the user's own grid.
Each action checks, in order: the warning is visible to the actor (else 404, as for cases), the actor's scope
holds the grid it was issued from, the version the actor saw is current, the action is possible in its status,
the actor's role may perform it, and the parameters are valid. Then it applies the change and writes the history
row and the outbox event in the caller's transaction; a refused action changes nothing.
"""
from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backend.accounts.permissions import SYSTEM, may
from backend.cases.workflow import (Actor, Conflict, Forbidden, InvalidParams, NotAllowed, NotFound, Params,
                                   Reason)
from backend.events import outbox
from backend.events.types import WarningChanged
from backend.geo.scope import Scope
from backend.models import (LIVE_STATUSES, PLACEMENT_COLUMNS, WARNING_LEVELS, WARNING_TYPES, EarlyWarning, Grid,
                            WarningEvent, WarningTarget)
from backend.platform.schemas import Id, UtcDateTime
from backend.warnings import sms
from backend.warnings.cap import reference
from backend.warnings.recipients import Target, affected

log = logging.getLogger(__name__)

# A form filled in a minute ago says "now": a start this much in the past still counts as now.
START_TOLERANCE = timedelta(minutes=5)
# The longest warning without a stated reason (cap-composer's users asked for alerts active for months to be
# blocked: REFERENCES.md); a longer one needs `end_reason`.
MAX_PERIOD = timedelta(days=7)
# Even with a reason a warning ends within a year (a flood season is months), and it starts within 30 days: further
# ahead is a plan, not a warning. Both keep every time far from the calendar's end, where a local time overflows.
MAX_PERIOD_WITH_REASON = timedelta(days=366)
MAX_LEAD = timedelta(days=30)
NEEDS_APPROVAL = frozenset({"orange", "red"})
SENT_STATUSES = ("issued", "lifted", "expired")  # a warning that went out is seen by everyone it targets
# The CAP msgType of each action that sends a message.
MSG_TYPES = {"issue": "Alert", "raise": "Update", "approve_raise": "Update", "lower": "Update", "extend": "Update",
             "narrow": "Update", "widen": "Update", "lift": "Cancel", "expire": "Cancel"}


# -- parameters -------------------------------------------------------------------------------------------------

class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grid_id: Id
    subtree: bool = Field(default=True, description="also every grid below it")


class DraftParams(Params):
    level: Literal[WARNING_LEVELS]
    type: Literal[WARNING_TYPES]
    headline: str = Field(min_length=1, max_length=200)
    message: str = Field(min_length=1, max_length=2000)
    sms_template: str | None = Field(default=None, max_length=1000, description=(
        "the SMS text with placeholders {level} {type} {area} {message} {start} {end}; default: the standard one"))
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    end_reason: str | None = Field(default=None, max_length=2000, description="required when it lasts over 7 days")
    targets: list[TargetIn] = Field(min_length=1, max_length=500)


class LevelParams(Params):
    level: Literal[WARNING_LEVELS]


class ExtendParams(Params):
    ends_at: UtcDateTime
    end_reason: str | None = Field(default=None, max_length=2000, description="required when it lasts over 7 days")


class WidenParams(Params):
    targets: list[TargetIn] = Field(min_length=1, max_length=500)


class NarrowParams(Params):
    grid_ids: list[Id] = Field(min_length=1, max_length=500, description="targets to remove (lift there)")


# -- facts, checks ----------------------------------------------------------------------------------------------

def _targets(warning: EarlyWarning) -> list[Target]:
    return [(t.grid_id, t.subtree) for t in warning.targets]


def facts(warning: EarlyWarning) -> dict:
    """What a history row keeps of the warning before and after a change (and a CAP message is built from)."""
    return {"status": warning.status, "level": warning.level, "pending_level": warning.pending_level,
            "starts_at": warning.starts_at.isoformat(),
            "ends_at": warning.ends_at.isoformat(), "end_reason": warning.end_reason,
            "targets": [{"grid_id": g, "subtree": s} for g, s in sorted(_targets(warning))]}


def check_period(starts_at: datetime, ends_at: datetime, end_reason: str | None, now: datetime,
                 field: str = "ends_at") -> None:
    if ends_at <= starts_at:
        raise InvalidParams(f"{field}: the end must come after the start ({starts_at:%Y-%m-%d %H:%M} UTC)",
                            field=field)
    if ends_at <= now:
        raise InvalidParams(f"{field}: the end has already passed", field=field)
    if ends_at - starts_at > MAX_PERIOD and not (end_reason and end_reason.strip()):
        raise InvalidParams(f"{field}: a warning lasts at most 7 days; give end_reason to make it longer",
                            field="end_reason")
    if ends_at - starts_at > MAX_PERIOD_WITH_REASON:
        raise InvalidParams(f"{field}: a warning lasts at most {MAX_PERIOD_WITH_REASON.days} days", field=field)


def check_targets(session: Session, scope: Scope, targets: list[TargetIn]) -> list[Grid]:
    """Each target inside the scope and strictly below its grid (downwards only)."""
    ids = [t.grid_id for t in targets]
    if len(set(ids)) != len(ids):
        raise InvalidParams("targets: a grid is named twice", field="targets")
    grids = {g.id: g for g in session.scalars(select(Grid).where(Grid.id.in_(ids), scope.grid_clause()))}
    for grid_id in ids:
        grid = grids.get(grid_id)
        if grid is None:
            raise InvalidParams(f"targets: grid {grid_id} is not in your scope", field="targets")
        if grid.level <= scope.level:
            raise InvalidParams(f"targets: grid {grid.code} is not below your own grid: warnings go downwards "
                                f"only, to grids of level {scope.level + 1} and below", field="targets")
    return [grids[i] for i in ids]


def _parse(model: type[Params], raw: dict | None) -> Params:
    try:
        return model.model_validate(raw or {})
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "params"
        raise InvalidParams(f"{name}: {first['msg']}", field=name, errors=error.errors(include_url=False)) from None


# -- the transition table ---------------------------------------------------------------------------------------

@dataclass
class Step:
    session: Session
    warning: EarlyWarning
    actor: Actor
    params: Params
    now: datetime


def _submit(step: Step) -> str | None:
    if step.warning.level not in NEEDS_APPROVAL:
        raise NotAllowed(f"a {step.warning.level} warning needs no approval: issue it", allowed=["issue"])


def _decide(step: Step) -> None:
    warning, actor = step.warning, step.actor
    if actor.user_id is not None and actor.user_id == warning.issuer_user_id:
        raise Forbidden("you drafted this warning: a second person must approve or reject it")
    warning.approver_user_id, warning.approver_name = actor.user_id, actor.name


def _issue(step: Step) -> None:
    warning = step.warning
    if warning.status == "draft" and warning.level in NEEDS_APPROVAL:
        raise NotAllowed(f"a {warning.level} warning needs a second person's approval: submit it",
                         allowed=["submit"])
    if warning.ends_at <= step.now:
        raise NotAllowed("its end has passed: draft a new warning")
    warning.issued_at = step.now


def _level(direction: int) -> Callable[[Step], str | None]:
    def change(step: Step) -> str | None:
        warning = step.warning
        old, new = WARNING_LEVELS.index(warning.level), WARNING_LEVELS.index(step.params.level)
        if (new - old) * direction <= 0:
            raise InvalidParams(f"level: {'raise' if direction > 0 else 'lower'} goes "
                                f"{'above' if direction > 0 else 'below'} {warning.level}", field="level")
        if warning.pending_level is not None:
            raise NotAllowed(f"a raise to {warning.pending_level} awaits approval: have it approved or rejected "
                             "first", allowed=["approve_raise", "reject_raise"])
        if direction > 0 and step.params.level in NEEDS_APPROVAL:
            # Orange and red go out only with a second person's approval, whether issued so or raised to.
            warning.pending_level, warning.pending_by_user_id = step.params.level, step.actor.user_id
            return "raise_requested"
        warning.level = step.params.level
        return None
    return change


def _decide_raise(approve: bool) -> Callable[[Step], None]:
    def decide(step: Step) -> None:
        warning, actor = step.warning, step.actor
        if actor.user_id is not None and actor.user_id == warning.pending_by_user_id:
            raise Forbidden("you asked for this raise: a second person must approve or reject it")
        if approve:
            warning.level = warning.pending_level
            warning.approver_user_id, warning.approver_name = actor.user_id, actor.name
        warning.pending_level = warning.pending_by_user_id = None
    return decide


def _extend(step: Step) -> None:
    params: ExtendParams = step.params
    if params.ends_at <= step.warning.ends_at:
        raise InvalidParams(f"ends_at: extending moves the end later than {step.warning.ends_at:%Y-%m-%d %H:%M} UTC",
                            field="ends_at")
    check_period(step.warning.starts_at, params.ends_at, params.end_reason or step.warning.end_reason, step.now)
    step.warning.ends_at = params.ends_at
    step.warning.end_reason = params.end_reason or step.warning.end_reason


def _widen(step: Step) -> None:
    present = {t.grid_id for t in step.warning.targets}
    params: WidenParams = step.params
    if any(t.grid_id in present for t in params.targets):
        raise InvalidParams("targets: a grid is targeted already", field="targets")
    check_targets(step.session, step.actor.scope, params.targets)
    step.warning.targets.extend(WarningTarget(grid_id=t.grid_id, subtree=t.subtree) for t in params.targets)


def _narrow(step: Step) -> None:
    removing = set(step.params.grid_ids)
    present = {t.grid_id for t in step.warning.targets}
    if not removing <= present:
        raise InvalidParams(f"grid_ids: grid {min(removing - present)} is not a target", field="grid_ids")
    if removing == present:
        raise InvalidParams("grid_ids: that removes every target: lift the warning instead", field="grid_ids")
    step.warning.targets = [t for t in step.warning.targets if t.grid_id not in removing]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status stays
    capability: str
    params: type[Params]
    effect: Callable[[Step], str | None]  # may name what was done instead (a raise that awaits approval)
    description: str = ""
    when: Callable[[EarlyWarning], bool] = lambda warning: True  # a further precondition


_LIVE = frozenset(LIVE_STATUSES)
TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("submit", frozenset({"draft"}), "submitted", "issue_warning", Params, _submit,
               "ask a second person to approve an orange or red warning"),
    Transition("approve", frozenset({"submitted"}), "approved", "approve_warning", Params, _decide,
               "approve another's orange or red warning; its issuer then issues it"),
    Transition("reject", frozenset({"submitted"}), "rejected", "approve_warning", Reason, _decide,
               "refuse another's orange or red warning, with a reason"),
    Transition("issue", frozenset({"draft", "approved"}), "issued", "issue_warning", Params, _issue,
               "send it out (blue and yellow from a draft, orange and red once approved)"),
    Transition("raise", _LIVE, None, "issue_warning", LevelParams, _level(+1), "raise the level"),
    Transition("approve_raise", _LIVE, None, "approve_warning", Params, _decide_raise(True),
               "approve another's raise to orange or red; it goes out", when=lambda w: w.pending_level is not None),
    Transition("reject_raise", _LIVE, None, "approve_warning", Reason, _decide_raise(False),
               "refuse another's raise to orange or red, with a reason", when=lambda w: w.pending_level is not None),
    Transition("lower", _LIVE, None, "issue_warning", LevelParams, _level(-1), "lower the level"),
    Transition("extend", _LIVE, None, "issue_warning", ExtendParams, _extend, "move the end later"),
    Transition("narrow", _LIVE, None, "issue_warning", NarrowParams, _narrow, "lift it in some targets"),
    Transition("widen", _LIVE, None, "issue_warning", WidenParams, _widen, "add targets"),
    Transition("lift", _LIVE, "lifted", "issue_warning", Params, lambda step: None, "end it now, everywhere"),
    Transition("expire", _LIVE, "expired", "expire_warnings", Params, lambda step: None,
               "it reached its end (the sweeper, as the system)"),
)}


# -- loading, scope ---------------------------------------------------------------------------------------------

def visible(scope: Scope):
    """Warnings a user of `scope` sees: issued from a grid in the scope, or sent out to a grid in it."""
    issued_within = exists().where(Grid.id == EarlyWarning.scope_grid_id, scope.grid_clause())
    targets_within = exists().where(WarningTarget.warning_id == EarlyWarning.id,
                                    Grid.id == WarningTarget.grid_id, scope.grid_clause())
    return or_(issued_within, and_(EarlyWarning.status.in_(SENT_STATUSES), targets_within))


def load(session: Session, actor: Actor, warning_id: int, lock: bool = False) -> EarlyWarning:
    query = select(EarlyWarning).where(EarlyWarning.id == warning_id, visible(actor.scope))
    warning = session.scalar(query.with_for_update() if lock else query)
    if warning is None:
        raise NotFound(f"warning {warning_id} does not exist or is outside your scope")
    return warning


def _may_change(session: Session, actor: Actor, warning: EarlyWarning) -> bool:
    """Only from the grid it was issued from or above (a street sees the city's warning but does not change it)."""
    return actor.role == SYSTEM or actor.scope.contains_code(session.get(Grid, warning.scope_grid_id).code)


def allowed_actions(session: Session, warning: EarlyWarning, actor: Actor) -> list[str]:
    if not _may_change(session, actor, warning):
        return []
    mine = actor.user_id is not None and actor.user_id == warning.issuer_user_id
    asked = actor.user_id is not None and actor.user_id == warning.pending_by_user_id
    return [t.action for t in TRANSITIONS.values()
            if warning.status in t.sources and t.when(warning) and may(actor.role, t.capability)
            and not (t.action in ("approve", "reject") and mine)
            and not (t.action in ("approve_raise", "reject_raise") and asked)
            and not (t.action == "submit" and warning.level not in NEEDS_APPROVAL)
            and not (t.action == "issue" and warning.status == "draft" and warning.level in NEEDS_APPROVAL)]


def _conflict(session: Session, warning_id: int, seen: int | None) -> Conflict:
    latest = session.scalar(select(WarningEvent).where(WarningEvent.warning_id == warning_id)
                            .order_by(WarningEvent.id.desc()))
    current = session.scalar(select(EarlyWarning.version).where(EarlyWarning.id == warning_id))
    return Conflict(f"the warning was changed by {latest.actor_name} ({latest.action}) at "
                    f"{latest.at:%Y-%m-%d %H:%M:%S} UTC; you saw version {seen}, it is now {current}: reload it and "
                    "try again", changed_by=latest.actor_name, changed_at=latest.at.isoformat(), action=latest.action,
                    version=current)


# -- recording --------------------------------------------------------------------------------------------------

def _placement(session: Session, grid_ids: list[int]) -> dict[str, int | None]:
    """The lowest grid holding every target, with its ancestors, as an event's placement columns."""
    codes = [parts.split("-") for parts in session.scalars(select(Grid.code).where(Grid.id.in_(grid_ids)))]
    common: list[str] = []
    for segments in zip(*codes):
        if len(set(segments)) > 1:
            break
        common.append(segments[0])
    chain = ["-".join(common[:i + 1]) for i in range(len(common))]
    ids = dict(session.execute(select(Grid.code, Grid.id).where(Grid.code.in_(chain))).all())
    return {column: ids.get(chain[level]) if level < len(chain) else None
            for level, column in enumerate(PLACEMENT_COLUMNS)}


def _sent(session: Session, warning: EarlyWarning) -> list[WarningEvent]:
    return list(session.scalars(select(WarningEvent).where(WarningEvent.warning_id == warning.id,
                                                           WarningEvent.msg_type.is_not(None))
                                .order_by(WarningEvent.id)))


@dataclass(frozen=True)
class Outcome:
    warning: EarlyWarning
    event: WarningEvent
    recipients: set[int]  # the persons this action's message goes to (none for a draft, decision or refusal)
    allowed: list[str]


def _record(session: Session, warning: EarlyWarning, actor: Actor, action: str, before: dict | None, note: str | None,
            now: datetime, sender: str) -> tuple[WarningEvent, set[int]]:
    after = facts(warning)
    event = WarningEvent(warning_id=warning.id, at=now, actor_user_id=actor.user_id, actor_name=actor.name,
                         action=action, from_status=before["status"] if before else None, to_status=warning.status,
                         note=note, before=json.dumps(before) if before else None, after=json.dumps(after))
    recipients: set[int] = set()
    if action in MSG_TYPES:
        earlier = _sent(session, warning)
        event.msg_type = MSG_TYPES[action]
        event.identifier = warning.identifier if not earlier else f"{warning.identifier}.{len(earlier)}"
        event.references = " ".join(reference(sender, e) for e in earlier) or None
        old = [(t["grid_id"], t["subtree"]) for t in (before or after)["targets"]]
        recipients = affected(session, action, old, [(t["grid_id"], t["subtree"]) for t in after["targets"]])
    session.add(event)
    session.flush()
    grid_ids = [t["grid_id"] for t in after["targets"]]
    old_ids = {t["grid_id"] for t in before["targets"]} if before else set(grid_ids)
    outbox.record(session, WarningChanged(
        kind=f"warning.{action}", at=now, actor=actor.name, **_placement(session, grid_ids),
        warning_id=warning.id, identifier=warning.identifier, version=warning.version, status=warning.status,
        level=warning.level, before_level=before["level"] if before else None, pending_level=warning.pending_level,
        type=warning.type,
        headline=warning.headline, starts_at=warning.starts_at, ends_at=warning.ends_at, grid_ids=grid_ids,
        added=sorted(set(grid_ids) - old_ids), removed=sorted(old_ids - set(grid_ids))))
    session.flush()
    log.info("warning=%s action=%s user=%s role=%s status=%s level=%s version=%s recipients=%d", warning.id, action,
             actor.user_id or actor.name, actor.role, warning.status, warning.level, warning.version, len(recipients))
    return event, recipients


def sender_of(session: Session) -> str:
    """The CAP sender: this command centre, named by its city's grid code (no spaces, commas or < &)."""
    return f"grid-command-centre-{session.scalar(select(Grid.code).where(Grid.parent_id.is_(None)))}"


def check_draft(session: Session, actor: Actor, params: DraftParams, now: datetime) -> list[Grid]:
    """A draft's rules (its targets answered), for `create` and for the preview before it."""
    if not may(actor.role, "issue_warning"):
        raise Forbidden(f"a {actor.role} may not issue warnings")
    if params.starts_at < now - START_TOLERANCE:
        raise InvalidParams("starts_at: the start lies in the past; start now or later", field="starts_at")
    if params.starts_at > now + MAX_LEAD:
        raise InvalidParams(f"starts_at: a warning starts within {MAX_LEAD.days} days", field="starts_at")
    check_period(params.starts_at, params.ends_at, params.end_reason, now)
    if params.sms_template is not None:
        try:
            sms.placeholders(params.sms_template)
        except sms.TemplateError as error:
            raise InvalidParams(str(error), field="sms_template") from None
    return check_targets(session, actor.scope, params.targets)


# -- the entry points -------------------------------------------------------------------------------------------

def create(session: Session, actor: Actor, raw: dict, now: datetime) -> Outcome:
    """Draft a warning (flushed, not committed) from the actor's scope grid; `perform` then sends it on."""
    params: DraftParams = _parse(DraftParams, raw)
    check_draft(session, actor, params, now)
    warning = EarlyWarning(
        identifier=f"gcc-{uuid.uuid4().hex}", level=params.level, type=params.type, headline=params.headline,
        message=params.message, sms_template=params.sms_template, starts_at=max(params.starts_at, now),
        ends_at=params.ends_at, end_reason=params.end_reason, status="draft", scope_grid_id=actor.scope.grid_id,
        issuer_user_id=actor.user_id, issuer_name=actor.name, created_at=now, updated_at=now,
        targets=[WarningTarget(grid_id=t.grid_id, subtree=t.subtree) for t in params.targets])
    session.add(warning)
    session.flush()
    event, _ = _record(session, warning, actor, "create", None, params.note, now, sender_of(session))
    return Outcome(warning, event, set(), allowed_actions(session, warning, actor))


def perform(session: Session, actor: Actor, warning_id: int, action: str, raw: dict | None, now: datetime,
            expected_version: int | None = None) -> Outcome:
    """Perform one action on one warning (flushed, not committed). Raises a WorkflowError and changes nothing."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise NotFound(f"no action {action!r}; actions are: {', '.join(TRANSITIONS)}")
    warning = load(session, actor, warning_id, lock=True)
    if not _may_change(session, actor, warning):
        raise Forbidden("this warning was issued for a wider area than your scope: only its issuer's level may "
                        "change it")
    if expected_version is not None and expected_version != warning.version:
        raise _conflict(session, warning.id, expected_version)
    if warning.status not in transition.sources or not transition.when(warning):
        raise NotAllowed(f"{action} is not possible now (status {warning.status}); allowed: "
                         f"{', '.join(allowed_actions(session, warning, actor)) or 'none for you'}",
                         allowed=allowed_actions(session, warning, actor))
    if not may(actor.role, transition.capability):
        raise Forbidden(f"a {actor.role} may not {action} a warning")
    params = _parse(transition.params, raw)
    before = facts(warning)
    done = transition.effect(Step(session, warning, actor, params, now)) or action
    warning.status = transition.target or warning.status
    if warning.status not in LIVE_STATUSES:
        warning.pending_level = warning.pending_by_user_id = None  # a lifted warning is raised no more
    warning.updated_at = now
    try:
        session.flush()
    except StaleDataError:
        seen = warning.version
        session.rollback()
        raise _conflict(session, warning_id, seen) from None
    event, recipients = _record(session, warning, actor, done, before, params.note, now, sender_of(session))
    return Outcome(warning, event, recipients, allowed_actions(session, warning, actor))


def lift_expired(session: Session, now: datetime) -> int:
    """Lift, as the system, every issued warning whose end has come (not committed); answers how many. Each in a
    savepoint: one that cannot be lifted is logged and left."""
    root = session.scalar(select(Grid).where(Grid.parent_id.is_(None)))
    system = Actor(name=SYSTEM, role=SYSTEM, scope=Scope.of_grid(root))
    due = session.scalars(select(EarlyWarning.id).where(EarlyWarning.status.in_(LIVE_STATUSES),
                                                        EarlyWarning.ends_at <= now).order_by(EarlyWarning.ends_at))
    lifted = 0
    for warning_id in list(due):
        try:
            with session.begin_nested():
                perform(session, system, warning_id, "expire", {"note": "its end has come"}, now)
            lifted += 1
        except (NotAllowed, Conflict) as error:
            log.warning("could not expire warning %s: %s", warning_id, error)
    return lifted
