"""Write a demo city: grid tree, departments, categories, people, teams, users and past cases.

Deterministic for a given seed. Everything goes in with bulk inserts in one
transaction: a failure leaves the database as it was.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from sqlalchemy import Connection, Engine, func, select, text

from backend.accounts.users import hash_password
from backend.platform.bulk import insert_columns, insert_rows
from backend.demo.citygen import catalogue, history, many, names
from backend.demo.citygen.geometry import SCALES, GridShape, build_tree
from backend.models import (Base, Case, CaseEvent, Category, Department, Grid, Person, Report, User, WorkTeam,
                            person_grid, work_team_member)

CITY_CODE = "410100"  # Zhengzhou's administrative division code
# Past cases per scale, over HISTORY_DAYS: about what the seed platforms
# record (Zhoushan: 200,000 incidents a year across a city of 1 million).
HISTORY = {"small": 3_000, "city": 20_000, "zhengzhou": 60_000}
HISTORY_DAYS = 90
# Persons serving each grid, by level, with their positions; every second unit
# grid also shares a "sinking" department officer with its neighbour, as in
# Zhengzhou (270,342 sinking staff serving several grids each).
POSITIONS = {
    0: ["指挥长", "值班长", "值班员", "调度员", "调度员", "预警员"],
    1: ["街道书记", "街道主任", "综治专干", "城管队长", "派出所长"],
    2: ["社区书记", "社区主任", "专职网格员"],
    3: ["网格长", "网格员", "网格警员", "楼栋长"],
}
DEMO_PASSWORD = "demo-pass-2026"
# One account per role at the city (the wall display's among them), two street dispatchers, a grid worker:
# (username, role, scope). The command line prints this list when it serves the demo.
DEMO_ACCOUNTS = (("admin", "admin", "whole city"), ("leader", "leader", "whole city"),
                 ("duty", "duty_officer", "whole city"), ("dispatcher", "dispatcher", "whole city"),
                 ("warning", "warning_officer", "whole city"), ("wall", "wall", "whole city"),
                 ("street1", "dispatcher", "street 1"), ("street2", "dispatcher", "street 2"),
                 ("gridworker", "grid_worker", "a unit grid of street 1"))


class SeedError(RuntimeError):
    """The city cannot be seeded (unknown scale, or the database already holds one)."""


@dataclass(frozen=True)
class SeedSummary:
    scale: str
    grids: dict[int, int]
    persons: int
    cases: int
    seconds: float


def _grid_rows(shapes: list[GridShape], rng: np.random.Generator) -> list[dict]:
    polygons = np.array([s.polygon for s in shapes])
    geojson = shapely.to_geojson(polygons)
    centroids = shapely.centroid(polygons)
    bounds = shapely.bounds(polygons)
    codes: dict[int, str] = {}
    labels: dict[int, tuple[str, str]] = {0: names.city_name()}
    siblings: dict[int | None, list[GridShape]] = {}
    for shape in shapes:
        siblings.setdefault(shape.parent, []).append(shape)
    for parent, group in siblings.items():
        if parent is None:
            continue
        group_names = names.grid_names(group[0].level, len(group), shapes[parent].rural, labels[parent][0], rng)
        labels.update({s.key: n for s, n in zip(group, group_names)})
    rows = []
    for shape in shapes:
        codes[shape.key] = CITY_CODE if shape.parent is None else f"{codes[shape.parent]}-{shape.ordinal:03d}"
        households = int(shape.population / 2.8)
        rows.append({
            "id": shape.key + 1, "code": codes[shape.key], "level": shape.level, "name": labels[shape.key][0],
            "name_en": labels[shape.key][1], "parent_id": None if shape.parent is None else shape.parent + 1,
            "geometry": geojson[shape.key], "centroid_lon": shapely.get_x(centroids[shape.key]),
            "centroid_lat": shapely.get_y(centroids[shape.key]), "min_lon": bounds[shape.key][0],
            "min_lat": bounds[shape.key][1], "max_lon": bounds[shape.key][2], "max_lat": bounds[shape.key][3],
            "rural": shape.rural, "population": shape.population, "households": households,
            "places": int(households / 40) + 1, "organisations": int(households / 120) + 1,
        })
    return rows


def _catalogue_rows() -> tuple[list[dict], list[dict]]:
    departments = [{"id": i, "code": d.code, "name": d.name_zh, "name_en": d.name_en}
                   for i, d in enumerate(catalogue.DEPARTMENTS, start=1)]
    department_ids = {d["code"]: d["id"] for d in departments}
    category_ids = {c.code: i for i, c in enumerate(catalogue.CATEGORIES, start=1)}
    categories = [{"id": category_ids[c.code], "code": c.code, "name": c.name_zh, "name_en": c.name_en,
                   "parent_id": category_ids.get(c.parent), "handling_level": c.handling_level,
                   "department_id": department_ids.get(c.department), "time_limit_hours": c.time_limit_hours,
                   "urgency": c.urgency} for c in catalogue.CATEGORIES]
    return departments, categories


def _people(grids: list[dict], departments: list[dict], rng: np.random.Generator):
    """Persons, their grid memberships, and each grid's first person (its default assignee)."""
    persons, memberships, first_person = [], [], {}
    units_by_parent: dict[int, list[int]] = {}
    for grid in grids:
        for position in POSITIONS[grid["level"]]:
            name, name_en = names.person_name(rng)
            person_id = len(persons) + 1
            persons.append({"id": person_id, "name": name, "name_en": name_en, "phone": names.phone(rng),
                            "position": position, "department_id": None})
            memberships.append({"person_id": person_id, "grid_id": grid["id"]})
            first_person.setdefault(grid["id"], person_id)
        if grid["level"] == 3:
            units_by_parent.setdefault(grid["parent_id"], []).append(grid["id"])
    for units in units_by_parent.values():
        for pair in (units[i:i + 2] for i in range(0, len(units), 2)):
            name, name_en = names.person_name(rng)
            department = departments[int(rng.integers(len(departments)))]
            person_id = len(persons) + 1
            persons.append({"id": person_id, "name": name, "name_en": name_en, "phone": names.phone(rng),
                            "position": "下沉干部", "department_id": department["id"]})
            memberships.extend({"person_id": person_id, "grid_id": unit} for unit in pair)
    return persons, memberships, first_person


