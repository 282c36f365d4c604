"""The hotline form in Debian Chromium: a call taken by keyboard and one map click, refusals that write nothing."""
from __future__ import annotations

import json
import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from backend.platform.i18n import Translator
from backend.models import Case, Category, Grid, Report, User, case_id_from_number
from backend.demo.seed import DEMO_PASSWORD

POLYGONS = "#hotline-map path.leaflet-interactive"
NUMBER = re.compile(r"^\d{8}-\d{6}$")
# A whole call: three fields and the category search typed, Tab after each, one map click, one click to save.
MAX_ACTIONS = 10


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/wall")


def open_hotline(page, base_url: str, username: str) -> None:
    log_in(page, base_url, username)
    page.goto(f"{base_url}/hotline")


class Operator:
    """Drives the form as a call taker does, counting each action: a text typed, a key pressed, a click."""

    def __init__(self, page):
        self.page = page
        self.actions = 0

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.actions += 1

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.actions += 1

    def click(self, locator) -> None:
        locator.click()
        self.actions += 1


def case_count(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Case))


def user_translator(sessions, username: str) -> Translator:
    with sessions() as s:
        return Translator(s.scalar(select(User.language).where(User.username == username)))


def category(sessions, code: str) -> tuple[Category, Category]:
    with sessions() as s:
        minor = s.scalar(select(Category).where(Category.code == code))
        return minor, s.get(Category, minor.parent_id)


def first_district(sessions) -> Grid:
    with sessions() as s:
        return s.scalars(select(Grid).where(Grid.level == 1).order_by(Grid.code)).first()


def case_and_report(sessions, number: str) -> tuple[Case, Report]:
    with sessions() as s:
        case = s.get(Case, case_id_from_number(number))
        return case, s.scalar(select(Report).where(Report.case_id == case.id))


def test_dispatcher_takes_a_call_by_keyboard_and_one_map_click(live_server, page, city_sessions):
    _ = user_translator(city_sessions, "dispatcher")
    minor, major = category(city_sessions, "CA-01-02")
    open_hotline(page, live_server, "dispatcher")
    phone = page.locator("#hotline-phone")
    expect(phone).to_be_focused()
    expect(page.locator(".shell-nav-link[href='/hotline']")).to_have_text(_("Hotline"))
    operator = Operator(page)

    operator.type("138 0013 8000")
    operator.press("Tab")
    operator.type("王女士")
    operator.press("Tab")
    operator.type("小区门口垃圾堆了三天没人清理")
    operator.press("Tab")
    # Part of the minor category's Chinese name finds "major / minor"; Tab takes the highlighted option.
    operator.type(_.name(minor)[:2])
    expect(page.locator(".mantine-Select-option[data-combobox-selected]")).to_have_text(
        f"{_.name(major)} / {_.name(minor)}")
    operator.press("Tab")
    expect(page.locator("#hotline-address")).to_be_focused()
    expect(page.locator("#hotline-category")).to_have_value(f"{_.name(major)} / {_.name(minor)}")

    operator.click(page.locator(POLYGONS).first)
    expect(page.locator("#hotline-grid-name")).to_have_text(re.compile(r".+ / .+"))
    place = page.locator("#hotline-grid-name").inner_text()
    operator.click(page.locator("#hotline-submit"))

    number = page.locator("#hotline-case-number")
    expect(number).to_have_text(NUMBER)
    assert operator.actions <= MAX_ACTIONS
    case, report = case_and_report(city_sessions, number.inner_text())
    assert (case.channel, case.state, case.category_id) == ("hotline", "collected", minor.id)
    assert (report.reporter_phone, report.reporter_name) == ("138 0013 8000", "王女士")
    # The grid named under the map is the one the case is placed in, inside the district clicked.
    assert case.district_id == first_district(city_sessions).id
    with city_sessions() as s:
        unit = s.get(Grid, case.grid_id)
        assert place == f"{_.name(s.get(Grid, unit.parent_id))} / {_.name(unit)}"
    expect(page.locator(".hotline-facts")).to_contain_text(place)

    # Ready for the next call: an empty form, the cursor on the phone, the point gone.
    expect(phone).to_have_value("")
    expect(phone).to_be_focused()
    expect(page.locator("#hotline-category")).to_have_value("")
    expect(page.locator("#hotline-grid-name")).to_have_count(0)
    assert page.console_errors == []


