"""Probable duplicates: a new report of the same category near an open case, recently."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import OPEN_STATES, Case

EARTH_RADIUS_M = 6_371_000


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def probable_duplicate(session: Session, category_id: int, lon: float, lat: float, now: datetime,
                       radius_m: float, window_hours: float, exclude_id: int | None = None) -> Case | None:
    """The nearest open case of this category within the radius, opened within the window."""
    dlat = radius_m / 111_320  # metres per degree of latitude
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    candidates = session.scalars(select(Case).where(
        Case.category_id == category_id, Case.state.in_(OPEN_STATES), Case.merged_into_id.is_(None),
        Case.created_at >= now - timedelta(hours=window_hours), Case.id != (exclude_id or 0),
        Case.lon.between(lon - dlon, lon + dlon), Case.lat.between(lat - dlat, lat + dlat)))
    near = [(distance_m(lon, lat, c.lon, c.lat), c.id, c) for c in candidates]
    near = [item for item in near if item[0] <= radius_m]
    return min(near)[2] if near else None
