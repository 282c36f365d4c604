"""Ingest throughput at Zhengzhou's scale, on SQLite and PostgreSQL (issue 3).

- service: reports/s through backend.intake.submit_reports (validate, locate
  among all unit grids, check duplicates, write case + report + history), fed
  in batches of 500 as the offline-sync endpoint receives them, one
  transaction per batch;
- bulk: the same rows written with bare bulk INSERTs (the ceiling), and
  our rate as a share of it;
- http: single reports through POST /api/v1/reports from 8 concurrent
  clients against the production server (gunicorn, PostgreSQL);
- lookup: microseconds to locate one point among all unit grids.

Targets: >= 3,000 reports/s through the service on each database, >= 500/s
over HTTP, <= 20 us per lookup.
Usage: python benchmarks/ingest.py [--quick]   (--quick: the `city` scale, fewer reports)
PostgreSQL is the server at DATABASE_URL, or 127.0.0.1:5432 as user postgres.
Prints last: RESULT reports_per_s_postgres=N reports_per_s_sqlite=N http_reports_per_s=N
             ratio_vs_bulk_postgres=R lookup_us=T
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.auth import create_user  # noqa: E402
from backend.bulk import insert_returning_ids, insert_rows  # noqa: E402
from backend.config import Config  # noqa: E402
from backend.db import make_engine, scratch_postgres, session_factory  # noqa: E402
from backend.intake import submit_reports  # noqa: E402
from backend.locator import GridLocator  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from backend.models import Case, CaseEvent, Category, Report  # noqa: E402
from backend.seed import seed_city  # noqa: E402
from backend.simulator import Simulator  # noqa: E402
from backend.tokens import issue_token  # noqa: E402

POSTGRES = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
BATCH = 500  # what a handheld's offline queue typically holds after a shift without signal
HTTP_CLIENTS = 8
CONFIG = Config()


def city(url: str, scale: str):
    engine = make_engine(url)
    upgrade(engine)
    seed_city(engine, scale, 1, datetime.now(timezone.utc), demo_users=False)
    sessions = session_factory(engine)
    with sessions() as session:
        locator = GridLocator.from_session(session)
    return engine, sessions, locator


def reports_for(sessions, locator, count: int, seed: int):
    simulator = Simulator(sessions, locator, CONFIG, seed=seed)
    return [simulator.make_report() for _ in range(count)]


def service_rate(sessions, locator, reports) -> float:
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    for start in range(0, len(reports), BATCH):
        with sessions() as session:
            results = submit_reports(session, reports[start:start + BATCH], locator, now, CONFIG)
            assert all(r.status == "created" for r in results)
            session.commit()
    return len(reports) / (time.perf_counter() - started)


def bulk_rate(sessions, locator, reports) -> float:
    """The same three rows per report, prepared beforehand, written with the bare bulk writer."""
    now = datetime.now(timezone.utc)
    with sessions() as session:
        categories = {c.code: c for c in session.query(Category)}
    grids = locator.locate_many([r.lon for r in reports], [r.lat for r in reports])
    rows = [({"state": "collected", "channel": r.channel, "description": r.description,
              "category_id": categories[r.category_code].id, "urgency": "normal", "lon": r.lon, "lat": r.lat,
              "created_at": now, "updated_at": now, "handling_level": 3, "version": 1, "card": "none",
              "escalations": 0, **locator.placement(g).columns()}, r, g) for r, g in zip(reports, grids)]
    started = time.perf_counter()
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        with sessions() as session:
            connection = session.connection()
            ids = insert_returning_ids(connection, Case.__table__, [row for row, _, _ in batch])
            insert_rows(connection, Report.__table__, [
                {"channel": r.channel, "received_at": now, "description": r.description, "case_id": i,
                 "lon": r.lon, "lat": r.lat, "grid_id": g} for i, (_, r, g) in zip(ids, batch)])
            insert_rows(connection, CaseEvent.__table__, [
                {"case_id": i, "at": now, "actor_name": "bench", "action": "collect", "to_state": "collected"}
                for i in ids])
            session.commit()
    return len(rows) / (time.perf_counter() - started)


def lookup_us(locator, count: int = 100_000) -> float:
    rng = np.random.default_rng(5)
    lons, lats = rng.uniform(113.25, 114.05, count), rng.uniform(34.45, 35.05, count)
    started = time.perf_counter()
    for lon, lat in zip(lons.tolist(), lats.tolist()):
        locator.locate(lon, lat)
    return (time.perf_counter() - started) / count * 1e6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_rate(url: str, sessions, reports) -> float:
    """Single reports from HTTP_CLIENTS threads against gunicorn (2 processes, as in production)."""
    with sessions() as session:
        create_user(session, username="bench", password="bench-password", role="dispatcher", grid_code="410100")
        session.flush()
        token = issue_token(session, "bench", "benchmark", datetime.now(timezone.utc))
        session.commit()
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, DEMO="0", SECRET_KEY=uuid.uuid4().hex, SIMULATOR="0")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "2",
                               "--threads", str(HTTP_CLIENTS), "--bind", f"127.0.0.1:{port}", "dashboard.wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:  # not listening yet, or still loading the app
                time.sleep(0.1)
        bodies = [r.model_dump(exclude_none=True) for r in reports]
        errors: list[int] = []

        def client(part: list[dict]) -> None:
            http = requests.Session()
            http.headers["Authorization"] = f"Bearer {token}"
            for body in part:
                response = http.post(f"{base}/api/v1/reports", json=body, timeout=30)
                if response.status_code != 201:
                    errors.append(response.status_code)

        threads = [threading.Thread(target=client, args=(bodies[i::HTTP_CLIENTS],)) for i in range(HTTP_CLIENTS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if errors:
            raise RuntimeError(f"{len(errors)} HTTP reports failed, e.g. status {errors[0]}")
        return len(bodies) / elapsed
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="the city scale and fewer reports")
    quick = parser.parse_args().quick
    scale, count, http_count = ("city", 5_000, 1_000) if quick else ("zhengzhou", 20_000, 4_000)
    with tempfile.TemporaryDirectory() as folder:
        engine, sessions, locator = city(f"sqlite:///{folder}/bench.sqlite", scale)
        sqlite_rate = service_rate(sessions, locator, reports_for(sessions, locator, count, 1))
        sqlite_bulk = bulk_rate(sessions, locator, reports_for(sessions, locator, count, 2))
        lookup = lookup_us(locator)
        engine.dispose()
    print(f"sqlite:     {sqlite_rate:,.0f} reports/s through the service, bulk ceiling {sqlite_bulk:,.0f}/s")
    with scratch_postgres(POSTGRES) as url:
        engine, sessions, locator = city(url, scale)
        postgres_rate = service_rate(sessions, locator, reports_for(sessions, locator, count, 1))
        postgres_bulk = bulk_rate(sessions, locator, reports_for(sessions, locator, count, 2))
        http = http_rate(url, sessions, reports_for(sessions, locator, http_count, 3))
        engine.dispose()
    print(f"postgresql: {postgres_rate:,.0f} reports/s through the service, bulk ceiling {postgres_bulk:,.0f}/s")
    print(f"http:       {http:,.0f} single reports/s with {HTTP_CLIENTS} clients; lookup {lookup:.1f} us")
    print(f"RESULT scale={scale} reports_per_s_postgres={postgres_rate:.0f} reports_per_s_sqlite={sqlite_rate:.0f} "
          f"http_reports_per_s={http:.0f} ratio_vs_bulk_postgres={postgres_rate / postgres_bulk:.2f} "
          f"ratio_vs_bulk_sqlite={sqlite_rate / sqlite_bulk:.2f} lookup_us={lookup:.1f}")


if __name__ == "__main__":
    main()
