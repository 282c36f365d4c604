"""Two server processes behind one database and one Redis: what happens on one reaches clients of the other."""
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
import socketio

from backend.db import make_engine, session_factory
from backend.events.redis_bus import STREAM
from backend.migrate import upgrade
from backend.seed import seed_city
from backend.tokens import issue_token
from tests.conftest import NOW, free_port, require

ROOT = Path(__file__).resolve().parent.parent
STARTUP_POLLS = 100


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


@pytest.fixture
def redis_url():
    import redis

    url = os.environ.get("REDIS_URL", "")
    require(url.startswith("redis"), "Redis (REDIS_URL)")
    client = redis.Redis.from_url(url)
    client.delete(STREAM, f"{STREAM}:seq")
    yield url
    client.delete(STREAM, f"{STREAM}:seq")


def test_a_report_sent_to_one_process_reaches_a_client_of_the_other(postgres_url, redis_url):
    engine = make_engine(postgres_url)
    upgrade(engine)
    seed_city(engine, "small", 1, NOW, demo_users=True)
    with session_factory(engine)() as session:
        token = issue_token(session, "dispatcher", "two processes", datetime.now(timezone.utc))
        session.commit()
    engine.dispose()
    env = dict(os.environ, DATABASE_URL=postgres_url, REDIS_URL=redis_url, SECRET_KEY="shared-secret", DEMO="1")
    ports = free_port(), free_port()
    processes = [serve(port, env) for port in ports]
    a, b = (f"http://127.0.0.1:{port}" for port in ports)
    client = socketio.SimpleClient()
    try:
        for base, process in zip((a, b), processes):
            wait_until_up(base, process)
        client.connect(b, headers={"Authorization": f"Bearer {token}"}, transports=["polling"], wait_timeout=10)
        assert client.receive(timeout=10)[0] == "hello"
        created = requests.post(f"{a}/api/v1/reports", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                                json={"channel": "web", "description": "two processes", "category_code": "CA-01-01"})
        assert created.status_code == 201, created.text
        event, data = client.receive(timeout=10)
        assert event == "events" and [e["number"] for e in data] == [created.json()["number"]]
    finally:
        client.disconnect()
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
