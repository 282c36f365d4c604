"""Many past cases (`seed --cases N`, up to millions), generated and written in chunks.

The walk is `history._walk`'s, drawn with numpy for a whole chunk at once: each case has eleven possible
steps (collect, register/cancel/merge, dispatch, return, dispatch again, accept, escalate, feed back, rework,
feed back again, close), a step is present when its branch was drawn and it lies before `now`, and the
case's state is the last present step's. Rows are column lists (`dict[name, list]`), so a new column is one
more entry; nothing holds more than one chunk.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from backend.demo.citygen.history import (CANCEL_SHARE, CENTRE, CHANNEL_SHARES, DISPOSAL_MEDIAN_SHARE, DISPOSAL_SIGMA,
                                          ESCALATION_GRACE, RETURN_SHARE, REWORK_SHARE, YELLOW_SHARE, CategoryInfo,
                                          UnitInfo)

CHUNK = 50_000  # cases per chunk: about 350,000 event rows, ~150 MB of Python rows at most
MERGE_SHARE = 0.02  # reports merged into an earlier open case as its duplicate
# Callers give a phone on the hotline and by SMS; some handheld reports name the resident too.
PHONE_SHARE = {"hotline": 1.0, "sms": 1.0, "web": 0.5, "visit": 0.5, "handheld": 0.1}
PHRASES = ("群众反映", "多次投诉", "巡查发现", "居民来电", "存在安全隐患", "影响通行", "夜间扰民", "长期未处理")
# (action, from_state, to_state) of each step slot, in time order.
STEPS = (("collect", None, "collected"), ("register", "collected", "registered"),
         ("dispatch", "registered", "dispatched"), ("return", "dispatched", "registered"),
         ("dispatch", "registered", "dispatched"), ("accept", "dispatched", "handling"),
         ("escalate", "handling", "handling"), ("feed_back", "handling", "fed_back"),
         ("rework", "fed_back", "handling"), ("feed_back", "handling", "fed_back"), ("close", "fed_back", "closed"))
CLOSE = len(STEPS) - 1


@dataclass(frozen=True)
class Place:
    """A unit grid as the generator needs it: placement, point, the names an address is made of."""

    unit: UnitInfo
    lon: float
    lat: float
    address: str


def history_days(count: int) -> int:
    """Three months for a demo's history, up to a year for a million (about 2,700 cases a day)."""
    return int(min(365, max(90, count // 2_700)))


def _stamps(seconds: np.ndarray, present: np.ndarray | None = None) -> list:
    """UTC seconds as the naive 'YYYY-MM-DD HH:MM:SS.ffffff' both databases read (None where not present)."""
    text = np.datetime_as_string((seconds * 1e6).astype("datetime64[us]"), unit="us").tolist()
    text = [s.replace("T", " ") for s in text]
    if present is None:
        return text
    return [s if p else None for s, p in zip(text, present.tolist())]


def generate(rng: np.random.Generator, count: int, now: datetime, categories: list[CategoryInfo],
             places: list[Place]) -> Iterator[tuple[dict[str, list], dict[str, list], dict[str, list]]]:
    """Chunks of (case, case_event, report) columns; case and report ids from 1, event ids in case order."""
    days = history_days(count)
    end = now.timestamp()
    start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    day = rng.integers(0, days + 1, count)
    hour = np.where(rng.random(count) < 0.85, rng.normal(13.5, 3.2, count), rng.uniform(0, 24, count)) % 24
    created_all = np.sort(start + day * 86400 + (hour - 8) * 3600 + rng.uniform(0, 60, count))
    created_all = created_all[created_all < end]
    weights = np.array([p.unit.weight for p in places], dtype=float)
    limit_h = np.array([c.limit_hours for c in categories])
    level0 = np.array([c.handling_level or 3 for c in categories])
    channels = np.array(list(CHANNEL_SHARES))
    phone_share = np.array([PHONE_SHARE[c] for c in channels])
    chains = np.array([p.unit.chain for p in places])
    assignees = np.array([p.unit.assignees for p in places])
    event_id = 0
    for first in range(0, len(created_all), CHUNK):
        t0 = created_all[first:first + CHUNK]
        n = len(t0)
        ids = np.arange(first + 1, first + n + 1)
        cat = rng.integers(0, len(categories), n)
        unit = rng.choice(len(places), n, p=weights / weights.sum())
        limit = limit_h[cat] * 3600
        minutes = lambda low, high: rng.uniform(low, high, n) * 60  # noqa: E731
        branch = rng.random(n)
        cancelled = branch < CANCEL_SHARE
        merged = (branch >= CANCEL_SHARE) & (branch < CANCEL_SHARE + MERGE_SHARE) & (ids > 50)
        handled = ~(cancelled | merged)
        returned = handled & (rng.random(n) < RETURN_SHARE)
        reworked = handled & (rng.random(n) < REWORK_SHARE)
        t = np.empty((n, len(STEPS)))
        t[:, 0] = t0
        t[:, 1] = t0 + minutes(5, 60)
        t[:, 2] = t[:, 1] + minutes(5, 90)
        deadline = t[:, 2] + limit
        t[:, 3] = t[:, 2] + minutes(20, 120)
        t[:, 4] = t[:, 3] + minutes(10, 60)
        t[:, 5] = np.where(returned, t[:, 4], t[:, 2]) + minutes(5, 60)
        disposal = t[:, 5] + limit * rng.lognormal(np.log(DISPOSAL_MEDIAN_SHARE), DISPOSAL_SIGMA, n)
        grace = deadline + ESCALATION_GRACE.total_seconds()
        escalated = handled & (disposal > grace) & (level0[cat] > 1)
        t[:, 6] = np.maximum(grace, t[:, 5] + 1)
        t[:, 7] = np.maximum(disposal, t[:, 6] + 1)
        t[:, 8] = t[:, 7] + minutes(30, 240)
        t[:, 9] = t[:, 8] + limit * rng.uniform(0.1, 0.4, n)
        t[:, 10] = np.where(reworked, t[:, 9], t[:, 7]) + minutes(30, 240)
        branch_present = np.column_stack([np.ones(n, bool), np.ones(n, bool), handled, returned, returned, handled,
                                          escalated, handled, reworked, reworked, handled])
        present = branch_present & (t <= end)
        last = len(STEPS) - 1 - np.argmax(present[:, ::-1], axis=1)
        to_states = np.array([s[2] for s in STEPS], dtype=object)
        state = to_states[last]
        state[(last == 1) & ~handled] = "cancelled"
        dispatched = last >= 2
        did_escalate = present[:, 6]
        level = level0[cat] - did_escalate
        assignee = assignees[unit, level]
        closed = last == CLOSE
        until = np.where(closed, t[:, CLOSE], end)
        card = np.where(~dispatched, "none", np.where(until > deadline, "red", np.where(
            until > deadline - limit * (1 - YELLOW_SHARE), "yellow", "none")))
        channel = rng.choice(channels, n, p=list(CHANNEL_SHARES.values()))
        channel_index = np.searchsorted(channels, channel, sorter=np.argsort(channels))
        phoned = rng.random(n) < phone_share[np.argsort(channels)][channel_index]
        house = rng.integers(1, 200, n)
        phrase = rng.integers(0, len(PHRASES), n)
        into = np.where(merged, ids - rng.integers(1, 50, n), 0)
        cats = [categories[i] for i in cat.tolist()]
        where = [places[i] for i in unit.tolist()]
        addresses = [f"{p.address}{h}号" for p, h in zip(where, house.tolist())]
        descriptions = [f"{c.name}：{a}附近{PHRASES[k]}，请核实处置。"
                        for c, a, k in zip(cats, addresses, phrase.tolist())]
        created = _stamps(t0)
        placement = {name: chains[unit, level_].tolist()
                     for level_, name in enumerate(("city_id", "district_id", "community_id", "grid_id"))}
        lon = [p.lon for p in where]
        lat = [p.lat for p in where]
        id_list = ids.tolist()
        cases = {
            "id": id_list, "state": state.tolist(), "channel": channel.tolist(), "description": descriptions,
            "category_id": [c.id for c in cats], "urgency": [c.urgency for c in cats], "lon": lon, "lat": lat,
            "address": addresses, "created_at": created,
            "updated_at": _stamps(t[np.arange(n), last]), "deadline": _stamps(deadline, dispatched),
            "closed_at": _stamps(t[:, CLOSE], closed), "handling_level": level.tolist(),
            "assignee_person_id": [a if d else None for a, d in zip(assignee.tolist(), dispatched.tolist())],
            "assignee_department_id": [c.department_id for c in cats], "card": card.tolist(),
            "escalations": did_escalate.astype(int).tolist(),
            "satisfaction": [int(s) if c else None for s, c in zip(rng.choice([5, 5, 5, 4, 4, 3, 2], n).tolist(),
                                                                     closed.tolist())],
            "supervised": [False] * n,
            "duplicate_of_id": [i if m else None for i, m in zip(into.tolist(), merged.tolist())],
            "merged_into_id": [i if m else None for i, m in zip(into.tolist(), merged.tolist())],
            "version": present.sum(axis=1).tolist(), **placement,
        }
        phones = rng.integers(13_000_000_000, 19_000_000_000, n).tolist()
        reports = {
            "id": id_list, "channel": cases["channel"], "received_at": created,
            "reporter_phone": [str(p) if ph else None for p, ph in zip(phones, phoned.tolist())],
            "description": descriptions, "category_id": cases["category_id"], "lon": lon, "lat": lat,
            "address": addresses, "case_id": id_list, **placement,
        }
        row, slot = np.nonzero(present)  # row-major: by case, then step, so ids follow each case's history
        actions = np.array([s[0] for s in STEPS], dtype=object)[slot]
        actions[(slot == 1) & cancelled[row]] = "cancel"
        actions[(slot == 1) & merged[row]] = "merge"
        event_to = to_states[slot]
        event_to[(slot == 1) & ~handled[row]] = "cancelled"
        by_person = np.isin(slot, (3, 5, 7, 9))
        actor = np.where(by_person, assignee[row].astype(str), np.where(slot == 6, "system", CENTRE))
        events = {
            "id": list(range(event_id + 1, event_id + len(row) + 1)), "case_id": ids[row].tolist(),
            "at": _stamps(t[row, slot]), "actor_name": actor.tolist(), "action": actions.tolist(),
            "from_state": [STEPS[s][1] for s in slot.tolist()], "to_state": event_to.tolist(),
        }
        event_id += len(row)
        yield cases, events, reports
