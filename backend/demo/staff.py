"""The demo city's staff at work: the simulator plays the dispatchers, handlers, verifiers and the leader.

Every round it looks at the open cases and takes, for each whose step has waited long enough, the step a
person in that role would take, through `backend.cases.actions.act` like a screen: registered, dispatched
(mostly to the top proposal), accepted, fed back, verified and closed, with a share cancelled, returned,
reworked, escalated, postponed or left late (then the sweeper's cards and escalations follow, and the leader
supervises some red cards).

Who acts: the demo account of the role (the city's dispatcher, duty officer and leader), or, when the seed
made none, a demo actor of that role named "demo <role>". A handler acts as the assigned person: an actor
with the person's name and id, role grid worker (or department handler for a department's case), no user id.
A person bound to a user account (the demo's `gridworker`) is left to that user: their tasks wait on the
handlers' desk for someone to sign in, and if nobody does, go late and are escalated like anyone's.

The wait and the choice of each step are drawn from (seed, case, version): the same case at the same version
always gets the same draw, so rounds are repeatable, a restart picks up where it left off, and nothing needs
storing. A refusal (a real user acted first, the case moved on) is normal: the case is skipped. It runs only in
demo mode with `SIMULATOR_STAFF` on, and on PostgreSQL only one process at a time plays the staff.
"""
from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.cases.actions import act
from backend.cases.routing import propose_assignees
from backend.cases.workflow import Actor, WorkflowError
from backend.geo.scope import Scope
from backend.models import OPEN_STATES, Case, Category, Grid, Person, User
from backend.platform.config import Config
from backend.platform.worker import Worker, one_at_a_time

log = logging.getLogger(__name__)
STAFF_LOCK = 0x5EED_57AF  # pg_try_advisory_xact_lock key: one process plays the staff
# At most this many actions a round: a seeded history's backlog is worked off over minutes, not in one burst.
ACTIONS_PER_ROUND = 12
# A demo step takes minutes: a category's time limit in hours is read as about this many minutes of demo wait
# per hour (so a 2 h limit waits about 1 min, a 15-day one the cap), between these bounds.
MINUTES_PER_LIMIT_HOUR = 0.5
MIN_WAIT_MINUTES, MAX_WAIT_MINUTES = 0.5, 8.0
# Shares of the less common paths.
CANCEL_SHARE = 0.04
OTHER_PROPOSAL_SHARE = 0.15  # dispatched to another proposed person than the top one
RETURN_SHARE = 0.08
ESCALATE_SHARE = 0.05
POSTPONE_SHARE = 0.08
APPROVE_SHARE = 0.7
REWORK_SHARE = 0.12
# The handler lets the deadline pass, and the grace after it: yellow and red cards, then the sweeper escalates.
LATE_SHARE = 0.1
LATE_BEYOND_MINUTES = 30
SUPERVISE_SHARE = 0.5  # of the red cards, once each


@dataclass(frozen=True)
class Move:
    """One step a person takes: who, which action, with what."""

    actor: Actor
    action: str
    params: dict


