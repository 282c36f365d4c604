"""Two server processes behind one database and one Redis: what happens on one reaches clients of the other."""
import os

import pytest
import requests
import socketio

from backend.events.redis_bus import RedisStreamBus
from tests.conftest import require
from tests.servers import Servers, seeded_city, server_env
from tests.test_realtime import receive


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    require(url.startswith("redis"), "Redis (REDIS_URL)")
    stream = RedisStreamBus(url, 1000)
    stream.delete()
    yield url
    stream.delete()


def test_a_report_sent_to_one_process_reaches_a_client_of_the_other(postgres_url, redis_url):
    (token,) = seeded_city(postgres_url, "dispatcher")
    servers = Servers(server_env(postgres_url, redis_url))
    client = socketio.SimpleClient()
    try:
        a, b = (server.base for server in servers.start(2))
        client.connect(b, headers={"Authorization": f"Bearer {token}"}, transports=["polling"], wait_timeout=10)
        receive(client, "hello")
        created = requests.post(f"{a}/api/v1/reports", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                                json={"channel": "web", "description": "two processes", "category_code": "CA-01-01"})
        assert created.status_code == 201, created.text
        assert [e["number"] for e in receive(client, "events")] == [created.json()["number"]]
    finally:
        client.disconnect()
        servers.stop_all()
