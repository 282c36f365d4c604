"""A few months of past cases, so charts and indicators have something to show.

Each case walks the workflow with plausible delays: most are settled within
their category's limit, some are returned, reworked or escalated, a few are
cancelled as invalid, and the newest are still open. Events that would lie
after `now` are not written, so the state is whatever the walk had reached.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

CENTRE = "指挥中心"

# Shares of cases taking each branch, from the seed platforms' figures: about
# 5% of reports are invalid, Zhoushan's completion rate is 99%, and rework and
# return each touch a few percent of cases.
CANCEL_SHARE = 0.05
RETURN_SHARE = 0.04
REWORK_SHARE = 0.06
# Disposal takes a log-normal share of the limit; median 45% with sigma 0.6
# settles about 90% of cases on time, in line with reported on-time rates.
DISPOSAL_MEDIAN_SHARE = 0.45
DISPOSAL_SIGMA = 0.6
YELLOW_SHARE = 0.8  # a yellow card at 80% of the limit (DOMAIN.md §9, step lights)
ESCALATION_GRACE = timedelta(hours=2)  # overdue this long: escalated one level up


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    name: str
    limit_hours: float
    handling_level: int
    department_id: int | None
    urgency: str
    weight: float


@dataclass(frozen=True)
class UnitInfo:
    """A unit grid with its ancestors (city, district, community, unit) and a person per level."""

    chain: tuple[int, int, int, int]
    assignees: tuple[int, int, int, int]
    weight: float


def _minutes(rng: np.random.Generator, low: float, high: float) -> timedelta:
    return timedelta(minutes=float(rng.uniform(low, high)))


def _daily_times(rng: np.random.Generator, count: int, start: datetime, days: int) -> list[datetime]:
    """Creation times over `days`, more by day than by night (peak in the early afternoon, China time)."""
    day = rng.integers(0, days, count)
    # Hour of day in UTC+8 drawn from a day-shaped mixture: most reports 8:00-20:00.
    local_hour = np.where(rng.random(count) < 0.85, rng.normal(13.5, 3.2, count), rng.uniform(0, 24, count)) % 24
    offsets = day * 86400 + (local_hour - 8) * 3600 + rng.uniform(0, 60, count)
    return [start + timedelta(seconds=float(s)) for s in np.sort(offsets)]


def generate(rng: np.random.Generator, count: int, days: int, now: datetime, categories: list[CategoryInfo],
             units: list[UnitInfo], locate_point) -> tuple[list[dict], list[dict], list[dict]]:
    """Rows for the case, case_event and report tables (ids assigned from 1)."""
    start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    # days + 1: the history runs up to now, so today's indicators are not empty at first start.
    times = [t for t in _daily_times(rng, count, start, days + 1) if t < now]
    category_weights = np.array([c.weight for c in categories])
    unit_weights = np.array([u.weight for u in units])
    picked_categories = rng.choice(len(categories), len(times), p=category_weights / category_weights.sum())
    picked_units = rng.choice(len(units), len(times), p=unit_weights / unit_weights.sum())
    cases, events, reports = [], [], []
    for case_id, (created, c, u) in enumerate(zip(times, picked_categories, picked_units), start=1):
        category, unit = categories[c], units[u]
        lon, lat = locate_point(u)
        case, case_events = _walk(rng, case_id, created, now, category, unit)
        case.update(lon=lon, lat=lat)
        cases.append(case)
        events.extend(case_events)
        reports.append({"id": case_id, "channel": case["channel"], "received_at": created,
                        "description": case["description"], "category_id": category.id, "lon": lon, "lat": lat,
                        "case_id": case_id, **_placement(unit)})
    for event_id, event in enumerate(events, start=1):
        event["id"] = event_id
    return cases, events, reports


CHANNEL_SHARES = {"handheld": 0.55, "hotline": 0.2, "sms": 0.1, "web": 0.1, "visit": 0.05}


def _placement(unit: UnitInfo) -> dict:
    return dict(zip(("city_id", "district_id", "community_id", "grid_id"), unit.chain))


def _walk(rng, case_id: int, created: datetime, now: datetime, category: CategoryInfo, unit: UnitInfo):
    """One case's history up to `now`: the case row and its events."""
    events: list[tuple[datetime, str, str | None, str, str]] = [(created, "collect", None, "collected", CENTRE)]
    level = category.handling_level or 3
    assignee = unit.assignees[level]
    deadline = escalations = None
    t = created + _minutes(rng, 5, 60)
    if rng.random() < CANCEL_SHARE:
        events.append((t, "cancel", "collected", "cancelled", CENTRE))
    else:
        events.append((t, "register", "collected", "registered", CENTRE))
        t += _minutes(rng, 5, 90)
        deadline = t + timedelta(hours=category.limit_hours)
        events.append((t, "dispatch", "registered", "dispatched", CENTRE))
        if rng.random() < RETURN_SHARE:
            t += _minutes(rng, 20, 120)
            events.append((t, "return", "dispatched", "registered", str(assignee)))
            t += _minutes(rng, 10, 60)
            events.append((t, "dispatch", "registered", "dispatched", CENTRE))
        t += _minutes(rng, 5, 60)
        events.append((t, "accept", "dispatched", "handling", str(assignee)))
        limit = timedelta(hours=category.limit_hours)
        t += limit * float(rng.lognormal(np.log(DISPOSAL_MEDIAN_SHARE), DISPOSAL_SIGMA))
        escalations = 0
        if t > deadline + ESCALATION_GRACE and level > 1:
            level -= 1
            escalations = 1
            assignee = unit.assignees[level]
            events.append((deadline + ESCALATION_GRACE, "escalate", "handling", "handling", "system"))
        events.append((t, "feed_back", "handling", "fed_back", str(assignee)))
        t += _minutes(rng, 30, 240)
        if rng.random() < REWORK_SHARE:
            events.append((t, "rework", "fed_back", "handling", CENTRE))
            t += limit * float(rng.uniform(0.1, 0.4))
            events.append((t, "feed_back", "handling", "fed_back", str(assignee)))
            t += _minutes(rng, 30, 240)
        events.append((t, "close", "fed_back", "closed", CENTRE))
    events = [e for e in events if e[0] <= now]
    state = events[-1][3]
    closed_at = events[-1][0] if state == "closed" else None
    case = {
        "id": case_id, "state": state, "channel": str(rng.choice(list(CHANNEL_SHARES), p=list(CHANNEL_SHARES.values()))),
        "description": f"{category.name}：群众反映，请核实处置。", "category_id": category.id, "urgency": category.urgency,
        "created_at": created, "updated_at": events[-1][0], "deadline": deadline if len(events) > 2 else None,
        "closed_at": closed_at, "handling_level": level,
        "assignee_person_id": assignee if any(e[1] == "dispatch" for e in events) else None,
        "assignee_department_id": category.department_id,
        "card": _card(deadline, category.limit_hours, closed_at or now) if len(events) > 2 else "none",
        "escalations": escalations or 0, "version": len(events),
        "satisfaction": int(rng.choice([5, 5, 5, 4, 4, 3, 2])) if state == "closed" else None,
        **_placement(unit),
    }
    rows = [{"case_id": case_id, "at": at, "actor_name": actor, "action": action, "from_state": before,
             "to_state": after, "note": None} for at, action, before, after, actor in events]
    return case, rows


def _card(deadline: datetime | None, limit_hours: float, until: datetime) -> str:
    if deadline is None:
        return "none"
    if until > deadline:
        return "red"
    return "yellow" if until > deadline - timedelta(hours=limit_hours * (1 - YELLOW_SHARE)) else "none"
