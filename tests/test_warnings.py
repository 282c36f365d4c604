"""The warning workflow: scope and downwards only, time rules, two persons for orange and red, each change and
whom it tells, history, outbox events in the same transaction, expiry, and versions."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.cases.sweeper import sweep
from backend.cases.workflow import Actor, Conflict, Forbidden, InvalidParams, NotAllowed, NotFound
from backend.events.types import EVENT, WARNING_KINDS
from backend.geo.scope import Scope
from backend.models import EarlyWarning, Grid, OutboxEvent, User, WarningEvent, person_grid
from backend.platform.config import Config
from backend.warnings import recipients, sms
from backend.warnings.workflow import TRANSITIONS, create, lift_expired, perform
from tests.conftest import NOW
from tests.test_workflow import module_sessions  # noqa: F401  (the fixture)


class World:
    """The small city: its first street (district) with a community and a unit grid, another street, and the
    people who issue and approve."""

    def __init__(self, session):
        self.session = session
        self.city = session.scalar(select(Grid).where(Grid.level == 0))
        self.street, self.other_street = session.scalars(select(Grid).where(Grid.level == 1).order_by(Grid.code)
                                                         .limit(2))
        self.community = session.scalar(select(Grid).where(Grid.parent_id == self.street.id).order_by(Grid.code))
        self.unit, self.unit2 = session.scalars(select(Grid).where(Grid.parent_id == self.community.id)
                                                .order_by(Grid.code).limit(2))
        users = {u.username: u for u in session.scalars(select(User))}
        self.officer = Actor(name="warning", role="warning_officer", scope=Scope.of_grid(self.city),
                             user_id=users["warning"].id)
        self.leader = Actor(name="leader", role="leader", scope=Scope.of_grid(self.city), user_id=users["leader"].id)
        self.admin = Actor(name="admin", role="admin", scope=Scope.of_grid(self.city), user_id=users["admin"].id)
        self.street_officer = Actor(name="street1", role="warning_officer", scope=Scope.of_grid(self.street),
                                    user_id=users["street1"].id)

    def draft(self, actor: Actor | None = None, level: str = "blue", targets=None, **fields):
        params = {"level": level, "type": "weather", "headline": "Rainstorm", "message": "暴雨，请做好防范",
                  "starts_at": NOW.isoformat(), "ends_at": (NOW + timedelta(hours=12)).isoformat(),
                  "targets": targets or [{"grid_id": self.community.id}]} | fields
        return create(self.session, actor or self.officer, params, NOW).warning

    def issued(self, level: str = "blue", **fields) -> EarlyWarning:
        warning = self.draft(level=level, **fields)
        if level in ("orange", "red"):
            perform(self.session, self.officer, warning.id, "submit", {}, NOW)
            perform(self.session, self.leader, warning.id, "approve", {}, NOW)
        perform(self.session, self.officer, warning.id, "issue", {}, NOW)
        return warning

    def persons_of(self, *grids: Grid) -> set[int]:
        codes = [g.code for g in grids]
        rows = self.session.execute(select(person_grid.c.person_id, Grid.code)
                                    .join(Grid, Grid.id == person_grid.c.grid_id))
        return {p for p, code in rows if any(code == c or code.startswith(c + "-") for c in codes)}

    def count(self, model, *where) -> int:
        return self.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def world(module_sessions):  # noqa: F811  (this file's World over the shared city copy)
    """Nothing here commits: each test's changes are rolled back."""
    with module_sessions() as session:
        yield World(session)
        session.rollback()


# -- issuing: scope, downwards, time ----------------------------------------------------------------------------

def test_a_blue_warning_goes_out_at_once_to_the_persons_of_its_targets(world):
    warning = world.draft(level="blue")
    outcome = perform(world.session, world.officer, warning.id, "issue", {}, NOW)
    assert warning.status == "issued" and warning.issued_at == NOW
    assert outcome.recipients == world.persons_of(world.community) and outcome.recipients
    assert outcome.event.msg_type == "Alert" and outcome.event.identifier == warning.identifier