def _teams(grids: list[dict], first_person: dict[int, int]) -> tuple[list[dict], list[dict]]:
    """Two task forces per district, each with the district's and its communities' first persons."""
    teams, members = [], []
    communities: dict[int, list[int]] = {}
    for grid in grids:
        if grid["level"] == 2:
            communities.setdefault(grid["parent_id"], []).append(grid["id"])
    for grid in (g for g in grids if g["level"] == 1):
        for name, name_en in (("环境整治专班", "Environment Task Force"), ("矛盾调解专班", "Mediation Task Force")):
            team_id = len(teams) + 1
            teams.append({"id": team_id, "name": grid["name"] + name, "name_en": f"{grid['name_en']} {name_en}",
                          "grid_id": grid["id"], "department_id": None})
            for person in {first_person[grid["id"]], *(first_person[c] for c in communities.get(grid["id"], [])[:4])}:
                members.append({"team_id": team_id, "person_id": person})
    return teams, members


def _demo_users(grids: list[dict], first_person: dict[int, int]) -> list[dict]:
    """The accounts of DEMO_ACCOUNTS, each bound to its scope's grid; the grid worker is also the person its
    unit grid's cases go to first, so the handlers' desk has tasks."""
    root = grids[0]
    district_1, district_2 = [g for g in grids if g["level"] == 1][:2]
    unit = next(g for g in grids if g["level"] == 3 and g["code"].startswith(district_1["code"] + "-"))
    scopes = {"whole city": root, "street 1": district_1, "street 2": district_2, "a unit grid of street 1": unit}
    accounts = [(username, role, scopes[scope]) for username, role, scope in DEMO_ACCOUNTS]
    password_hash = hash_password(DEMO_PASSWORD)
    return [{"username": username, "password_hash": password_hash, "display_name": username, "role": role,
             "grid_id": grid["id"], "language": "zh_Hans", "active": True,
             "person_id": first_person[grid["id"]] if role == "grid_worker" else None}
            for username, role, grid in accounts]


