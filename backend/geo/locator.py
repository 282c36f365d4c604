"""Locate a point in its unit grid, and know every grid's ancestors.

An STRtree over the unit-grid polygons answers a point in microseconds;
never loop over grids in Python.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import PLACEMENT_COLUMNS, Grid


@dataclass(frozen=True)
class Placement:
    """A grid and its ancestors, as the `GridPlaced` columns (None below the known level)."""

    city_id: int | None
    district_id: int | None = None
    community_id: int | None = None
    grid_id: int | None = None

    def columns(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in PLACEMENT_COLUMNS}


@dataclass(frozen=True)
class GridName:
    """What a screen or an answer shows of a grid."""

    id: int
    code: str
    level: int
    name: str
    name_en: str


class GridLocator:
    """Every grid of the city, loaded once per process: the grid tree does not change while serving."""

    def __init__(self, unit_ids: list[int], polygons: list, chains: dict[int, tuple[int, ...]], root_id: int,
                 names: dict[int, GridName]):
        self._ids = np.asarray(unit_ids)
        self._tree = shapely.STRtree(polygons)
        self._polygons = polygons
        self._chains = chains  # grid id -> (root, ..., grid)
        self.root_id = root_id
        self.names = names

    @classmethod
    def from_session(cls, session: Session) -> "GridLocator":
        rows = session.execute(select(Grid.id, Grid.parent_id, Grid.level, Grid.code, Grid.name, Grid.name_en,
                                      Grid.geometry)).all()
        parents = {r.id: r.parent_id for r in rows}
        chains: dict[int, tuple[int, ...]] = {}
        for r in sorted(rows, key=lambda r: r.level):
            chains[r.id] = (chains[r.parent_id] if r.parent_id else ()) + (r.id,)
        units = sorted((r for r in rows if r.level == 3), key=lambda r: r.id)  # sorted: random_point bisects
        polygons = [shapely.from_geojson(r.geometry) for r in units]
        root = next(i for i, p in parents.items() if p is None)
        names = {r.id: GridName(r.id, r.code, r.level, r.name, r.name_en) for r in rows}
        return cls([r.id for r in units], polygons, chains, root, names)

    def locate(self, lon: float, lat: float) -> int | None:
        """The unit grid containing the point, or None outside the territory."""
        point = shapely.Point(lon, lat)
        for index in self._tree.query(point, predicate="intersects"):
            return int(self._ids[index])
        return None

    def locate_many(self, lons, lats) -> list[int | None]:
        """`locate` for many points in one STRtree query."""
        found: list[int | None] = [None] * len(lons)
        points, hits = self._tree.query(shapely.points(lons, lats), predicate="intersects")
        for point, hit in zip(points.tolist(), hits.tolist()):
            found[point] = int(self._ids[hit])
        return found

    def placement(self, grid_id: int | None) -> Placement:
        """The grid's chain of ancestors; the city alone when the grid is unknown."""
        if grid_id is None:
            return Placement(city_id=self.root_id)
        return Placement(*self._chains[grid_id])

    def random_point(self, grid_id: int, rng: np.random.Generator) -> tuple[float, float]:
        """A uniformly random point inside a unit grid (for the simulator)."""
        polygon = self._polygons[int(np.searchsorted(self._ids, grid_id))]
        min_x, min_y, max_x, max_y = polygon.bounds
        while True:
            xs = rng.uniform(min_x, max_x, 16)
            ys = rng.uniform(min_y, max_y, 16)
            inside = shapely.contains_xy(polygon, xs, ys)
            if inside.any():
                i = int(np.argmax(inside))
                return float(xs[i]), float(ys[i])