@pytest.mark.parametrize("level", ["orange", "red"])
def test_orange_and_red_need_a_second_persons_approval_before_they_go_out(world, level):
    warning = world.draft(level=level)
    with pytest.raises(NotAllowed, match="approval"):
        perform(world.session, world.officer, warning.id, "issue", {}, NOW)
    perform(world.session, world.officer, warning.id, "submit", {}, NOW)
    with pytest.raises(Forbidden):  # a warning officer does not approve
        perform(world.session, world.officer, warning.id, "approve", {}, NOW)
    perform(world.session, world.leader, warning.id, "approve", {}, NOW)
    assert warning.status == "approved" and warning.approver_name == "leader"
    perform(world.session, world.officer, warning.id, "issue", {}, NOW)
    assert warning.status == "issued"


def test_the_person_who_drafted_a_warning_cannot_approve_it(world):
    warning = world.draft(world.admin, level="red")
    perform(world.session, world.admin, warning.id, "submit", {}, NOW)
    with pytest.raises(Forbidden, match="second person"):
        perform(world.session, world.admin, warning.id, "approve", {}, NOW)
    assert warning.status == "submitted"


def test_a_rejection_needs_a_reason_and_ends_the_draft(world):
    warning = world.draft(level="orange")
    perform(world.session, world.officer, warning.id, "submit", {}, NOW)
    with pytest.raises(InvalidParams, match="note"):
        perform(world.session, world.leader, warning.id, "reject", {}, NOW)
    perform(world.session, world.leader, warning.id, "reject", {"note": "not severe enough"}, NOW)
    assert warning.status == "rejected"
    with pytest.raises(NotAllowed):
        perform(world.session, world.officer, warning.id, "issue", {}, NOW)


def test_blue_and_yellow_need_no_approval(world):
    warning = world.draft(level="yellow")
    with pytest.raises(NotAllowed, match="needs no approval"):
        perform(world.session, world.officer, warning.id, "submit", {}, NOW)


def test_the_city_issues_to_streets_and_below_but_not_to_itself(world):
    for grid in (world.street, world.community, world.unit):
        assert world.draft(targets=[{"grid_id": grid.id}]).status == "draft"
    with pytest.raises(InvalidParams, match="downwards"):
        world.draft(targets=[{"grid_id": world.city.id}])


def test_a_street_issues_only_below_itself_and_inside_itself(world):
    assert world.draft(world.street_officer, targets=[{"grid_id": world.unit.id}]).scope_grid_id == world.street.id
    with pytest.raises(InvalidParams, match="downwards"):
        world.draft(world.street_officer, targets=[{"grid_id": world.street.id}])
    with pytest.raises(InvalidParams, match="not in your scope"):
        world.draft(world.street_officer, targets=[{"grid_id": world.other_street.id}])


def test_only_who_may_issue_drafts_a_warning(world):
    dispatcher = Actor(name="dispatcher", role="dispatcher", scope=Scope.of_grid(world.city))
    with pytest.raises(Forbidden):
        world.draft(dispatcher)


@pytest.mark.parametrize("start, end, message", [
    (timedelta(hours=2), timedelta(hours=1), "end must come after the start"),
    (timedelta(hours=-1), timedelta(hours=3), "start lies in the past"),
    (timedelta(0), timedelta(days=8), "at most 7 days"),
    (timedelta(days=31), timedelta(days=32), "starts within 30 days"),
])
def test_times_are_checked(world, start, end, message):
    with pytest.raises(InvalidParams, match=message):
        world.draft(starts_at=(NOW + start).isoformat(), ends_at=(NOW + end).isoformat())


def test_a_start_a_minute_ago_counts_as_now(world):
    warning = world.draft(starts_at=(NOW - timedelta(minutes=1)).isoformat())
    assert warning.starts_at == NOW


def test_longer_than_seven_days_only_with_a_reason(world):
    warning = world.draft(ends_at=(NOW + timedelta(days=10)).isoformat(), end_reason="the flood season")
    assert warning.end_reason == "the flood season"
    with pytest.raises(InvalidParams, match="at most 366 days"):
        world.draft(ends_at=(NOW + timedelta(days=400)).isoformat(), end_reason="forever")


# -- changes and whom they tell ---------------------------------------------------------------------------------

