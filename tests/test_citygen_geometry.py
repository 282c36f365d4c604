"""Specification of the generated city: grid tree geometry, names and the case catalogue."""
from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest
import shapely

from backend.demo.citygen import geometry
from backend.demo.citygen.catalogue import CATEGORIES, DEPARTMENTS
from backend.demo.citygen.geometry import SCALES, GridShape, ScaleSpec, build_tree
from backend.demo.citygen.names import city_name, grid_names, person_name, phone

TOLERANCE = 1e-6


def _children(tree: list[GridShape]) -> dict[int, list[GridShape]]:
    kids: dict[int, list[GridShape]] = defaultdict(list)
    for grid in tree:
        if grid.parent is not None:
            kids[grid.parent].append(grid)
    return kids


def _assert_tiles(parent: shapely.Polygon, children: list[shapely.Polygon]) -> None:
    area = parent.area
    assert abs(sum(child.area for child in children) - area) / area < TOLERANCE
    assert shapely.union_all(children).symmetric_difference(parent).area / area < TOLERANCE


@pytest.fixture(scope="module", params=["small", "city"])
def spec(request) -> ScaleSpec:
    return SCALES[request.param]


@pytest.fixture(scope="module")
def tree(spec: ScaleSpec) -> list[GridShape]:
    return build_tree(spec, np.random.default_rng(7))


@pytest.fixture(scope="module")
def zhengzhou() -> list[GridShape]:
    return build_tree(SCALES["zhengzhou"], np.random.default_rng(7))


def test_scales_have_the_agreed_level_totals():
    assert [(s.districts, s.communities, s.unit_grids) for s in SCALES.values()] == [
        (6, 36, 216), (24, 300, 1800), (198, 2997, 17350),
    ]


def test_children_of_every_grid_tile_it_without_overlap(tree):
    for key, kids in _children(tree).items():
        _assert_tiles(tree[key].polygon, [kid.polygon for kid in kids])


def test_every_grid_is_a_single_valid_ccw_polygon(tree):
    for grid in tree:
        assert grid.polygon.geom_type == "Polygon"
        assert grid.polygon.is_valid
        assert grid.polygon.exterior.is_ccw


def test_keys_are_list_positions_and_the_root_is_key_zero(tree):
    assert [grid.key for grid in tree] == list(range(len(tree)))
    assert tree[0].parent is None and tree[0].level == 0


def test_every_parent_chain_reaches_the_root_one_level_at_a_time(tree):
    for grid in tree:
        node = grid
        while node.parent is not None:
            parent = tree[node.parent]
            assert parent.level == node.level - 1
            node = parent
        assert node.key == 0


def test_sibling_ordinals_run_from_one(tree):
    for kids in _children(tree).values():
        assert sorted(kid.ordinal for kid in kids) == list(range(1, len(kids) + 1))


def test_counts_per_level_equal_the_spec(spec, tree):
    counts = Counter(grid.level for grid in tree)
    assert counts == {0: 1, 1: spec.districts, 2: spec.communities, 3: spec.unit_grids}


def test_rural_is_inherited_from_the_district(tree):
    for grid in tree:
        if grid.level >= 2:
            assert grid.rural == tree[grid.parent].rural


def test_the_outer_35_percent_of_districts_are_rural(tree):
    districts = [grid for grid in tree if grid.level == 1]
    assert sum(grid.rural for grid in districts) == round(0.35 * len(districts))
    centre = shapely.Point(113.65, 34.75)
    rural = np.mean([centre.distance(grid.polygon.centroid) for grid in districts if grid.rural])
    urban = np.mean([centre.distance(grid.polygon.centroid) for grid in districts if not grid.rural])
    assert rural > urban


def test_rural_unit_grids_are_on_average_larger_than_urban(tree):
    units = [grid for grid in tree if grid.level == 3]
    rural = np.mean([grid.polygon.area for grid in units if grid.rural])
    urban = np.mean([grid.polygon.area for grid in units if not grid.rural])
    assert rural > urban


def test_unit_grid_population_ranges_and_parents_sum_children(tree):
    for grid in tree:
        if grid.level == 3:
            low, high = (200, 1200) if grid.rural else (600, 3000)
            assert low <= grid.population <= high
    for key, kids in _children(tree).items():
        assert tree[key].population == sum(kid.population for kid in kids)


def test_territory_is_around_zhengzhou(tree):
    min_x, min_y, max_x, max_y = tree[0].polygon.bounds
    assert 0.6 < max_x - min_x < 1.2 and 0.4 < max_y - min_y < 0.8
    assert tree[0].polygon.contains(shapely.Point(113.65, 34.75))
    assert not tree[0].polygon.interiors


def test_same_seed_gives_identical_geometry():
    first = build_tree(SCALES["small"], np.random.default_rng(3))
    again = build_tree(SCALES["small"], np.random.default_rng(3))
    for key in (0, 1, 10, 50, len(first) - 1):
        assert shapely.to_wkb(first[key].polygon) == shapely.to_wkb(again[key].polygon)
    assert [g.population for g in first] == [g.population for g in again]