def test_invalid_phone_is_refused_then_an_address_only_call_is_placed_at_city_level(live_server, page,
                                                                                     city_sessions):
    _ = user_translator(city_sessions, "dispatcher")
    before = case_count(city_sessions)
    open_hotline(page, live_server, "dispatcher")
    phone = page.locator("#hotline-phone")
    expect(phone).to_be_focused()

    phone.fill("12ab")
    page.fill("#hotline-description", "路灯不亮")
    quick = page.locator(".hotline-quick").first
    quick.click()
    expect(page.locator("#hotline-category")).to_have_value(re.compile(re.escape(quick.inner_text()) + "$"))
    page.locator("#hotline-address").fill("东风路 12 号")
    page.keyboard.press("Enter")

    expect(page.locator("#hotline-phone-error")).to_have_text(_("Enter a valid phone number."))
    expect(page.locator("#hotline-result")).to_contain_text(_("Not saved"))
    expect(page.locator(".hotline-wrong li")).to_have_text([_("Caller's phone")])
    expect(phone).to_be_focused()
    expect(page.locator("#hotline-description-error")).to_have_count(0)
    assert case_count(city_sessions) == before

    phone.fill("0355-1234567")
    page.keyboard.press("Enter")
    number = page.locator("#hotline-case-number")
    expect(number).to_have_text(NUMBER)
    expect(page.locator("#hotline-phone-error")).to_have_count(0)
    expect(page.locator(".hotline-facts")).to_contain_text(_("City level (address only)"))
    case, report = case_and_report(city_sessions, number.inner_text())
    assert (case.address, case.lon, case.grid_id, report.reporter_phone) == ("东风路 12 号", None, None, "0355-1234567")
    assert case.city_id is not None
    assert case_count(city_sessions) == before + 1
    assert page.console_errors == []


def test_a_click_outside_the_territory_is_refused(live_server, page):
    open_hotline(page, live_server, "dispatcher")
    frame = page.locator("#hotline-map")
    expect(page.locator(POLYGONS).first).to_be_visible()
    box = frame.bounding_box()
    # The bottom-right corner: the city is fitted in the middle with a margin around it.
    page.mouse.click(box["x"] + box["width"] - 8, box["y"] + box["height"] - 8)
    expect(page.locator("#hotline-location-warning")).to_be_visible()
    expect(page.locator("#hotline-grid-name")).to_have_count(0)
    assert page.console_errors == []


def submit_request(page, base_url: str) -> int:
    """Calls the submit callback directly, as a crafted request would; returns the HTTP status."""
    dependencies = page.request.get(f"{base_url}/_dash-dependencies").json()
    submit = next(d for d in dependencies if {"id": "hotline-submit", "property": "n_clicks"} in d["inputs"])
    values = {"hotline-phone": "13800138000", "hotline-description": "crafted", "hotline-category": "CA-01-02",
              "hotline-address": "somewhere"}
    body = {"output": submit["output"], "changedPropIds": ["hotline-submit.n_clicks"],
            "outputs": [dict(zip(("id", "property"), o.rsplit(".", 1)))
                        for o in submit["output"].strip(".").split("...")],
            "inputs": [{**i, "value": 1 if i["id"] == "hotline-submit" else 0} for i in submit["inputs"]],
            "state": [{**s, "value": values.get(s["id"])} for s in submit["state"]]}
    # From the product's own page, as the screen's own requests are (dashboard/edge.py refuses others).
    return page.request.post(f"{base_url}/_dash-update-component", data=json.dumps(body),
                             headers={"Content-Type": "application/json", "Origin": base_url}).status


def test_a_leader_gets_a_notice_and_no_form_and_cannot_submit(live_server, page, chromium, city_sessions):
    _ = user_translator(city_sessions, "leader")
    open_hotline(page, live_server, "leader")
    expect(page.locator(".screen-denied")).to_contain_text(
        _("{screen} is not open to your role").format(screen=_("Hotline")))
    expect(page.locator(".screen-denied")).to_contain_text(_("Dispatcher"))
    expect(page.locator("#hotline-phone")).to_have_count(0)
    expect(page.locator("#hotline-map")).to_have_count(0)
    expect(page.locator(".shell-nav-link[href='/hotline']")).to_have_count(0)

    before = case_count(city_sessions)
    assert submit_request(page, live_server) == 204
    assert case_count(city_sessions) == before
    # The same request from a dispatcher does open a case: the refusal above is the role check, not a bad request.
    dispatcher = chromium.new_context().new_page()
    log_in(dispatcher, live_server, "dispatcher")
    assert submit_request(dispatcher, live_server) == 200
    dispatcher.context.close()
    assert case_count(city_sessions) == before + 1
    assert page.console_errors == []