def test_widening_tells_only_the_added_grids_and_narrowing_only_the_removed_ones(world):
    warning = world.issued(targets=[{"grid_id": world.unit.id}])
    widened = perform(world.session, world.officer, warning.id, "widen", {"targets": [{"grid_id": world.unit2.id}]},
                      NOW)
    assert widened.recipients == world.persons_of(world.unit2) - world.persons_of(world.unit)
    assert {t.grid_id for t in warning.targets} == {world.unit.id, world.unit2.id}
    narrowed = perform(world.session, world.officer, warning.id, "narrow", {"grid_ids": [world.unit.id]}, NOW)
    assert narrowed.recipients == world.persons_of(world.unit) - world.persons_of(world.unit2)
    assert [t.grid_id for t in warning.targets] == [world.unit2.id]
    assert (widened.event.msg_type, narrowed.event.msg_type) == ("Update", "Update")


def test_a_lowered_level_and_a_lift_tell_everyone(world):
    warning = world.issued(level="orange")
    everyone = world.persons_of(world.community)
    lowered = perform(world.session, world.officer, warning.id, "lower", {"level": "yellow"}, NOW)
    assert warning.level == "yellow" and lowered.recipients == everyone
    lifted = perform(world.session, world.officer, warning.id, "lift", {}, NOW)
    assert warning.status == "lifted" and lifted.recipients == everyone and lifted.event.msg_type == "Cancel"


def test_raise_goes_up_and_lower_goes_down(world):
    warning = world.issued(level="blue")
    raised = perform(world.session, world.officer, warning.id, "raise", {"level": "yellow"}, NOW)
    assert warning.level == "yellow" and raised.recipients == world.persons_of(world.community)
    with pytest.raises(InvalidParams, match="above yellow"):
        perform(world.session, world.officer, warning.id, "raise", {"level": "blue"}, NOW)
    with pytest.raises(InvalidParams, match="below yellow"):
        perform(world.session, world.officer, warning.id, "lower", {"level": "red"}, NOW)


def test_a_raise_to_orange_or_red_waits_for_a_second_persons_approval(world):
    warning = world.issued(level="yellow")
    asked = perform(world.session, world.officer, warning.id, "raise", {"level": "red"}, NOW)
    assert (warning.level, warning.pending_level) == ("yellow", "red")
    assert asked.event.action == "raise_requested" and asked.event.msg_type is None and asked.recipients == set()
    with pytest.raises(NotAllowed, match="awaits approval"):
        perform(world.session, world.officer, warning.id, "lower", {"level": "blue"}, NOW)
    approved = perform(world.session, world.leader, warning.id, "approve_raise", {}, NOW)
    assert (warning.level, warning.pending_level) == ("red", None) and approved.event.msg_type == "Update"
    assert approved.recipients == world.persons_of(world.community)


def test_whoever_asked_for_a_raise_cannot_approve_it_and_a_rejection_keeps_the_level(world):
    warning = world.issued(level="blue")
    perform(world.session, world.admin, warning.id, "raise", {"level": "orange"}, NOW)
    with pytest.raises(Forbidden, match="second person"):
        perform(world.session, world.admin, warning.id, "approve_raise", {}, NOW)
    perform(world.session, world.leader, warning.id, "reject_raise", {"note": "not that bad"}, NOW)
    assert (warning.level, warning.pending_level) == ("blue", None)
    with pytest.raises(NotAllowed):
        perform(world.session, world.leader, warning.id, "approve_raise", {}, NOW)


def test_narrowing_away_every_target_is_a_lift(world):
    warning = world.issued()
    with pytest.raises(InvalidParams, match="lift the warning instead"):
        perform(world.session, world.officer, warning.id, "narrow", {"grid_ids": [world.community.id]}, NOW)


def test_extending_keeps_the_seven_day_rule(world):
    warning = world.issued()
    with pytest.raises(InvalidParams, match="at most 7 days"):
        perform(world.session, world.officer, warning.id, "extend", {"ends_at": (NOW + timedelta(days=9)).isoformat()},
                NOW)
    perform(world.session, world.officer, warning.id, "extend",
            {"ends_at": (NOW + timedelta(days=9)).isoformat(), "end_reason": "the typhoon stalls"}, NOW)
    assert warning.ends_at == NOW + timedelta(days=9)


