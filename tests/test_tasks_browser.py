"""The handlers' desk on a phone in Debian Chromium: a task dispatched while the desk is open appears without a
reload, is accepted and fed back by touch, and nothing runs off the screen's width."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.demo.seed import DEMO_PASSWORD
from backend.models import Case, User
from backend.platform.i18n import Translator
from tests.conftest import watched_page
from tests.test_live_wall_browser import relay  # noqa: F401 (a fixture)
from tests.test_tasks import dispatched

PHONE = {"width": 390, "height": 844}
ZH = Translator("zh_Hans")


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield watched_page(context)
    context.close()


def test_a_grid_worker_takes_a_task_on_a_phone(live, relay, phone, city_sessions):  # noqa: F811
    base_url, _centre = live
    with city_sessions() as session:
        person = session.scalar(select(User.person_id).where(User.username == "gridworker"))
    phone.goto(f"{base_url}/login")
    phone.fill("input[name=username]", "gridworker")
    phone.fill("input[name=password]", DEMO_PASSWORD)
    phone.tap("button[type=submit]")
    phone.wait_for_url("**/wall")
    phone.goto(f"{base_url}/tasks")
    expect(phone.locator("#tasks-count")).to_have_text(ZH("{count} open").format(count=0))
    expect(phone.locator(".live-badge--on")).to_be_visible()

    case_id = dispatched(city_sessions, person)  # by the centre, while the desk is open
    card = phone.locator(f"#task-{case_id}")
    expect(card).to_be_visible()
    card.get_by_role("button", name=ZH("Accept")).tap()
    expect(card.locator(".tasks-state")).to_have_text(ZH("Handling"))

    card.get_by_role("button", name=ZH("Feed back")).tap()
    phone.locator("#tasks-note").fill("井盖已更换")
    phone.locator("#tasks-form-send").tap()
    expect(card).to_have_count(0)  # fed back: it waits for the centre now, not for the worker
    with city_sessions() as session:
        assert session.get(Case, case_id).state == "fed_back"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.console_errors == []
