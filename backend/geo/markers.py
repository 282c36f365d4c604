"""The open cases of a scope as map markers, packed small enough for a whole city's wall.

At Zhengzhou's scale a city can hold 10,000 open cases and more; as GeoJSON Points they would be about 1.5 MB
a read, and the city map's payload must stay under 300 KB (issue 12 §2) with its district polygons (~110 KB)
in it. So the points travel packed, column by column, each column base64 of little-endian integers:

- `ids`: per case, `(id - previous id) << 2 | kind`, as LEB128 varints (ids ascending, so the gaps are small;
  the first gap is from 0);
- `lat`, `lon`: uint16, the point's place between the edges of `bounds` ([south, west, north, east], the
  points' own) in `STEPS` steps: about a metre across a city, finer in a street.

About 7 characters a case. The browser unpacks them into GeoJSON (assets/wallmarkers.js, `unpackMarkers`;
`unpack` here is the same in Python). Cases without a point have no marker.
"""
from __future__ import annotations

import base64

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from backend.geo.scope import Scope
from backend.indicators.definitions import OPEN
from backend.models import Case

# What a marker's colour says, as the wall's tiles count it (backend/indicators/definitions.py): a red card
# (overdue) or a yellow card before its state; then to register, or under way. Index = the code in `ids`.
KINDS = ("to_register", "under_way", "yellow", "overdue")
# A browser clusters 15,000 points in well under a second, and they pack into about 100 KB. Beyond that the
# most urgent are kept (red cards, yellow cards, then the newest) and the payload says how many there are.
MAX_MARKERS = 15_000
STEPS = 65_535  # uint16


def marker_kind(state: str, card: str) -> int:
    """The index in KINDS of an open case's marker (assets/wallmarkers.js `markerKind` reads an event the same way)."""
    if card == "red":
        return 3
    if card == "yellow":
        return 2
    return 0 if state == "collected" else 1


def _varints(values: list[int]) -> bytes:
    out = bytearray()
    for value in values:
        while value >= 0x80:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        out.append(value)
    return bytes(out)


def _steps(values: np.ndarray, low: float, high: float) -> str:
    span = high - low
    steps = np.zeros(len(values)) if span <= 0 else np.rint((values - low) / span * STEPS)
    return base64.b64encode(steps.astype("<u2").tobytes()).decode("ascii")


def open_markers(session: Session, scope: Scope, limit: int = MAX_MARKERS) -> dict:
    """The open cases inside `scope` that have a point, packed (see the module's docstring): at most `limit`,
    with `total` (all of them) and `capped` (some were left out)."""
    urgency = case((Case.card == "red", 0), (Case.card == "yellow", 1), else_=2)
    located = (scope.clause(Case), OPEN.clause(None), Case.lat.is_not(None), Case.lon.is_not(None))
    rows = session.execute(select(Case.id, Case.lat, Case.lon, Case.state, Case.card).where(*located)
                           .order_by(urgency, Case.id.desc()).limit(limit + 1)).all()
    capped = len(rows) > limit
    total = session.scalar(select(func.count()).where(*located)) if capped else len(rows)
    rows = sorted(rows[:limit])  # by id: the gaps between ids are what is sent
    ids = [row.id for row in rows]
    lats, lons = np.array([row.lat for row in rows], float), np.array([row.lon for row in rows], float)
    bounds = [lats.min(), lons.min(), lats.max(), lons.max()] if rows else [0.0, 0.0, 0.0, 0.0]
    gaps = np.diff(ids, prepend=0).tolist()
    packed = _varints([gap << 2 | marker_kind(row.state, row.card) for gap, row in zip(gaps, rows)])
    return {"count": len(rows), "total": total, "capped": capped, "bounds": [float(b) for b in bounds],
            "ids": base64.b64encode(packed).decode("ascii"), "lat": _steps(lats, bounds[0], bounds[2]),
            "lon": _steps(lons, bounds[1], bounds[3])}


def unpack(payload: dict) -> list[tuple[int, float, float, int]]:
    """(id, lat, lon, kind) of each marker of an `open_markers` payload, by id."""
    packed = base64.b64decode(payload["ids"])
    south, west, north, east = payload["bounds"]
    lats = np.frombuffer(base64.b64decode(payload["lat"]), "<u2") / STEPS * (north - south) + south
    lons = np.frombuffer(base64.b64decode(payload["lon"]), "<u2") / STEPS * (east - west) + west
    markers, case_id, value, shift = [], 0, 0, 0
    for byte in packed:
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            case_id += value >> 2
            markers.append((case_id, float(lats[len(markers)]), float(lons[len(markers)]), value & 3))
            value, shift = 0, 0
    return markers
