"""Failed sign-ins are throttled per account and per address (429 with Retry-After, the right password refused
too while it lasts), with delays that grow into a lockout; successes cost nothing; counts are shared through
Redis, and a Redis outage never makes sign-in fail."""
from __future__ import annotations

import limits.storage.memory
import pytest
from sqlalchemy import select

import dashboard.auth
from backend.demo.seed import DEMO_PASSWORD
from backend.models import AuditEntry
from backend.platform.config import Config
from backend.platform.i18n import Translator
from tests.signin import sign_in_client

ZH = Translator("zh_Hans")
PER_MINUTE = 5  # failures per account a minute (dashboard.auth.ACCOUNT_LIMITS)
MARGIN = 10  # seconds the limiter's clock is moved past a wait


def make_centre(city_url, redis_url=None):
    from dashboard.app import create_app

    return create_app(Config(database_url=city_url, demo=True, simulator=False, secret_key="test-secret",
                             redis_url=redis_url))


@pytest.fixture
def centre(city_url):
    centre = make_centre(city_url)
    yield centre
    centre.engine.dispose()


def attempt(centre, username: str, password: str = "wrong-password", address: str = "10.0.0.1"):
    client = centre.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return sign_in_client(client, username, password)


def fail(centre, times: int, username: str = "duty", address: str = "10.0.0.1") -> None:
    for _ in range(times):
        assert attempt(centre, username, address=address).status_code == 401


def test_after_a_few_failures_even_the_right_password_waits(centre):
    fail(centre, PER_MINUTE)
    refused = attempt(centre, "duty", DEMO_PASSWORD)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert ZH.ngettext("Too many failed sign-ins. Try again in {count} minute.",
                       "Too many failed sign-ins. Try again in {count} minutes.", 1).format(count=1) \
        in refused.get_data(as_text=True)
    assert attempt(centre, "dispatcher", DEMO_PASSWORD).status_code == 302  # other accounts are not held up
    with centre.sessions() as session:
        throttled = session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in_throttled")).one()
    assert throttled.actor_name == "duty" and throttled.address == "10.0.0.1"


def test_the_account_is_the_user_name_as_typed_whatever_its_case_and_spaces(centre):
    for typed in ("duty", "Duty", " DUTY ", "duty", "dUty"):
        assert attempt(centre, typed).status_code == 401
    assert attempt(centre, "duty ", DEMO_PASSWORD).status_code == 429


def test_successful_sign_ins_are_not_counted(centre):
    for _ in range(PER_MINUTE * 2):
        assert attempt(centre, "duty", DEMO_PASSWORD).status_code == 302
    assert attempt(centre, "duty").status_code == 401


def test_one_address_trying_many_accounts_is_throttled(centre):
    per_address = 30  # dashboard.auth.ADDRESS_LIMITS, a minute
    for n in range(per_address):
        assert attempt(centre, f"guess{n}").status_code == 401
    assert attempt(centre, "dispatcher", DEMO_PASSWORD).status_code == 429
    assert attempt(centre, "dispatcher", DEMO_PASSWORD, address="10.0.0.2").status_code == 302


class Clock:
    """The rate limiter's clock, moved on instead of waited for."""

    def __init__(self):
        import time

        self._time = time
        self.offset = 0.0

    def time(self) -> float:
        return self._time.time() + self.offset

    def __getattr__(self, name):
        return getattr(self._time, name)


def test_the_waits_grow_into_a_lockout(centre, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    monkeypatch.setattr(dashboard.auth, "time", clock)
    waits = []
    # Four bursts of failures, each just after the last wait is over (a burst takes a second or so of real time,
    # password hashing: the margin lets all of the last burst's failures leave the minute's window).
    for _ in range(4):
        if waits:
            clock.offset += waits[-1] + MARGIN
        while (answer := attempt(centre, "duty")).status_code == 401:
            pass
        waits.append(int(answer.headers["Retry-After"]))
    # A minute after 5 failures, most of a quarter of an hour after 10, the rest of the hour after 20.
    assert waits[0] <= 60 < waits[1] <= 15 * 60 < waits[3] <= 3600, waits
    clock.offset += waits[3] - 5
    assert attempt(centre, "duty", DEMO_PASSWORD).status_code == 429  # locked out, right password or not
    clock.offset += 5 + MARGIN
    assert attempt(centre, "duty", DEMO_PASSWORD).status_code == 302


def test_counts_are_shared_by_every_process_through_redis(city_url, private_redis):
    one, two = make_centre(city_url, private_redis.url), make_centre(city_url, private_redis.url)
    fail(one, PER_MINUTE)
    assert attempt(two, "duty", DEMO_PASSWORD).status_code == 429
    for centre in (one, two):
        centre.engine.dispose()


def test_signing_in_goes_on_when_redis_is_down(city_url, private_redis):
    centre = make_centre(city_url, private_redis.url)
    assert attempt(centre, "duty").status_code == 401
    private_redis.stop()
    assert attempt(centre, "duty", DEMO_PASSWORD).status_code == 302
    fail(centre, PER_MINUTE, "dispatcher")  # counted in the process's memory meanwhile
    assert attempt(centre, "dispatcher", DEMO_PASSWORD).status_code == 429
    centre.engine.dispose()
