"""The demo city in the database: a connected tree, people for every grid, a plausible history."""
import pytest
from sqlalchemy import func, select

from backend.demo.citygen.geometry import SCALES, build_tree
from backend.platform.db import make_engine, session_factory
from backend.platform.migrate import upgrade
from backend.models import CASE_STATES, Case, CaseEvent, Category, Department, Grid, Person, Report, User, person_grid
from backend.demo.seed import SeedError, _grid_rows, _people, _catalogue_rows, seed_city
from tests.conftest import NOW

import numpy as np


def test_every_grid_has_a_parent_chain_to_the_root_and_a_hierarchical_code(city_sessions):
    with city_sessions() as session:
        rows = {g.id: g for g in session.scalars(select(Grid))}
    roots = [g for g in rows.values() if g.parent_id is None]
    assert [g.level for g in roots] == [0]
    for grid in rows.values():
        if grid.parent_id is not None:
            parent = rows[grid.parent_id]
            assert grid.level == parent.level + 1
            assert grid.code.startswith(parent.code + "-")


def test_counts_per_level_match_the_small_scale(city_sessions):
    spec = SCALES["small"]
    with city_sessions() as session:
        counts = dict(session.execute(select(Grid.level, func.count()).group_by(Grid.level)).all())
    assert counts == {0: 1, 1: spec.districts, 2: spec.communities, 3: spec.unit_grids}


def test_every_grid_has_responsible_persons_and_some_serve_several_grids(city_sessions):
    with city_sessions() as session:
        grids_without = session.scalar(select(func.count()).select_from(Grid).where(
            ~Grid.id.in_(select(person_grid.c.grid_id))))
        multi = session.scalar(select(func.count()).select_from(
            select(person_grid.c.person_id).group_by(person_grid.c.person_id)
            .having(func.count() > 1).subquery()))
    assert grids_without == 0
    assert multi > 0


def test_zhengzhou_scale_has_at_least_85000_persons():
    shapes = build_tree(SCALES["zhengzhou"], np.random.default_rng(1))
    grids = _grid_rows(shapes, np.random.default_rng(1))
    departments, _ = _catalogue_rows()
    persons, _, _ = _people(grids, departments, np.random.default_rng(1))
    assert len(persons) >= 85_000


def test_categories_are_two_levels_and_minors_have_a_department_and_limit(city_sessions):
    with city_sessions() as session:
        minors = session.scalars(select(Category).where(Category.parent_id.is_not(None))).all()
        majors = session.scalars(select(Category).where(Category.parent_id.is_(None))).all()
        departments = session.scalar(select(func.count()).select_from(Department))
    assert majors and minors and departments == 30
    assert all(m.department_id and m.time_limit_hours > 0 and m.handling_level in (1, 2, 3) for m in minors)


def test_history_walks_the_workflow_without_gaps(city_sessions):
    with city_sessions() as session:
        states = dict(session.execute(select(Case.state, func.count()).group_by(Case.state)).all())
        events = session.execute(select(CaseEvent.case_id, CaseEvent.from_state, CaseEvent.to_state)
                                 .order_by(CaseEvent.case_id, CaseEvent.id)).all()
        final = dict(session.execute(select(Case.id, Case.state)).all())
        reports = session.scalar(select(func.count()).select_from(Report))
    assert set(states) <= set(CASE_STATES)
    assert states["closed"] > states.get("cancelled", 0) > 0
    assert reports == sum(states.values())
    last: dict[int, str | None] = {}
    for case_id, before, after in events:
        assert before == last.get(case_id), f"case {case_id} jumps from {last.get(case_id)} to {before}"
        last[case_id] = after
    assert last == final


def test_same_seed_gives_the_same_city(tmp_path):
    def names(seed: int, path: str):
        engine = make_engine(f"sqlite:///{tmp_path / path}")
        upgrade(engine)
        seed_city(engine, "small", seed, NOW, demo_users=False)
        with session_factory(engine)() as session:
            return session.execute(select(Grid.code, Grid.name, Grid.geometry).order_by(Grid.code)).all()

    assert names(7, "a.sqlite") == names(7, "b.sqlite")
    assert names(7, "a2.sqlite") != names(8, "c.sqlite")


def test_seeding_a_seeded_database_is_refused_and_changes_nothing(city_url):
    engine = make_engine(city_url)
    with session_factory(engine)() as session:
        before = session.scalar(select(func.count()).select_from(Person))
    with pytest.raises(SeedError, match="--replace"):
        seed_city(engine, "small", 99, NOW, demo_users=True)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == before


def test_replace_wipes_and_reseeds(city_url):
    engine = make_engine(city_url)
    seed_city(engine, "small", 2, NOW, demo_users=False, replace=True)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
        assert session.scalar(select(func.count()).select_from(Grid)) == 1 + 6 + 36 + 216


def test_demo_accounts_exist_only_in_demo_mode(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'prod.sqlite'}")
    upgrade(engine)
    seed_city(engine, "small", 1, NOW, demo_users=False)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_on_postgresql(postgres_url):
    engine = make_engine(postgres_url)
    upgrade(engine)
    summary = seed_city(engine, "small", 1, NOW, demo_users=True)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == summary.cases
        # Sequences moved past the explicit ids: a new row gets a fresh id.
        session.add(Department(code="NEW", name="新部门", name_en="New department"))
        session.commit()
    engine.dispose()
