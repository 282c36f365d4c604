"""Real processes for tests: command-centre servers (`python -m dashboard serve`), a private redis-server,
and the seeded PostgreSQL city they share.

Waiting is always on a condition with a deadline, never a sleep: `wait_for` polls until it holds.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import pytest
import redis
import requests

from backend.platform.db import make_engine, session_factory
from backend.platform.migrate import upgrade
from backend.demo.seed import seed_city
from backend.accounts.tokens import issue_token
from tests.conftest import NOW, free_port

ROOT = Path(__file__).resolve().parent.parent
STARTUP_POLLS = 100
DEADLINE = 30.0  # seconds any awaited condition may take before the test fails
POLL = 0.02


def wait_for(condition: Callable[[], object], what: str | Callable[[], str], deadline: float = DEADLINE):
    """Poll `condition` until it answers something true (which is returned); after `deadline` seconds, fail
    naming `what` (a callable is asked then, so it can say what is still missing)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        result = condition()
        if result:
            return result
        time.sleep(POLL)  # a polling interval, not a synchronisation: the condition decides
    pytest.fail(f"timed out after {deadline:.0f} s waiting for {what() if callable(what) else what}")


def seeded_city(database_url: str, *usernames: str) -> list[str]:
    """Migrate and seed the small demo city into `database_url`; answers an API token for each user."""
    engine = make_engine(database_url)
    upgrade(engine)
    seed_city(engine, "small", 1, NOW, demo_users=True)
    with session_factory(engine)() as session:
        tokens = [issue_token(session, name, "tests", datetime.now(timezone.utc)) for name in usernames]
        session.commit()
    engine.dispose()
    return tokens


def serve(port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dashboard", "serve", "--port", str(port), "--no-simulator"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def wait_until_up(base: str, process: subprocess.Popen) -> None:
    """Until the server has said where it serves, then until it answers (it binds right after saying so)."""
    for line in process.stdout:
        if line.startswith("Grid command centre:"):
            break
    else:
        pytest.fail("the server exited before serving")
    for _ in range(STARTUP_POLLS):
        try:
            if requests.get(f"{base}/healthz", timeout=5).ok:
                return
        except requests.ConnectionError:
            try:
                process.wait(timeout=0.05)  # ends early only if the server died
                pytest.fail("the server exited")
            except subprocess.TimeoutExpired:
                pass  # still binding its port
    pytest.fail(f"{base} did not answer")


def stop(process: subprocess.Popen) -> None:
    """End a process this test started (politely, then by force)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Server(NamedTuple):
    base: str  # e.g. http://127.0.0.1:8051
    process: subprocess.Popen


class Servers:
    """Command-centre server processes sharing one environment; stopped together at the end."""

    def __init__(self, env: dict):
        self.env = env
        self.processes: list[subprocess.Popen] = []

    def start(self, count: int = 1) -> list[Server]:
        """`count` more servers, started together; answers them once every one answers."""
        ports = [free_port() for _ in range(count)]
        started = [Server(f"http://127.0.0.1:{port}", serve(port, self.env)) for port in ports]
        self.processes += [server.process for server in started]
        for server in started:
            wait_until_up(server.base, server.process)
        return started

    def stop_all(self) -> None:
        for process in self.processes:
            stop(process)


class RedisServer:
    """A private redis-server on a free port that keeps nothing on disk, so a restart starts it empty
    (never the shared Redis, which other people use)."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.answers, f"redis-server on port {self.port}")

    def kill(self) -> None:
        """SIGKILL, as a crash or an out-of-memory kill would: everything it held is gone."""
        self.process.kill()
        self.process.wait()

    def answers(self) -> bool:
        try:
            with redis.Redis.from_url(self.url, socket_connect_timeout=1) as client:
                return bool(client.ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


def server_env(database_url: str, redis_url: str) -> dict:
    """The environment of production-like servers: PostgreSQL, Redis and one secret shared by all."""
    return dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY="shared-secret", DEMO="1")
