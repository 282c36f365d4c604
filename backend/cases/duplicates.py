"""Probable duplicates: a new report of the same category near an open case, recently.

Only cases in the submitter's scope are candidates: the answer names the
duplicate, and must not name a case the submitter may not see.

Reports are sorted into cells as wide as the radius; the candidates for a
batch are the open cases of the same category in the 3x3 cells around each
report's, read through the index on category, time and place (a few queries
for a large batch), and each report's nearest is then found among those of
its own cells without comparing every pair.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from backend.geo.scope import Scope
from backend.models import OPEN_STATES, PLACEMENT_COLUMNS, Case, case_number

EARTH_RADIUS_M = 6_371_000
METRES_PER_DEGREE_LAT = 111_320


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


# Cells read per query: an OR of more boxes costs PostgreSQL more to plan than to run.
CELLS_PER_QUERY = 50


@lru_cache(maxsize=CELLS_PER_QUERY)
def _candidates(cells: int):
    """Recent cases of a category within a box, for each of `cells` boxes (built once per count: composing a
    statement costs more than running it). Whether a case is still open is asked of the few found, in Python:
    in SQL, SQLite tested it for every recent case of the category, ten times the cost of the whole search."""
    boxes = [and_(Case.category_id == bindparam(f"category{i}"), Case.created_at >= bindparam("since"),
                  Case.lon.between(bindparam(f"west{i}"), bindparam(f"east{i}")),
                  Case.lat.between(bindparam(f"south{i}"), bindparam(f"north{i}"))) for i in range(cells)]
    return select(Case.id, Case.category_id, Case.lon, Case.lat, Case.created_at, Case.state,
                  Case.merged_into_id, *(getattr(Case, column) for column in PLACEMENT_COLUMNS)).where(or_(*boxes))


class DuplicateFinder:
    """Open cases that new reports at these points might duplicate."""

    def __init__(self, session: Session, points: list[tuple[int, float, float]], now: datetime, radius_m: float,
                 window_hours: float, scope: Scope | None = None):
        """`points` are (category_id, lon, lat) of the incoming reports; `scope`, the submitter's (None: the
        system's, every case)."""
        self._radius = radius_m
        self._scope = scope
        self._cell = radius_m / METRES_PER_DEGREE_LAT / 0.5  # cos(lat) >= 0.5 below 60°: one cell covers the radius
        self._buckets: dict[tuple[int, int, int], list[tuple[float, float, int]]] = defaultdict(list)
        self._created: dict[int, datetime] = {}  # case id -> creation time, of every candidate
        if not points or radius_m <= 0:
            return
        since = now - timedelta(hours=window_hours)
        cells = sorted({self._key(*point) for point in points})
        for start in range(0, len(cells), CELLS_PER_QUERY):
            self._read(session, cells[start:start + CELLS_PER_QUERY], since)

    def _read(self, session: Session, cells: list[tuple[int, int, int]], since: datetime) -> None:
        """Keep the open cases since `since` in the 3x3 cells around each of `cells` (category, x, y)."""
        params = {"since": since}
        for i, (category_id, x, y) in enumerate(cells):
            params.update({f"category{i}": category_id, f"west{i}": (x - 1) * self._cell,
                           f"east{i}": (x + 2) * self._cell, f"south{i}": (y - 1) * self._cell,
                           f"north{i}": (y + 2) * self._cell})
        for case_id, category_id, lon, lat, created_at, state, merged_into, *placement in session.connection().execute(
                _candidates(len(cells)), params):
            if state in OPEN_STATES and merged_into is None and case_id not in self._created \
                    and self._visible(placement):  # boxes overlap: a case may be read twice
                self._buckets[self._key(category_id, lon, lat)].append((lon, lat, case_id))
                self._created[case_id] = created_at

    def _visible(self, placement: list[int | None]) -> bool:
        return self._scope is None or self._scope.covers(dict(zip(PLACEMENT_COLUMNS, placement)))

    def number(self, case_id: int) -> str:
        """The case number of a candidate (made only for the few that are found: a batch has thousands)."""
        return case_number(self._created[case_id], case_id)

    def _key(self, category_id: int, lon: float, lat: float) -> tuple[int, int, int]:
        return category_id, math.floor(lon / self._cell), math.floor(lat / self._cell)

    def nearest(self, category_id: int, lon: float, lat: float) -> int | None:
        """The id of the nearest candidate within the radius, or None."""
        _, cx, cy = self._key(category_id, lon, lat)
        best = None
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other_lon, other_lat, case_id in self._buckets.get((category_id, cx + dx, cy + dy), ()):
                    d = distance_m(lon, lat, other_lon, other_lat)
                    if d <= self._radius and (best is None or d < best[0]):
                        best = (d, case_id)
        return best[1] if best else None