def _history(rng, count: int, shapes, grids, categories, first_person, now) -> tuple[list, list, list]:
    units = []
    for shape, grid in zip(shapes, grids):
        if shape.level != 3:
            continue
        chain = []
        key = shape.key
        while key is not None:
            chain.append(key + 1)
            key = shapes[key].parent
        chain = tuple(reversed(chain))
        units.append((shape, history.UnitInfo(chain=chain, assignees=tuple(first_person[g] for g in chain),
                                              weight=shape.population)))
    minors = [history.CategoryInfo(id=c["id"], name=c["name"], limit_hours=c["time_limit_hours"],
                                   handling_level=c["handling_level"], department_id=c["department_id"],
                                   urgency=c["urgency"], weight=1.0) for c in categories if c["parent_id"]]
    polygons = [shape.polygon for shape, _ in units]

    def locate_point(index: int) -> tuple[float, float]:
        point = polygons[index].point_on_surface()
        return round(point.x, 6), round(point.y, 6)

    return history.generate(rng, count, HISTORY_DAYS, now, minors, [u for _, u in units], locate_point)


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL: move each id sequence past the ids written explicitly."""
    if connection.dialect.name != "postgresql":
        return
    for table in ("grid", "department", "category", "person", "work_team", "case_file", "case_event", "report",
                  "user_account"):
        connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"GREATEST((SELECT MAX(id) FROM {table}), 1))"))


def _has_city(connection: Connection) -> bool:
    return connection.scalar(select(func.count()).select_from(Grid)) > 0


def is_seeded(engine: Engine) -> bool:
    with engine.connect() as connection:
        return _has_city(connection)


def _wipe(connection: Connection) -> None:
    for table in reversed(Base.metadata.sorted_tables):
        connection.execute(table.delete())


def _places(shapes, grids, first_person) -> list[many.Place]:
    """Every unit grid with its chain of ancestors, a point inside it and an address prefix."""
    places = []
    for shape, grid in zip(shapes, grids):
        if shape.level != 3:
            continue
        chain, key = [], shape.key
        while key is not None:
            chain.append(key + 1)
            key = shapes[key].parent
        chain = tuple(reversed(chain))
        point = shape.polygon.point_on_surface()
        places.append(many.Place(
            unit=history.UnitInfo(chain=chain, assignees=tuple(first_person[g] for g in chain),
                                  weight=shape.population),
            lon=round(point.x, 6), lat=round(point.y, 6), address=grids[chain[2] - 1]["name"] + grid["name"]))
    return places


def _write_many(connection: Connection, rng, count: int, now: datetime, shapes, grids, categories, first_person,
                progress) -> int:
    """`count` past cases streamed in chunks (backend.demo.citygen.many); answers how many were written."""
    minors = [history.CategoryInfo(id=c["id"], name=c["name"], limit_hours=c["time_limit_hours"],
                                   handling_level=c["handling_level"], department_id=c["department_id"],
                                   urgency=c["urgency"], weight=1.0) for c in categories if c["parent_id"]]
    written = 0
    for cases, events, reports in many.generate(rng, count, now, minors, _places(shapes, grids, first_person)):
        insert_columns(connection, Case.__table__, cases)
        insert_columns(connection, CaseEvent.__table__, events)
        insert_columns(connection, Report.__table__, reports)
        written += len(cases["id"])
        progress(f"wrote {written} of {count} past cases")
    return written


MAX_CASES = 5_000_000  # `seed --cases`: ten times the million, still minutes to write


def seed_city(engine: Engine, scale: str, seed: int, now: datetime, *, demo_users: bool,
              replace: bool = False, progress: Callable[[str], None] = lambda _: None,
              cases: int | None = None) -> SeedSummary:
    """`cases`: that many past cases, streamed (any count up to MAX_CASES), instead of the scale's HISTORY."""
    if cases is not None and not 0 <= cases <= MAX_CASES:
        raise SeedError(f"--cases must be a whole number from 0 to {MAX_CASES}, not {cases}")
    if scale not in SCALES:
        raise SeedError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    shapes = build_tree(SCALES[scale], rng)
    grids = _grid_rows(shapes, rng)
    departments, categories = _catalogue_rows()
    persons, memberships, first_person = _people(grids, departments, rng)
    teams, team_members = _teams(grids, first_person)
    streamed, cases_wanted = cases is not None, cases
    cases, events, reports = ([], [], []) if streamed else _history(rng, HISTORY[scale], shapes, grids,
                                                                    categories, first_person, now)
    written = len(cases)
    progress(f"generated the {scale} city; writing it in one transaction")
    with engine.begin() as connection:
        if _has_city(connection):
            if not replace:
                raise SeedError("the database already holds a city; pass --replace to wipe it and seed anew")
            _wipe(connection)
        for model, rows in ((Grid, grids), (Department, departments), (Category, categories), (Person, persons),
                            (person_grid, memberships), (WorkTeam, teams), (work_team_member, team_members),
                            (Case, cases), (CaseEvent, events), (Report, reports)):
            table = getattr(model, "__table__", model)
            insert_rows(connection, table, rows)
            progress(f"wrote {len(rows)} {table.name} rows")
        if streamed:
            written = _write_many(connection, rng, cases_wanted, now, shapes, grids, categories, first_person,
                                  progress)
        if demo_users:
            insert_rows(connection, User.__table__, _demo_users(grids, first_person))
        _reset_sequences(connection)
    if streamed:  # fresh statistics, or the planner guesses at a million rows it has never seen
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    counts = {level: sum(1 for g in grids if g["level"] == level) for level in range(4)}
    return SeedSummary(scale=scale, grids=counts, persons=len(persons), cases=written,
                       seconds=time.perf_counter() - started)
