"""Ingest throughput at Zhengzhou's scale, on SQLite and PostgreSQL (issue 3).

- service: reports/s through backend.cases.intake.submit_reports (validate, locate
  among all unit grids, check duplicates, write case + report + history), fed
  in batches of 500 as the offline-sync endpoint receives them, one
  transaction per batch;
- bulk: the same rows written with bare bulk INSERTs (the ceiling), and
  our rate as a share of it;
- http: single reports through POST /api/v1/reports from 8 concurrent
  connections (wrk, benchmarks/post_bodies.lua) against the production
  server (gunicorn, PostgreSQL), and the CPU each costs the server and the
  database (a figure that other load on the machine does not change);
- lookup: microseconds to locate one point among all unit grids.

Targets: >= 3,000 reports/s through the service on each database, >= 500/s
over HTTP, <= 20 us per lookup.
Usage: python benchmarks/ingest.py [--quick]   (--quick: the `city` scale, fewer reports)
Needs wrk, the load generator (Debian: apt-get install -y wrk).
PostgreSQL is the server at DATABASE_URL, or 127.0.0.1:5432 as user postgres.
Prints last: RESULT reports_per_s_postgres=N reports_per_s_sqlite=N http_reports_per_s=N
             http_cpu_ms_per_report=T ratio_vs_bulk_postgres=R lookup_us=T
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import requests
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.accounts.users import create_user  # noqa: E402
from backend.platform.bulk import insert_returning_ids, insert_rows  # noqa: E402
from backend.platform.config import Config  # noqa: E402
from backend.platform.db import make_engine, scratch_postgres, session_factory  # noqa: E402
from backend.cases.intake import submit_reports  # noqa: E402
from backend.geo.locator import GridLocator  # noqa: E402
from backend.platform.migrate import upgrade  # noqa: E402
from backend.models import Case, CaseEvent, Category, OutboxEvent, Report  # noqa: E402
from backend.demo.seed import seed_city  # noqa: E402
from backend.demo.simulator import Simulator  # noqa: E402
from backend.accounts.tokens import issue_token  # noqa: E402

POSTGRES = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
BATCH = 500  # what a handheld's offline queue typically holds after a shift without signal
HTTP_CLIENTS = 8
WRK_SCRIPT = ROOT / "benchmarks" / "post_bodies.lua"
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


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the processes have used so far (from /proc)."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(server: subprocess.Popen, sessions) -> list[int]:
    """gunicorn's processes and the PostgreSQL backends serving this database."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    with sessions() as session:
        backends = session.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND pid <> pg_backend_pid()")).all()
    return [server.pid, *map(int, children), *backends]


def wrk(base: str, token: str, bodies: str, seconds: float) -> tuple[int, float]:
    """Requests made and their rate, by wrk with HTTP_CLIENTS connections."""
    output = subprocess.run(["wrk", "--threads", "2", "--connections", str(HTTP_CLIENTS), "--timeout", "10s",
                             "--duration", f"{seconds:.0f}s", "--script", str(WRK_SCRIPT), f"{base}/api/v1/reports",
                             "--", bodies, token], capture_output=True, text=True, check=True).stdout
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", output)
    if failed:
        raise RuntimeError(f"HTTP reports failed: {failed.group(0)}")
    return (int(re.search(r"(\d+) requests in", output).group(1)),
            float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)))


def settle(sessions, timeout: float = 300) -> None:
    """Wait for the server's relay to publish every outbox row, then vacuum and analyse the database."""
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as session:
            if not session.scalar(select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None)).limit(1)):
                break
        if time.monotonic() > deadline:
            raise RuntimeError("the server's relay did not publish the outbox in time")
        time.sleep(0.5)
    with sessions.kw["bind"].connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def http_rate(url: str, sessions, reports, seconds: float) -> tuple[float, float]:
    """Single reports/s through gunicorn (2 processes, as in production), and CPU ms per report.

    The load comes from wrk, written in C, so that the figure is the server's:
    Python clients on the same two cores cost as much CPU per request as the
    server does. The CPU per report (gunicorn's processes, whose relay also
    publishes each report's event, plus PostgreSQL's backends) does not
    depend on what else the machine is doing: 2 cores / 500 per second
    leaves 4 ms. The measure starts from a settled database: the events the
    service phase wrote (with no server running to publish them) published,
    and the vacuum its rows call for done.
    """
    with sessions() as session:
        create_user(session, username="bench", password="bench-password", role="dispatcher", grid_code="410100")
        session.flush()
        token = issue_token(session, "bench", "benchmark", datetime.now(timezone.utc))
        session.commit()
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, DEMO="0", SECRET_KEY=uuid.uuid4().hex, SIMULATOR="0")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "2",
                               "--threads", str(HTTP_CLIENTS), "--no-control-socket", "--bind", f"127.0.0.1:{port}",
                               "dashboard.wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:  # not listening yet, or still loading the app
                time.sleep(0.1)
        settle(sessions)
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as bodies:
            bodies.writelines(r.model_dump_json(exclude_none=True) + "\n" for r in reports)
            bodies.flush()
            wrk(base, token, bodies.name, 3)  # warm-up: every thread has its database connection
            pids = server_pids(server, sessions)
            cpu_before = cpu_seconds(pids)
            count, rate = wrk(base, token, bodies.name, seconds)
            cpu_ms = (cpu_seconds(pids) - cpu_before) / count * 1000
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rate, cpu_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="the city scale and fewer reports")
    quick = parser.parse_args().quick
    if shutil.which("wrk") is None:
        sys.exit("error: the HTTP figure needs wrk, the load generator (Debian: apt-get install -y wrk)")
    scale, count, http_seconds = ("city", 5_000, 5) if quick else ("zhengzhou", 20_000, 20)
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
        http, http_cpu_ms = http_rate(url, sessions, reports_for(sessions, locator, 2_000, 3), http_seconds)
        engine.dispose()
    print(f"postgresql: {postgres_rate:,.0f} reports/s through the service, bulk ceiling {postgres_bulk:,.0f}/s")
    print(f"http:       {http:,.0f} single reports/s with {HTTP_CLIENTS} clients, {http_cpu_ms:.2f} ms of CPU each "
          f"(server and database); lookup {lookup:.1f} us")
    print(f"RESULT scale={scale} reports_per_s_postgres={postgres_rate:.0f} reports_per_s_sqlite={sqlite_rate:.0f} "
          f"http_reports_per_s={http:.0f} http_cpu_ms_per_report={http_cpu_ms:.2f} ratio_vs_bulk_postgres={postgres_rate / postgres_bulk:.2f} "
          f"ratio_vs_bulk_sqlite={sqlite_rate / sqlite_bulk:.2f} lookup_us={lookup:.1f}")


if __name__ == "__main__":
    main()