def test_different_seed_gives_different_geometry():
    first = build_tree(SCALES["small"], np.random.default_rng(3))
    other = build_tree(SCALES["small"], np.random.default_rng(4))
    assert shapely.to_wkb(first[10].polygon) != shapely.to_wkb(other[10].polygon)


def test_zhengzhou_counts_per_level_are_exact(zhengzhou):
    spec = SCALES["zhengzhou"]
    counts = Counter(grid.level for grid in zhengzhou)
    assert counts == {0: 1, 1: spec.districts, 2: spec.communities, 3: spec.unit_grids}


def test_cell_split_across_a_concave_parent_is_merged_into_a_sibling():
    # The first seed's Voronoi cell spans both arms of the U, so clipping leaves it in two pieces.
    u_shape = shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 3))
    x, y = np.array([2.1, 0.5, 2.5]), np.array([2.5, 0.2, 0.2])
    cells = geometry._tessellate(np.array([u_shape]), x, y, np.zeros(3, dtype=np.int64))
    assert all(cell.geom_type == "Polygon" and cell.is_valid for cell in cells)
    _assert_tiles(u_shape, list(cells))


def test_sibling_place_names_are_distinct_with_ascii_pinyin():
    rng = np.random.default_rng(0)
    for level, rural in [(1, False), (1, True), (2, False), (2, True), (3, False)]:
        names = grid_names(level, 60, rural, "金水街道", rng)
        assert len(names) == 60
        assert len({zh for zh, _ in names}) == 60 and len({py for _, py in names}) == 60
        assert all(py and py.isascii() for _, py in names)


def test_place_names_carry_the_level_suffix():
    rng = np.random.default_rng(0)
    assert grid_names(1, 1, False, "", rng)[0][0].endswith("街道")
    assert grid_names(1, 1, True, "", rng)[0][1].endswith(" Town")
    assert grid_names(2, 1, False, "", rng)[0][1].endswith(" Community")
    assert grid_names(2, 1, True, "", rng)[0][0].endswith("村")
    assert grid_names(3, 2, False, "", rng) == [("第01网格", "Grid 01"), ("第02网格", "Grid 02")]


def test_child_names_never_repeat_the_parent_stem():
    names = grid_names(2, 2000, False, "金水街道", np.random.default_rng(1))
    assert "金水社区" not in {zh for zh, _ in names}


def test_person_names_are_two_or_three_characters_with_capitalised_pinyin():
    rng = np.random.default_rng(0)
    for _ in range(200):
        zh, py = person_name(rng)
        assert 2 <= len(zh) <= 3
        surname, given = py.split(" ")
        assert py.isascii() and surname.istitle() and given.istitle()


def test_names_are_deterministic_for_a_seed():
    def sample(seed: int) -> list:
        rng = np.random.default_rng(seed)
        return [person_name(rng), grid_names(2, 5, True, "", rng), phone(rng)]

    assert sample(5) == sample(5)
    assert city_name() == ("郑州市演示城", "Zhengzhou Demo City")


def test_phone_numbers_are_eleven_digit_mainland_mobiles():
    rng = np.random.default_rng(0)
    for _ in range(200):
        number = phone(rng)
        assert len(number) == 11 and number.isdigit()
        assert int(number[:3]) // 10 in (13, 15, 18)


def test_there_are_thirty_departments_with_unique_codes():
    assert len(DEPARTMENTS) == 30
    assert len({d.code for d in DEPARTMENTS}) == 30


def test_category_codes_are_unique_and_minors_hang_off_majors():
    codes = [c.code for c in CATEGORIES]
    assert len(codes) == len(set(codes))
    majors = {c.code for c in CATEGORIES if c.parent is None}
    minors = [c for c in CATEGORIES if c.parent is not None]
    assert 8 <= len(majors) <= 12 and 40 <= len(minors) <= 50
    assert all(c.parent in majors and c.code.startswith(c.parent + "-") for c in minors)


def test_every_minor_has_an_existing_department_and_every_department_is_used():
    departments = {d.code for d in DEPARTMENTS}
    used = {c.department for c in CATEGORIES if c.parent is not None}
    assert used <= departments
    assert used == departments


def test_minor_rules_are_complete_and_time_limits_positive():
    for c in CATEGORIES:
        assert c.urgency in {"low", "normal", "high", "critical"}
        if c.parent is not None:
            assert c.handling_level in (1, 2, 3)
            assert c.time_limit_hours is not None and c.time_limit_hours > 0


def test_urgent_categories_have_short_limits():
    by_name = {c.name_en: c for c in CATEGORIES}
    for name in ("Gas leak", "Fire hazard"):
        assert by_name[name].time_limit_hours <= 2
        assert by_name[name].urgency in {"high", "critical"}
