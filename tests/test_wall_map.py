"""The wall map's open-case markers (backend/geo/markers.py), the whole map payload a read sends
(callbacks/wall.py `map_payload`), and the grid panel (backend/geo/grid_panel.py)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, update

from backend.accounts.permissions import ROLES, sees_staff_phone
from backend.geo.grid_panel import grid_panel
from backend.geo.grids import OutOfScope
from backend.geo.markers import KINDS, open_markers, unpack
from backend.geo.scope import Scope
from backend.models import OPEN_STATES, Case, Grid, Person, User, person_grid
from backend.platform.i18n import Translator
from tests.test_workflow import World, module_sessions, world  # noqa: F401  (fixtures)


def street_scope(session, username: str) -> Scope:
    return Scope.of_user(session, session.scalar(select(User).where(User.username == username)))


def open_cases(session, scope: Scope) -> set[int]:
    return set(session.scalars(select(Case.id).where(scope.clause(Case), Case.state.in_(OPEN_STATES))))


def test_markers_are_the_open_cases_of_the_scope_where_they_happened(world):
    street = street_scope(world.session, "street1")
    markers = unpack(open_markers(world.session, street))
    assert {case_id for case_id, *_ in markers} == open_cases(world.session, street) != set()
    points = dict(world.session.execute(select(Case.id, Case.lat).where(Case.id.in_([m[0] for m in markers]))).all())
    # A packed coordinate is within a step (a street's extent / 65,535) of the case's own.
    assert all(abs(lat - points[case_id]) < 1e-4 for case_id, lat, _lon, _kind in markers)


def test_another_streets_cases_are_not_among_a_streets_markers(world):
    street1, street2 = (street_scope(world.session, name) for name in ("street1", "street2"))
    shown = {case_id for case_id, *_ in unpack(open_markers(world.session, street1))}
    assert shown and not shown & open_cases(world.session, street2)


def test_closed_cancelled_and_unlocated_cases_have_no_marker(world):
    city = Scope.of_grid(world.city)
    closed, cancelled, unlocated, handled = (world.case("closed"), world.case("cancelled"),
                                             world.case("registered", lat=None, lon=None), world.case("handling"))
    shown = {case_id for case_id, *_ in unpack(open_markers(world.session, city))}
    assert handled.id in shown and not {closed.id, cancelled.id, unlocated.id} & shown


def test_a_marker_says_to_register_under_way_or_its_card(world):
    city = Scope.of_grid(world.city)
    cases = {"to_register": world.case("collected"), "under_way": world.case("dispatched"),
             "yellow": world.case("handling", card="yellow"), "overdue": world.case("fed_back", card="red")}
    kinds = {case_id: KINDS[kind] for case_id, _lat, _lon, kind in unpack(open_markers(world.session, city))}
    assert {kind: kinds[case.id] for kind, case in cases.items()} == {kind: kind for kind in cases}


def test_past_the_cap_the_most_urgent_are_kept_and_the_payload_says_so(world):
    city = Scope.of_grid(world.city)
    total = len(open_cases(world.session, city))
    red = world.case("handling", card="red")
    payload = open_markers(world.session, city, limit=5)
    assert (payload["count"], payload["total"], payload["capped"]) == (5, total + 1, True)
    assert red.id in {case_id for case_id, *_ in unpack(payload)}
    assert open_markers(world.session, city)["capped"] is False


def test_a_scope_without_open_cases_has_no_markers(world):
    city = Scope.of_grid(world.city)
    world.session.execute(update(Case).values(state="closed"))
    payload = open_markers(world.session, city)
    assert (payload["count"], payload["capped"], unpack(payload)) == (0, False, [])


def test_the_city_map_payload_is_json_and_holds_grids_and_markers(world):
    from callbacks.wall import map_payload

    city = Scope.of_grid(world.city)
    payload = json.loads(json.dumps(map_payload(Translator("zh_Hans"), world.session, city, world.city, 0)))
    districts = world.session.scalar(select(func.count()).where(Grid.parent_id == world.city.id))
    assert len(payload["grids"]["features"]) == districts
    assert payload["markers"]["count"] == len(open_cases(world.session, city))


# -- the grid panel ----------------------------------------------------------------------------------------------

def serving(session, grid_id: int) -> list[Person]:
    return session.scalars(select(Person).join(person_grid).where(person_grid.c.grid_id == grid_id)
                           .order_by(Person.id)).all()


@pytest.mark.parametrize("role", ROLES)
def test_the_panel_lists_the_grids_persons_with_phones_only_for_roles_that_call_staff(world, role):
    panel = grid_panel(world.session, Scope.of_grid(world.city), world.unit.id, role)
    persons = serving(world.session, world.unit.id)
    assert (panel.code, panel.name, panel.serving) == (world.unit.code, world.unit.name, len(persons))
    assert [(p.name, p.position) for p in panel.persons] == [(p.name, p.position) for p in persons][:len(panel.persons)]
    assert [p.phone for p in panel.persons] == [p.phone if sees_staff_phone(role) else None
                                                for p in persons][:len(panel.persons)]


def test_phones_are_for_who_directs_or_supervises_staff_not_for_the_kiosk():
    assert {role for role in ROLES if sees_staff_phone(role)} == {"admin", "leader", "duty_officer", "dispatcher"}


def test_the_panel_counts_the_open_cases_of_the_grids_subtree_by_state(world):
    community = world.session.get(Grid, world.unit.parent_id)
    before = grid_panel(world.session, Scope.of_grid(world.city), community.id, "dispatcher").open
    world.case("dispatched"), world.case("dispatched"), world.case("closed")
    after = grid_panel(world.session, Scope.of_grid(world.city), community.id, "dispatcher").open
    assert set(after) == set(OPEN_STATES)
    assert {state: after[state] - before[state] for state in OPEN_STATES} == {
        state: 2 if state == "dispatched" else 0 for state in OPEN_STATES}
    assert sum(after.values()) == len(open_cases(world.session, Scope.of_grid(community)))


def test_a_grid_outside_the_readers_scope_has_no_panel(world):
    street1, street2 = (street_scope(world.session, name) for name in ("street1", "street2"))
    with pytest.raises(OutOfScope):
        grid_panel(world.session, street1, street2.grid_id, "admin")


def test_the_legend_says_when_the_map_draws_fewer_markers_than_there_are_open_cases(world):
    from callbacks.wall import capped_note

    city = Scope.of_grid(world.city)
    total = len(open_cases(world.session, city))
    _ = Translator("en")
    assert capped_note(_, open_markers(world.session, city, limit=5)) == f"5 of {total} shown"
    assert capped_note(_, open_markers(world.session, city)) == ""