def test_updates_reference_every_earlier_message_of_the_warning(world):
    warning = world.issued()
    raised = perform(world.session, world.officer, warning.id, "raise", {"level": "yellow"}, NOW)
    perform(world.session, world.officer, warning.id, "raise", {"level": "orange"}, NOW)  # no message till approved
    lifted = perform(world.session, world.officer, warning.id, "lift", {}, NOW + timedelta(minutes=5))
    alert_ref = f",{warning.identifier},"
    assert alert_ref in raised.event.references and raised.event.identifier != warning.identifier
    assert lifted.event.references.count(" ") == 1 and raised.event.identifier in lifted.event.references


# -- scope of changes -------------------------------------------------------------------------------------------

def test_a_street_sees_the_citys_warning_for_it_but_does_not_change_it(world):
    warning = world.issued(targets=[{"grid_id": world.unit.id}])
    with pytest.raises(Forbidden, match="wider area"):
        perform(world.session, world.street_officer, warning.id, "lift", {}, NOW)
    other = Actor(name="s2", role="warning_officer", scope=Scope.of_grid(world.other_street))
    with pytest.raises(NotFound):
        perform(world.session, other, warning.id, "lift", {}, NOW)


def test_another_streets_draft_is_not_found(world):
    warning = world.draft(world.street_officer, targets=[{"grid_id": world.unit.id}])
    other = Actor(name="s2", role="warning_officer", scope=Scope.of_grid(world.other_street))
    with pytest.raises(NotFound):
        perform(world.session, other, warning.id, "issue", {}, NOW)


def test_widening_is_held_to_the_same_scope_rules(world):
    warning = world.draft(world.street_officer, targets=[{"grid_id": world.unit.id}])
    perform(world.session, world.street_officer, warning.id, "issue", {}, NOW)
    with pytest.raises(InvalidParams, match="not in your scope"):
        perform(world.session, world.street_officer, warning.id, "widen",
                {"targets": [{"grid_id": world.other_street.id}]}, NOW)


# -- history, events, versions, expiry --------------------------------------------------------------------------

def test_every_operation_writes_its_history_row_and_its_event(world):
    warning = world.issued(level="orange")
    perform(world.session, world.officer, warning.id, "widen", {"targets": [{"grid_id": world.other_street.id}]}, NOW)
    rows = world.session.scalars(select(WarningEvent).where(WarningEvent.warning_id == warning.id)
                                 .order_by(WarningEvent.id)).all()
    assert [(r.action, r.actor_name) for r in rows] == [("create", "warning"), ("submit", "warning"),
                                                       ("approve", "leader"), ("issue", "warning"),
                                                       ("widen", "warning")]
    assert json.loads(rows[-1].before)["targets"] == [{"grid_id": world.community.id, "subtree": True}]
    events = [EVENT.validate_json(e.payload) for e in world.session.scalars(
        select(OutboxEvent).where(OutboxEvent.kind.startswith("warning.")).order_by(OutboxEvent.id))]
    mine = [e for e in events if e.warning_id == warning.id]
    assert [e.kind for e in mine] == [f"warning.{r.action}" for r in rows]
    assert mine[-1].added == [world.other_street.id] and mine[-1].level == "orange"
    # Placed at the lowest grid holding every target: the community first, the city once another street joins.
    assert (mine[0].district_id, mine[0].community_id) == (world.street.id, world.community.id)
    assert (mine[-1].city_id, mine[-1].district_id) == (world.city.id, None)


def test_every_way_a_warning_changes_has_an_event_kind():
    assert set(WARNING_KINDS) == {f"warning.{action}" for action in ("create", "raise_requested", *TRANSITIONS)}


def test_a_refused_operation_leaves_no_history_and_no_event(world):
    warning = world.issued()
    rows, events = world.count(WarningEvent), world.count(OutboxEvent)
    with pytest.raises(InvalidParams):
        perform(world.session, world.officer, warning.id, "widen", {"targets": [{"grid_id": world.city.id}]}, NOW)
    assert (world.count(WarningEvent), world.count(OutboxEvent)) == (rows, events)
    assert warning.version == 2 and len(warning.targets) == 1


