"""Routing on the generated city: proposals are the responsible persons of the case's grid at its level."""
from sqlalchemy import select

from backend.models import PLACEMENT_COLUMNS, Case, Grid, person_grid
from backend.cases.routing import handling_grid_id, person_in_scope, propose_assignees
from backend.geo.scope import Scope


def test_proposals_serve_the_cases_grid_at_its_handling_level(city_sessions):
    """The category sets the level at intake; escalation moves it up, and routing follows."""
    with city_sessions() as session:
        checked = set()
        for level in (1, 2, 3):
            cases = session.scalars(select(Case).where(Case.handling_level == level, Case.grid_id.is_not(None))
                                    .limit(20)).all()
            for case in cases:
                grid_id = getattr(case, PLACEMENT_COLUMNS[level])
                serving = set(session.scalars(select(person_grid.c.person_id).where(person_grid.c.grid_id == grid_id)))
                proposals = propose_assignees(session, case, None)
                assert proposals and {p.person_id for p in proposals} == serving
                assert all(p.grid_id == grid_id for p in proposals)
                loads = [p.open_cases for p in proposals]
                assert loads == sorted(loads)
                checked.add(level)
        assert checked == {1, 2, 3}


def test_an_unlocated_case_is_routed_at_the_city(city_sessions):
    with city_sessions() as session:
        case = session.scalar(select(Case).where(Case.grid_id.is_not(None)))
        case.grid_id = case.community_id = case.district_id = None  # as a report without a location
        assert handling_grid_id(case, 3) == case.city_id
        assert {p.grid_id for p in propose_assignees(session, case, None)} == {case.city_id}
        session.rollback()


def test_proposals_to_an_actor_are_the_persons_of_the_actors_scope_only(city_sessions):
    """A district case at city level (escalated, then returned): the district's dispatcher is proposed no one
    from the city; the city's dispatcher is proposed the city's staff."""
    with city_sessions() as session:
        case = session.scalar(select(Case).where(Case.handling_level == 1, Case.grid_id.is_not(None)))
        street = Scope.of_grid(session.get(Grid, case.district_id))
        city = Scope.of_grid(session.get(Grid, case.city_id))
        at_district = propose_assignees(session, case, street)
        assert at_district and at_district == propose_assignees(session, case, None)
        assert all(person_in_scope(session, street, p.person_id) for p in at_district)
        case.handling_level = 0
        assert propose_assignees(session, case, city) == propose_assignees(session, case, None) != []
        assert propose_assignees(session, case, street) == []
        session.rollback()