class StaffPlayer(Worker):
    """The demo's staff, as a background worker: `play(now)` every `period` seconds."""

    name = "staff simulator"

    def __init__(self, sessions: sessionmaker[Session], config: Config, seed: int | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc), period: float = 15.0):
        super().__init__(period)
        self._sessions = sessions
        self._config = config
        self._seed = random.randrange(2 ** 32) if seed is None else seed
        self._clock = clock

    @property
    def enabled(self) -> bool:
        return self._config.demo and self._config.simulator_staff

    def round(self) -> None:
        self.play(self._clock())

    def play(self, now: datetime) -> Counter:
        """Take the steps due at `now`; answers how many of each action were taken."""
        taken: Counter = Counter()
        if not self.enabled:
            return taken
        with self._sessions() as session:
            if not one_at_a_time(session, STAFF_LOCK):
                return taken
            staff = _Staff(session)
            # Lazily: a step's lookups (its handler, the proposals) are made only until the round is full.
            due = ((case.id, move) for case, limit in _open_cases(session)
                   if (move := self._move(session, staff, case, limit, now)) is not None)
            # The lock's transaction stays open until the round ends, so no other process plays meanwhile.
            for case_id, move in due:
                if self.take(case_id, move, now):
                    taken[move.action] += 1
                if taken.total() == ACTIONS_PER_ROUND:  # a refused step takes no place: stuck cases block none
                    break
        return taken

    def take(self, case_id: int, move: Move, now: datetime) -> bool:
        try:
            act(self._sessions, move.actor, case_id, move.action, move.params, now, self._config)
            return True
        except WorkflowError as refusal:  # someone else acted first, or the case moved on: normal
            log.info("staff simulator skipped %s on case %s: %s", move.action, case_id, refusal)
            return False

    def _draw(self, case: Case, what: str) -> random.Random:
        return random.Random(f"{self._seed}:{case.id}:{case.version}:{what}")

    def _late(self, case: Case) -> bool:
        return random.Random(f"{self._seed}:{case.id}:late").random() < LATE_SHARE

    def _late_until(self, case: Case) -> datetime:
        """A late case is left past its deadline and the escalation grace, so the sweeper escalates it first."""
        return case.deadline + timedelta(hours=self._config.escalation_grace_hours, minutes=LATE_BEYOND_MINUTES)

    def _waited(self, case: Case, limit: float | None, now: datetime) -> bool:
        mean = min(MAX_WAIT_MINUTES, max(MIN_WAIT_MINUTES, (limit or 24) * MINUTES_PER_LIMIT_HOUR))
        wait = self._draw(case, "wait").uniform(0.5, 1.5) * mean
        return now >= case.updated_at + timedelta(minutes=wait)

    def _move(self, session: Session, staff: _Staff, case: Case, limit: float | None, now: datetime) -> Move | None:
        """The step due on this case now, if any."""
        if case.card == "red" and not case.supervised and staff.leader is not None \
                and random.Random(f"{self._seed}:{case.id}:supervise").random() < SUPERVISE_SHARE:
            return Move(staff.leader, "supervise", {"note": "超期案件，请加快处置并报告进展。"})
        if not self._waited(case, limit, now):
            return None
        chance = self._draw(case, "choice").random()
        if case.postpone_requested_hours is not None:
            return (Move(staff.dispatcher, "approve_postpone", {}) if chance < APPROVE_SHARE else
                    Move(staff.dispatcher, "reject_postpone", {"note": "请按原时限完成。"}))
        if case.state == "collected":
            return (Move(staff.dispatcher, "cancel", {"note": "无效上报。"}) if chance < CANCEL_SHARE else
                    Move(staff.dispatcher, "register", {}))
        if case.state == "registered":
            return self._dispatch(session, staff, case, chance)
        if case.state in ("dispatched", "handling"):
            return self._handle(session, staff, case, chance, now)
        if case.state == "fed_back":
            return (Move(staff.verifier, "rework", {"note": "核查未解决，请重新处置。"}) if chance < REWORK_SHARE
                    else Move(staff.verifier, "close", {}))
        return None

    def _dispatch(self, session: Session, staff: _Staff, case: Case, chance: float) -> Move:
        if chance < OTHER_PROPOSAL_SHARE:
            others = propose_assignees(session, case, staff.dispatcher.scope)[1:]
            if others:
                return Move(staff.dispatcher, "dispatch", {"person_id": others[0].person_id})
        return Move(staff.dispatcher, "dispatch", {})  # the top proposal

    def _handle(self, session: Session, staff: _Staff, case: Case, chance: float, now: datetime) -> Move | None:
        handler = staff.handler(session, case)
        if handler is None:
            return None
        if self._late(case) and case.deadline is not None and now <= self._late_until(case):
            return None
        if case.state == "dispatched":
            if chance < RETURN_SHARE:
                return Move(handler, "return", {"note": "不属于本人负责范围。"})
            if chance < RETURN_SHARE + ESCALATE_SHARE and case.handling_level > 0:
                return Move(handler, "escalate", {"note": "需上级协调处置。"})
            return Move(handler, "accept", {})
        if chance < POSTPONE_SHARE and case.deadline is not None:
            return Move(handler, "request_postpone", {"note": "需协调相关部门，申请延期。", "hours": 24})
        return Move(handler, "feed_back", {"note": "已到现场处置完毕。"})


def _open_cases(session: Session) -> list[tuple[Case, float | None]]:
    """The open cases with their category's time limit, the longest waiting first."""
    return session.execute(select(Case, Category.time_limit_hours).join(Category, Case.category_id == Category.id)
                           .where(Case.state.in_(OPEN_STATES)).order_by(Case.updated_at, Case.id)).all()


class _Staff:
    """The people the player acts as, found once a round."""

    def __init__(self, session: Session):
        self._root = Scope.of_grid(session.scalar(select(Grid).where(Grid.parent_id.is_(None))))
        self.dispatcher = self._desk(session, "dispatcher")
        self.verifier = self._desk(session, "duty_officer")
        self.leader = self._desk(session, "leader")

    def _desk(self, session: Session, role: str) -> Actor:
        """The city's demo account of the role, or a demo actor of that role when there is none."""
        user = session.scalar(select(User).join(Grid, User.grid_id == Grid.id)
                              .where(User.role == role, User.active, Grid.parent_id.is_(None)).order_by(User.id))
        if user is None:
            return Actor(name=f"demo {role}", role=role, scope=self._root)
        return _as_actor(session, user)

    def handler(self, session: Session, case: Case) -> Actor | None:
        """The assignee as the simulator plays it: the person (or the department) itself; None for a person
        who is a user's."""
        if case.assignee_person_id is None:
            if case.assignee_department_id is None:
                return None
            return Actor(name="demo department_handler", role="department_handler", scope=self._root,
                         department_id=case.assignee_department_id)
        if session.scalar(select(User.id).where(User.person_id == case.assignee_person_id).limit(1)):
            return None  # a real user's work: left to them
        person = session.get(Person, case.assignee_person_id)
        return Actor(name=person.name, role="grid_worker", scope=self._root, person_id=person.id)


def _as_actor(session: Session, user: User) -> Actor:
    return Actor(name=user.display_name, role=user.role, scope=Scope.of_user(session, user), user_id=user.id,
                 person_id=user.person_id,
                 department_id=user.person.department_id if user.person else None)