def test_a_stale_version_is_a_conflict_naming_who_changed_it_and_when(world):
    warning = world.issued()
    seen = warning.version
    perform(world.session, world.officer, warning.id, "raise", {"level": "yellow"}, NOW, expected_version=seen)
    with pytest.raises(Conflict, match=r"changed by warning \(raise\) at 2026-11-26 06:00:00") as refused:
        perform(world.session, world.officer, warning.id, "lift", {}, NOW, expected_version=seen)
    assert refused.value.details["version"] == seen + 1


def test_a_warning_that_reaches_its_end_lifts_itself_as_the_system(world):
    warning = world.issued()
    world.draft()  # a draft does not expire: it never went out
    assert lift_expired(world.session, NOW + timedelta(hours=11)) == 0
    assert lift_expired(world.session, NOW + timedelta(hours=12)) == 1
    assert warning.status == "expired"
    last = world.session.scalar(select(WarningEvent).where(WarningEvent.warning_id == warning.id)
                                .order_by(WarningEvent.id.desc()))
    assert (last.action, last.actor_name, last.msg_type) == ("expire", "system", "Cancel")
    assert lift_expired(world.session, NOW + timedelta(hours=13)) == 0


def test_the_sweeper_lifts_ended_warnings(world):
    warning = world.issued()
    result = sweep(world.session, NOW + timedelta(days=1), Config())
    assert result.warnings_lifted == 1 and warning.status == "expired"


# -- recipients and SMS -----------------------------------------------------------------------------------------

def test_recipients_are_counted_per_target_and_each_person_once(world):
    targets = [(world.community.id, True), (world.unit.id, False)]
    per_grid = {r.grid_id: r.count for r in recipients.per_grid(world.session, targets)}
    assert per_grid == {world.community.id: len(world.persons_of(world.community)),
                        world.unit.id: len(world.persons_of(world.unit))}
    assert recipients.persons(world.session, targets) == world.persons_of(world.community)


def test_an_ascii_sms_fits_160_characters_then_153_per_part():
    assert (sms.measure("a" * 160).parts, sms.measure("a" * 161).parts, sms.measure("a" * 306).parts) == (1, 2, 2)
    assert sms.measure("a" * 307).parts == 3 and sms.measure("a").encoding == "GSM-7"
    assert sms.measure("{" * 80).parts == 1 and sms.measure("{" * 81).parts == 2  # extension characters count twice


def test_a_chinese_sms_fits_70_characters_then_67_per_part():
    assert sms.measure("暴" * 70).encoding == "UCS-2"
    assert (sms.measure("暴" * 70).parts, sms.measure("暴" * 71).parts, sms.measure("暴" * 134).parts) == (1, 2, 2)
    assert sms.measure("a" * 69 + "暴").parts == 1 and sms.measure("a" * 70 + "暴").parts == 2


def test_a_template_with_an_unknown_placeholder_is_refused(world):
    with pytest.raises(sms.TemplateError, match=r"unknown placeholder \{place\}"):
        sms.render("{level}: {place}", dict.fromkeys(sms.PLACEHOLDERS, ""))
    with pytest.raises(InvalidParams, match="unknown placeholder"):
        world.draft(sms_template="{level} {where}")
    for bad in ("{level:>999999999}", "{level!r}", "{level", "{0}"):
        with pytest.raises(InvalidParams, match="template"):
            world.draft(sms_template=bad)


def test_warnings_on_postgresql_keep_the_same_rules(pg_city):
    with pg_city() as session:
        world = World(session)
        warning = world.issued(level="red")
        perform(session, world.officer, warning.id, "widen", {"targets": [{"grid_id": world.other_street.id}]}, NOW)
        session.commit()
        with pytest.raises(Conflict):
            perform(session, world.officer, warning.id, "lift", {}, NOW, expected_version=1)
        session.rollback()
        assert lift_expired(session, NOW + timedelta(days=1)) == 1
        session.commit()
        assert session.get(EarlyWarning, warning.id).status == "expired"
