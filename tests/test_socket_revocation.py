"""An open Socket.IO connection lasts only as long as what signed it in: a revoked or expired token, a signed-out
or idle session, a deactivated user are disconnected at the next recheck; the others stay."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
import requests
import socketio
from sqlalchemy import select, update

from backend.accounts.tokens import issue_token
from backend.accounts.users import deactivate
from backend.demo.seed import DEMO_PASSWORD
from backend.models import ApiToken, User, UserSession
from tests.signin import sign_in, sign_out

WAIT = 10  # seconds a client waits for its disconnection before the test fails
AGENT = {"User-Agent": "revocation-test"}  # one browser: its page requests and its socket


class Watched:
    """A Socket.IO client that notes when the server disconnects it, and what it was told before."""

    def __init__(self, base: str, headers: dict):
        self.gone = threading.Event()
        self.told: list[dict] = []  # the "signed_out" notices
        self.client = socketio.Client(reconnection=False)
        self.client.on("disconnect", lambda *reason: self.gone.set())
        self.client.on("signed_out", self.told.append)
        self.client.connect(base, headers={**AGENT, **headers}, transports=["polling"], wait_timeout=WAIT)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


@pytest.fixture
def rechecking(live):
    """The live server, rechecking its connections as a serving process does."""
    base, centre = live
    stop = threading.Event()
    threading.Thread(target=centre.connections.run, args=(stop,), daemon=True).start()
    yield base, centre
    stop.set()


def token_for(sessions, username: str) -> str:
    with sessions() as session:
        token = issue_token(session, username, "test", datetime.now(timezone.utc))
        session.commit()
        return token


def by_token(base, sessions, username: str) -> tuple[Watched, str]:
    token = token_for(sessions, username)
    return Watched(base, {"Authorization": f"Bearer {token}"}), token


def by_cookie(base, username: str) -> tuple[Watched, requests.Session]:
    http = requests.Session()
    http.headers.update(AGENT)
    assert sign_in(http, base, username, DEMO_PASSWORD).status_code == 302
    cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    return Watched(base, {"Cookie": cookie}), http


def test_revoking_a_token_disconnects_its_socket_and_no_other(rechecking, city_sessions):
    base, _ = rechecking
    revoked, _token = by_token(base, city_sessions, "street1")
    kept, _ = by_token(base, city_sessions, "street1")
    with city_sessions() as session:
        session.execute(update(ApiToken).where(ApiToken.id == session.scalar(select(ApiToken.id).order_by(
            ApiToken.id).limit(1))).values(revoked=True))
        session.commit()
    assert revoked.gone.wait(WAIT)
    assert kept.client.connected and not kept.gone.is_set()  # checked in the same round
    kept.close()


def test_an_expired_token_disconnects_its_socket(rechecking, city_sessions):
    base, _ = rechecking
    watched, _token = by_token(base, city_sessions, "dispatcher")
    with city_sessions() as session:
        session.execute(update(ApiToken).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        session.commit()
    assert watched.gone.wait(WAIT)


def test_signing_out_disconnects_the_sessions_socket(rechecking):
    base, _ = rechecking
    watched, http = by_cookie(base, "duty")
    other, _ = by_cookie(base, "duty")  # the same user in another browser
    assert sign_out(http, base).status_code == 302
    assert watched.gone.wait(WAIT)
    assert other.client.connected
    other.close()


def test_deactivating_a_user_disconnects_their_sockets(rechecking, city_sessions):
    base, _ = rechecking
    browser, _ = by_cookie(base, "street2")
    device, _ = by_token(base, city_sessions, "street2")
    with city_sessions() as session:
        deactivate(session, "street2", datetime.now(timezone.utc))
        session.commit()
    assert browser.gone.wait(WAIT) and device.gone.wait(WAIT)


def test_an_idle_session_is_ended_and_its_socket_disconnected(rechecking, city_sessions):
    base, _ = rechecking
    watched, _ = by_cookie(base, "leader")
    with city_sessions() as session:
        session.execute(update(UserSession).values(last_seen_at=datetime.now(timezone.utc) - timedelta(hours=2)))
        session.commit()
    assert watched.gone.wait(WAIT) and watched.told == [{"idle": True}]  # so the screen says why
    with city_sessions() as session:
        assert session.scalar(select(UserSession.ended_reason)) == "idle"
        assert session.scalar(select(User.active).where(User.username == "leader"))


def test_a_screen_whose_session_ends_goes_to_the_sign_in_page_and_comes_back(rechecking, city_sessions, page):
    """The wall does not retry a link that will be refused: told its session ended, it asks to sign in again,
    and signing in brings it back to where it was."""
    from playwright.sync_api import expect

    from tests.test_wall_browser import log_in

    base, _ = rechecking
    log_in(page, base, "duty")
    page.goto(f"{base}/wall?grid=2")
    expect(page.locator("#live-badge")).to_have_class(re.compile("live-badge--on"))
    with city_sessions() as session:
        session.execute(update(UserSession).values(last_seen_at=datetime.now(timezone.utc) - timedelta(hours=2)))
        session.commit()
    page.wait_for_url(re.compile(r".*/login\?next=%2Fwall%3Fgrid%3D2&idle=1$"), timeout=WAIT * 1000)
    expect(page.locator(".login-notice")).to_be_visible()
    page.fill("input[name=username]", "duty")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/wall?grid=2")
