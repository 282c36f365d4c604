"""Probable duplicates: a new report of the same category near an open case, recently.

Candidates for a whole batch come from one query; a bucket index (cells as
wide as the radius) then finds each report's neighbours without comparing
every pair.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.models import OPEN_STATES, Case, case_number

EARTH_RADIUS_M = 6_371_000
METRES_PER_DEGREE_LAT = 111_320


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


# Built once: every report asks, and composing a statement costs more than running it.
_CANDIDATES = select(Case.id, Case.category_id, Case.lon, Case.lat, Case.created_at).where(
    Case.category_id.in_(bindparam("categories", expanding=True)), Case.state.in_(OPEN_STATES),
    Case.merged_into_id.is_(None), Case.created_at >= bindparam("since"),
    Case.lon.between(bindparam("west"), bindparam("east")), Case.lat.between(bindparam("south"), bindparam("north")))


class DuplicateFinder:
    """Open cases that new reports at these points might duplicate."""

    def __init__(self, session: Session, points: list[tuple[int, float, float]], now: datetime, radius_m: float,
                 window_hours: float):
        """`points` are (category_id, lon, lat) of the incoming reports."""
        self._radius = radius_m
        self._cell = radius_m / METRES_PER_DEGREE_LAT / 0.5  # cos(lat) >= 0.5 below 60°: one cell covers the radius
        self._buckets: dict[tuple[int, int, int], list[tuple[float, float, int]]] = defaultdict(list)
        self._created: dict[int, datetime] = {}  # case id -> creation time, of every candidate
        if not points or radius_m <= 0:
            return
        margin = self._cell
        lons, lats = [p[1] for p in points], [p[2] for p in points]
        rows = session.connection().execute(_CANDIDATES, {
            "categories": list({p[0] for p in points}), "since": now - timedelta(hours=window_hours),
            "west": min(lons) - margin, "east": max(lons) + margin,
            "south": min(lats) - margin, "north": max(lats) + margin})
        for case_id, category_id, lon, lat, created_at in rows:
            self._buckets[self._key(category_id, lon, lat)].append((lon, lat, case_id))
            self._created[case_id] = created_at

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
