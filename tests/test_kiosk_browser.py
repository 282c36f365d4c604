"""The wall in kiosk mode (`?kiosk=1`): no chrome at any wall size, a sign-in that outlives the browser, and a
page that recovers by itself when its server restarts."""
from __future__ import annotations

import os
import re
import time
from datetime import datetime, timezone

import pytest
import requests
from playwright.sync_api import expect

from backend.accounts.tokens import issue_token
from backend.platform.db import make_engine, session_factory
from tests.conftest import free_port, watched_page
from tests.servers import serve, stop, wait_until_up
from tests.test_live_wall_browser import kpi
from tests.test_wall_browser import POLYGONS, click_polygon, log_in, wait_for_kpis

WALL_SIZES = ((1366, 768), (1920, 1080), (3840, 2160))
CHROME = (".shell-nav", ".shell-user", ".shell-clock", "#live-badge")
# A kiosk's cookie is kept for 400 days (dashboard/app.py); anything beyond a year shows it outlives the browser.
YEAR = 365 * 24 * 3600


def open_kiosk(page, base: str) -> None:
    log_in(page, base, "wall")
    page.wait_for_url("**/wall")
    page.goto(f"{base}/wall?kiosk=1")
    wait_for_kpis(page)


def session_cookie(context) -> dict:
    return next(cookie for cookie in context.cookies() if cookie["name"] == "session")


@pytest.mark.parametrize("size", WALL_SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_the_kiosk_wall_shows_no_chrome_and_fits_the_screen(live_server, chromium, size):
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
    page = watched_page(context)
    open_kiosk(page, live_server)
    for chrome in CHROME:
        expect(page.locator(chrome)).to_be_hidden()  # the live badge too, while the link is up
    expect(page.locator("#wall-kpi-reports_today")).to_be_visible()
    expect(page.locator(POLYGONS).first).to_be_visible()
    overflow = page.evaluate("() => [document.documentElement.scrollWidth - innerWidth,"
                             " document.documentElement.scrollHeight - innerHeight]")
    assert overflow == [0, 0]
    assert page.console_errors == []
    context.close()


def test_only_a_wall_accounts_sign_in_outlives_the_browser(live_server, chromium):
    for username, outlives in (("wall", True), ("duty", False)):
        context = chromium.new_context()
        page = context.new_page()
        log_in(page, live_server, username)
        page.wait_for_url("**/wall")
        expires = session_cookie(context)["expires"]
        assert (expires > time.time() + YEAR) is outlives, (username, expires)  # -1: ends with the browser
        context.close()


def test_a_kiosk_wall_stays_a_kiosk_as_it_moves_between_grids_and_reloads(live_server, page):
    open_kiosk(page, live_server)
    click_polygon(page)
    page.wait_for_url(re.compile(r"/wall\?kiosk=1&grid=\d+$"))
    page.reload()
    wait_for_kpis(page)
    expect(page.locator(".shell-nav")).to_be_hidden()
    assert page.console_errors == []


@pytest.fixture
def restartable(city_url):
    """A server process on a free port that the test can stop and start again, as an operator would."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=city_url, DEMO="1", SECRET_KEY="kiosk-secret")
    env.pop("REDIS_URL", None)  # the demo's own event stream: it starts afresh with the process
    processes = []

    def start() -> str:
        base = f"http://127.0.0.1:{port}"
        processes.append(serve(port, env))
        wait_until_up(base, processes[-1])
        return base

    yield start, lambda: stop(processes[-1])
    for process in processes:
        stop(process)


def test_a_kiosk_wall_recovers_by_itself_from_a_server_restart(restartable, city_url, page):
    start, stop_server = restartable
    base = start()
    engine = make_engine(city_url)
    with session_factory(engine)() as session:
        token = issue_token(session, "dispatcher", "test", datetime.now(timezone.utc))
        session.commit()
    engine.dispose()
    open_kiosk(page, base)
    reports = kpi(page, "reports_today")
    badge = page.locator("#live-badge")

    stop_server()
    expect(badge).to_be_visible()  # the corner says the link is down
    expect(badge).not_to_have_class(re.compile("live-badge--on"))
    start()
    expect(badge).to_be_hidden()  # back without anyone touching the page
    created = requests.post(f"{base}/api/v1/reports", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                            json={"channel": "web", "description": "路灯不亮", "category_code": "CA-01-01"})
    assert created.status_code == 201, created.text
    # By its id: while the table animates a read afresh, two rows can stand at index 0.
    case = created.json()
    expect(page.locator(f"#wall-cases .ag-row[row-id='{case['id']}']")).to_contain_text(case["number"])
    expect(page.locator("#wall-kpi-reports_today")).to_have_text(str(reports + 1))
    # While the server was away the browser logged its failed requests; nothing else may fail.
    assert [e for e in page.console_errors if "ERR_CONNECTION_REFUSED" not in e
            and "Failed to load resource" not in e] == []
