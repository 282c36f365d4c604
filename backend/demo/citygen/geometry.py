"""The grid tree as polygons: city -> districts -> communities -> unit grids.

Every level is a Voronoi tessellation of its parent, clipped to the parent, so the
children of any grid tile it exactly. All heavy lifting is vectorised shapely 2.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

CENTRE_LON, CENTRE_LAT = 113.65, 34.75
HALF_WIDTH, HALF_HEIGHT = 0.45, 0.30  # degrees; roughly Zhengzhou's extent
RURAL_SHARE = 0.35  # outermost share of districts that are towns rather than streets
# Rural land gets a quarter of the grids per unit area of urban land, so rural grids are larger.
RURAL_DENSITY = 0.25
DENSITY_FALLOFF = 1.5  # urban weight decays as exp(-1.5 d), d = 0 at centre, 1 at edge
URBAN_POPULATION = (600, 3000)
RURAL_POPULATION = (200, 1200)
# Tolerance (degrees) when looking for the sibling a stray fragment touches; ~0.1 mm.
TOUCH_EPS = 1e-9


@dataclass(frozen=True)
class ScaleSpec:
    """How many grids a generated city has at levels 1, 2 and 3."""

    name: str
    districts: int
    communities: int
    unit_grids: int


SCALES: dict[str, ScaleSpec] = {
    spec.name: spec
    for spec in (
        ScaleSpec("small", 6, 36, 216),
        ScaleSpec("city", 24, 300, 1800),
        ScaleSpec("zhengzhou", 198, 2997, 17350),
    )
}


@dataclass
class GridShape:
    """One grid of the tree; `key` is its index in the list returned by build_tree."""

    key: int
    parent: int | None
    level: int
    ordinal: int
    polygon: shapely.Polygon
    rural: bool
    population: int


@dataclass
class _Level:
    """All grids of one level as parallel arrays; `owner` indexes the previous level."""

    polygons: np.ndarray
    owner: np.ndarray
    rural: np.ndarray


def build_tree(spec: ScaleSpec, rng: np.random.Generator) -> list[GridShape]:
    """Generate the whole grid tree for `spec`, root first, then level by level."""
    territory = _territory(rng)
    root = _Level(np.array([territory]), np.array([-1]), np.array([False]))
    districts = _districts(territory, spec.districts, rng)
    communities = _subdivide(districts, spec.communities, rng)
    units = _subdivide(communities, spec.unit_grids, rng)
    levels = [root, districts, communities, units]
    return _assemble(levels, _populations(levels, rng))


def _territory(rng: np.random.Generator) -> shapely.Polygon:
    """A smooth star-shaped blob around the centre (valid because the radius stays positive)."""
    theta = np.linspace(0.0, 2 * np.pi, 96, endpoint=False)
    harmonics = np.arange(2, 6)[:, None]
    amplitude = rng.uniform(0.02, 0.07, size=(4, 1))  # sum < 0.28, so radius in [0.72, 1.28]
    phase = rng.uniform(0.0, 2 * np.pi, size=(4, 1))
    radius = 1.0 + (amplitude * np.cos(harmonics * theta + phase)).sum(axis=0)
    x = CENTRE_LON + HALF_WIDTH * radius * np.cos(theta)
    y = CENTRE_LAT + HALF_HEIGHT * radius * np.sin(theta)
    return shapely.orient_polygons(shapely.Polygon(np.column_stack([x, y])))


def _districts(territory: shapely.Polygon, count: int, rng: np.random.Generator) -> _Level:
    """Level 1: centre-weighted seeds, ordered centre outwards; the outer share is rural."""
    x, y = _central_seeds(territory, count, rng)
    order = np.argsort(_normalised_distance(x, y), kind="stable")
    owner = np.zeros(count, dtype=np.int64)
    polygons = _tessellate(np.array([territory]), x[order], y[order], owner)
    rural = np.arange(count) >= count - round(RURAL_SHARE * count)
    return _Level(polygons, owner, rural)


def _central_seeds(
    territory: shapely.Polygon, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Seeds inside the territory, denser near the centre (70% Gaussian, 30% uniform)."""
    shapely.prepare(territory)
    min_x, min_y, max_x, max_y = territory.bounds
    xs, ys = [], []
    found = 0
    while found < count:
        batch = 4 * count + 16
        gaussian = rng.random(batch) < 0.7
        x = np.where(
            gaussian,
            rng.normal(CENTRE_LON, HALF_WIDTH / 2.5, batch),
            rng.uniform(min_x, max_x, batch),
        )
        y = np.where(
            gaussian,
            rng.normal(CENTRE_LAT, HALF_HEIGHT / 2.5, batch),
            rng.uniform(min_y, max_y, batch),
        )
        inside = shapely.contains_xy(territory, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        found += int(inside.sum())
    return np.concatenate(xs)[:count], np.concatenate(ys)[:count]


def _normalised_distance(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Elliptical distance from the centre: 0 at the centre, about 1 at the territory edge."""
    return np.hypot((x - CENTRE_LON) / HALF_WIDTH, (y - CENTRE_LAT) / HALF_HEIGHT)


def _subdivide(parents: _Level, total: int, rng: np.random.Generator) -> _Level:
    """Split every parent into Voronoi children, `total` children in all."""
    counts = _apportion(_population_weight(parents), total)
    x, y, owner = _sample_inside(parents.polygons, counts, rng)
    polygons = _tessellate(parents.polygons, x, y, owner)
    return _Level(polygons, owner, parents.rural[owner])


def _population_weight(level: _Level) -> np.ndarray:
    """Expected relative population: area times a density falling off from the centre."""
    centroids = shapely.centroid(level.polygons)
    distance = _normalised_distance(shapely.get_x(centroids), shapely.get_y(centroids))
    density = np.exp(-DENSITY_FALLOFF * distance) * np.where(level.rural, RURAL_DENSITY, 1.0)
    return shapely.area(level.polygons) * density


def _apportion(weights: np.ndarray, total: int) -> np.ndarray:
    """Integer shares of `total` proportional to `weights`, at least 1 each (largest remainder)."""
    if total < len(weights):
        raise ValueError(f"cannot give {len(weights)} parents at least one of {total} children")
    quotas = weights / weights.sum() * (total - len(weights))
    counts = np.floor(quotas).astype(np.int64)
    shortfall = total - len(weights) - int(counts.sum())
    counts[np.argsort(counts - quotas, kind="stable")[:shortfall]] += 1
    return counts + 1


def _sample_inside(
    polygons: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """counts[i] uniform points inside polygons[i], by batched rejection; sorted by owner."""
    shapely.prepare(polygons)
    bounds = shapely.bounds(polygons)
    fill = shapely.area(polygons) / ((bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1]))
    need = counts.copy()
    xs, ys, owners = [], [], []
    while need.any():
        todo = np.flatnonzero(need)
        # 1.5x the expected number of draws (plus 2) usually finishes in one round.
        owner = np.repeat(todo, np.ceil(1.5 * need[todo] / fill[todo]).astype(np.int64) + 2)
        box = bounds[owner]
        x = box[:, 0] + rng.random(len(owner)) * (box[:, 2] - box[:, 0])
        y = box[:, 1] + rng.random(len(owner)) * (box[:, 3] - box[:, 1])
        inside = shapely.contains_xy(polygons[owner], x, y)
        owner, x, y = owner[inside], x[inside], y[inside]
        rank = np.arange(len(owner)) - np.searchsorted(owner, owner)
        keep = rank < need[owner]
        xs.append(x[keep])
        ys.append(y[keep])
        owners.append(owner[keep])
        need -= np.bincount(owner[keep], minlength=len(need))
    owner = np.concatenate(owners)
    order = np.argsort(owner, kind="stable")
    return np.concatenate(xs)[order], np.concatenate(ys)[order], owner[order]


def _tessellate(parents: np.ndarray, x: np.ndarray, y: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """One clipped Voronoi cell per seed (seeds sorted by owner), each a single Polygon."""
    seeds = shapely.multipoints(np.column_stack([x, y]), indices=owner)
    cells = shapely.voronoi_polygons(seeds, extend_to=parents, ordered=True)
    # A single seed has an empty diagram; its only child is the whole parent.
    single = np.bincount(owner, minlength=len(parents)) == 1
    cells = np.where(single, parents, cells)
    parts, part_owner = shapely.get_parts(cells, return_index=True)
    if len(parts) != len(owner):
        raise RuntimeError("coincident Voronoi seeds")
    clipped = shapely.intersection(parts, parents[part_owner])
    return shapely.orient_polygons(_single_polygons(clipped, owner))


def _single_polygons(cells: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Keep each cell's largest polygon part and merge the other parts into touching siblings."""
    parts, cell = shapely.get_parts(cells, return_index=True)
    is_polygon = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    parts, cell = parts[is_polygon], cell[is_polygon]
    order = np.lexsort((-shapely.area(parts), cell))
    parts, cell = parts[order], cell[order]
    largest = np.r_[True, cell[1:] != cell[:-1]]
    if largest.sum() != len(cells):
        raise RuntimeError("a Voronoi cell missed its parent")
    polygons = parts[largest]
    _merge_fragments(polygons, owner, list(parts[~largest]), list(cell[~largest]))
    return polygons


def _merge_fragments(polygons: np.ndarray, owner: np.ndarray, fragments: list, cells: list) -> None:
    """Union each fragment into the sibling sharing the longest border with it (in place).

    A fragment may only touch other fragments at first, so retry until none is left.
    """
    first = np.searchsorted(owner, owner)
    last = np.searchsorted(owner, owner, side="right")
    pending = list(zip(fragments, cells))
    while pending:
        deferred = []
        for fragment, cell in pending:
            siblings = np.arange(first[cell], last[cell])
            near = fragment.buffer(TOUCH_EPS)
            shared = shapely.length(shapely.intersection(shapely.boundary(polygons[siblings]), near))
            best = int(np.argmax(shared))
            if shared[best] <= 10 * TOUCH_EPS:
                deferred.append((fragment, cell))
                continue
            target = siblings[best]
            polygons[target] = _largest_polygon(shapely.union(polygons[target], fragment))
        if len(deferred) == len(pending):
            raise RuntimeError("a cell fragment touches no sibling")
        pending = deferred


def _largest_polygon(geometry: shapely.Geometry) -> shapely.Polygon:
    """The largest Polygon part (drops float-noise slivers an overlay may leave behind)."""
    parts = shapely.get_parts(geometry)
    return parts[np.argmax(shapely.area(parts))]


def _populations(levels: list[_Level], rng: np.random.Generator) -> list[np.ndarray]:
    """Random unit-grid populations, summed up the tree."""
    units = levels[-1]
    urban = rng.integers(URBAN_POPULATION[0], URBAN_POPULATION[1] + 1, len(units.rural))
    rural = rng.integers(RURAL_POPULATION[0], RURAL_POPULATION[1] + 1, len(units.rural))
    populations = [np.where(units.rural, rural, urban)]
    for child, parent in zip(levels[:0:-1], levels[-2::-1]):
        sums = np.bincount(child.owner, weights=populations[0], minlength=len(parent.rural))
        populations.insert(0, sums.astype(np.int64))
    return populations


def _assemble(levels: list[_Level], populations: list[np.ndarray]) -> list[GridShape]:
    """Flatten the levels into GridShapes with global keys and 1-based sibling ordinals."""
    offsets = np.cumsum([0] + [len(level.owner) for level in levels])
    shapes: list[GridShape] = []
    for depth, (level, population) in enumerate(zip(levels, populations)):
        ordinal = np.arange(len(level.owner)) - np.searchsorted(level.owner, level.owner) + 1
        for i, polygon in enumerate(level.polygons):
            parent = None if depth == 0 else int(offsets[depth - 1] + level.owner[i])
            shapes.append(
                GridShape(
                    key=int(offsets[depth] + i),
                    parent=parent,
                    level=depth,
                    ordinal=int(ordinal[i]),
                    polygon=polygon,
                    rural=bool(level.rural[i]),
                    population=int(population[i]),
                )
            )
    return shapes
