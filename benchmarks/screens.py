"""The dispatcher's queue and case panel at the zhengzhou scale with a million past cases (issue 12 §5).

PART DONE: the queue (backend.cases.queries.queue) under each filter and a search, and the case panel
(queries.detail), p95 of 20 each, on a database seeded by `seed --scale zhengzhou --cases N`.
NOT YET: render times of /wall and /dispatch, the city map payload, click-to-wall in Chromium.
Usage: python benchmarks/screens.py URL [URL ...]   (each a seeded database; --quick: 10 repetitions)
Prints last: RESULT queue_p95_ms=T panel_p95_ms=T (the worst database's)
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from backend.cases import queries  # noqa: E402
from backend.cases.schemas import CaseQuery  # noqa: E402
from backend.cases.workflow import Actor  # noqa: E402
from backend.geo.scope import Scope  # noqa: E402
from backend.models import Case, Grid  # noqa: E402
from backend.platform.db import make_engine, session_factory  # noqa: E402


def p95(timings: list[float]) -> float:
    return float(np.percentile(timings, 95))


def measure(url: str, repeat: int) -> dict[str, float]:
    sessions = session_factory(make_engine(url))
    with sessions() as session:
        city = session.scalar(select(Grid).where(Grid.level == 0))
        street = session.scalar(select(Grid).where(Grid.level == 1).order_by(Grid.id))
        newest = session.scalar(select(Case.created_at).order_by(Case.created_at.desc()).limit(1))
        some = session.scalars(select(Case.id).order_by(Case.id.desc()).limit(repeat)).all()
        sample = session.scalar(select(Case).where(Case.id == some[0]))
    scope = Scope.of_grid(city)
    week = newest - timedelta(days=7)
    cases = {"all": {}, "state_to_dispatch": {"state": ["registered"]}, "state_closed": {"state": ["closed"]},
             "category": {"category_code": None}, "urgency": {"urgency": "high"}, "card": {"card": "red"},
             "street": {"grid_id": street.id}, "date_range": {"created_from": week, "created_to": newest},
             "search_number": {"q": sample.number}, "search_words": {"q": "影响通行"},
             "search_address": {"q": (sample.address or "")[:6]}}
    figures = {}
    with sessions() as session:
        from backend.models import Category
        cases["category"]["category_code"] = session.scalar(select(Category.code).where(
            Category.parent_id.is_not(None)).order_by(Category.id))
        for name, filters in cases.items():
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                queries.queue(session, scope, CaseQuery(limit=100, **filters))
                timings.append((time.perf_counter() - started) * 1000)
            figures[f"queue_{name}_p95_ms"] = p95(timings)
        actor = Actor(name="bench", role="dispatcher", scope=scope)
        timings = []
        for case_id in some:
            started = time.perf_counter()
            queries.detail(session, actor, case_id)
            timings.append((time.perf_counter() - started) * 1000)
        figures["panel_p95_ms"] = p95(timings)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    worst = {"queue": 0.0, "panel": 0.0}
    for url in args.urls:
        figures = measure(url, 10 if args.quick else 20)
        print(url.split("@")[-1], " ".join(f"{k}={v:.0f}" for k, v in figures.items()), flush=True)
        worst["queue"] = max(worst["queue"], *(v for k, v in figures.items() if k.startswith("queue_")))
        worst["panel"] = max(worst["panel"], figures["panel_p95_ms"])
    print(f"RESULT queue_p95_ms={worst['queue']:.0f} panel_p95_ms={worst['panel']:.0f}")


if __name__ == "__main__":
    main()
