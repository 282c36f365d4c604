"""Worlds for tests: a seeded demo city, fresh PostgreSQL databases, a live server, Chromium.

Tests that need PostgreSQL, Redis or a browser are skipped when those are
missing, except when REQUIRE_REAL_SERVICES=1 (as .ci/run sets): then a
missing service fails the test instead.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from backend.platform.config import Config
from backend.platform.db import make_engine, scratch_postgres, session_factory
from backend.platform.migrate import upgrade
from backend.demo.seed import seed_city

REQUIRE_REAL_SERVICES = os.environ.get("REQUIRE_REAL_SERVICES") == "1"
# A fixed "now" keeps the generated history, and so every count, reproducible.
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def require(available: bool, what: str) -> None:
    if available:
        return
    if REQUIRE_REAL_SERVICES:
        pytest.fail(f"{what} is required here (REQUIRE_REAL_SERVICES=1) but is not available")
    pytest.skip(f"{what} is not available")


@pytest.fixture(scope="session")
def small_city_file(tmp_path_factory) -> Path:
    """A small city seeded once (seed 1) into an SQLite file; copy it, never write to it."""
    path = tmp_path_factory.mktemp("template") / "city.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed_city(engine, "small", 1, NOW, demo_users=True)
    engine.dispose()
    return path


@pytest.fixture
def city_url(small_city_file, tmp_path) -> str:
    """A private copy of the small city, as a database URL."""
    copy = tmp_path / "city.sqlite"
    shutil.copy(small_city_file, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def city_sessions(city_url):
    engine = make_engine(city_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def postgres_url():
    """A new, empty PostgreSQL database on the server of DATABASE_URL, dropped afterwards."""
    base = os.environ.get("DATABASE_URL", "")
    require(base.startswith("postgres"), "PostgreSQL (DATABASE_URL)")
    with scratch_postgres(base) as url:
        yield url


@pytest.fixture
def pg_city(postgres_url):
    """Sessions on the small city (seed 1) in a fresh PostgreSQL database."""
    engine = make_engine(postgres_url)
    upgrade(engine)
    seed_city(engine, "small", 1, NOW, demo_users=True)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def city_on_each_database(request):
    """Sessions on the small city, once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue("city_sessions" if request.param == "sqlite" else "pg_city")


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own on a free port (it may be killed and restarted; never the shared one)."""
    from tests.servers import RedisServer

    require(shutil.which("redis-server") is not None, "redis-server (Debian package redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live(city_url):
    """The command centre serving the small city on a free port, following the event stream (but with no
    relay, sweeper or simulator: tests drive those themselves); yields (base URL, command centre)."""
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    port = free_port()
    # token_recheck_seconds=0: tests revoke tokens under a running server and expect the next request to see it.
    config = Config(database_url=city_url, demo=True, simulator=False, secret_key="test-secret", port=port,
                    token_recheck_seconds=0)
    centre = create_app(config)
    server = make_server("127.0.0.1", port, centre.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    following = threading.Event()  # stops the follower: what the relay publishes reaches the clients
    threading.Thread(target=centre.follower.run, args=(following,), daemon=True).start()
    centre.background.append(following)
    yield f"http://127.0.0.1:{port}", centre
    following.set()
    server.shutdown()
    centre.engine.dispose()


@pytest.fixture
def live_server(live) -> str:
    return live[0]


@pytest.fixture(scope="session")
def chromium():
    require(os.path.exists(CHROMIUM), "Chromium (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


def watched_page(context):
    """A new page of the context that keeps its console errors and uncaught exceptions in `console_errors`."""
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    return page


@pytest.fixture
def page(chromium):
    """A fresh browser context and page at 1366x768; fails the test on any console error."""
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    yield watched_page(context)
    context.close()
