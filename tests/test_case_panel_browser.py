"""The case panel in Debian's Chromium: "Dispatch to <top proposal>" in one click, the conflict a second
dispatcher sees after the first acted, and "d" on the keyboard."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.models import Case, Grid
from tests.test_wall_browser import log_in
from tests.test_live_wall_browser import relay  # noqa: F401  (the fixture)
from tests.test_workflow import World


@pytest.fixture
def registered(live):
    """A registered case in a unit grid (its responsible person is the top proposal)."""
    _, centre = live
    with centre.sessions() as s:
        world = World(s)
        case = world.case("registered", description="lamp out at the school gate")
        s.commit()
        return case.id


def open_case(page, base: str, case_id: int, username: str = "dispatcher") -> None:
    log_in(page, base, username)
    page.goto(f"{base}/dispatch")
    expect(page.locator("#case-panel")).to_be_visible()
    page.wait_for_function("() => window.dash_clientside && window.dash_clientside.set_props")
    page.evaluate(f'window.dash_clientside.set_props("dispatch-current", {{data: {case_id}}})')
    expect(page.locator("#case-dispatch-top")).to_have_text(re.compile(r"\S"))
    expect(page.locator("#case-dispatch-top")).to_be_visible()


def test_one_click_dispatches_to_the_top_proposal(live, registered, page):
    base, centre = live
    open_case(page, base, registered)
    page.click("#case-dispatch-top")
    expect(page.locator("#case-state")).to_have_class(re.compile("case-state--dispatched"))
    expect(page.locator("#case-result .case-ok")).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path="/tmp/shots/casepanel-1366.png")
    with centre.sessions() as s:
        assert s.get(Case, registered).state == "dispatched"
    assert page.console_errors == []


def test_the_second_dispatcher_sees_who_acted_first(live, registered, page, chromium):
    base, centre = live
    open_case(page, base, registered, "dispatcher")
    other = chromium.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    try:
        open_case(other, base, registered, "duty")
        page.click("#case-dispatch-top")
        expect(page.locator("#case-state")).to_have_class(re.compile("case-state--dispatched"))
        other.click("#case-dispatch-top")
        refused = other.locator("#case-result .case-refused")
        expect(refused).to_contain_text("dispatcher")
        expect(refused).to_contain_text(re.compile(r"\d{2}:\d{2}:\d{2}"))
        expect(other.locator("#case-state")).to_have_class(re.compile("case-state--dispatched"))
        other.screenshot(path="/tmp/shots/casepanel-1920.png")
    finally:
        other.context.close()


def test_d_on_the_keyboard_dispatches(live, registered, page):
    base, centre = live
    open_case(page, base, registered)
    page.locator("body").press("d")
    expect(page.locator("#case-state")).to_have_class(re.compile("case-state--dispatched"))
    with centre.sessions() as s:
        assert s.get(Case, registered).state == "dispatched"


def test_a_colleagues_action_shows_live_in_the_open_panel(live, registered, page, relay):
    """Another dispatcher acts (through act, as the API would); the open panel redraws from the event stream."""
    from datetime import datetime, timezone

    from backend.cases.actions import act
    from backend.cases.workflow import Actor
    from backend.geo.scope import Scope

    base, centre = live
    open_case(page, base, registered)
    expect(page.locator("#live-badge")).to_have_class(re.compile("live-badge--on"))
    with centre.sessions() as s:
        city = s.scalar(select(Grid).where(Grid.level == 0))
        scope = Scope.of_grid(city)
    colleague = Actor(name="colleague", role="dispatcher", scope=scope)
    act(centre.sessions, colleague, registered, "dispatch", {}, datetime.now(timezone.utc), centre.config)
    expect(page.locator("#case-state")).to_have_class(re.compile("case-state--dispatched"), timeout=10_000)
    expect(page.locator(".case-timeline")).to_contain_text("colleague")


def test_the_small_map_shows_the_case_inside_its_unit_grid(live, registered, page):
    base, _ = live
    open_case(page, base, registered)
    shapes = page.locator("#case-map .leaflet-overlay-pane path")
    expect(shapes.first).to_be_attached()
    frame = page.locator("#case-map").bounding_box()
    inside = lambda box: (frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]  # noqa: E731
                          and frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"])
    boxes = [shapes.nth(i).bounding_box() for i in range(shapes.count())]
    assert boxes and all(box["width"] > 0 and inside(box) for box in boxes), (frame, boxes)
    assert page.console_errors == []
