"""The dispatcher console in Debian's Chromium, with a wall in a second browser context: a report registered
meanwhile appears in its tab and the counts follow, it is dispatched by two clicks, and the wall shows it
dispatched; the keyboard moves through the queue and "?" shows the shortcuts."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from backend.cases.actions import act
from backend.platform.config import Config
from backend.platform.i18n import Translator
from tests.conftest import NOW
from tests.test_live_wall_browser import relay  # noqa: F401 (a fixture)
from tests.test_tasks import centre_actor, dispatched  # noqa: F401
from tests.test_wall_browser import log_in

ZH = Translator("zh_Hans")
TAB = "#dispatch-tab"


def tab_count(page, label: str) -> int:
    text = page.locator(f"{TAB} label").filter(has_text=label).inner_text()
    return int(text.rsplit(" ", 1)[1])


def new_registered_case(sessions) -> int:
    """A report just in, registered by a colleague: on the way to the "to dispatch" tab."""
    from tests.test_tasks import CONFIG, Case, Category, GridLocator, ReportIn, User, select, shapely, submit_report
    with sessions() as session:
        unit = session.get(__import__("backend.models", fromlist=["Grid"]).Grid,
                           session.scalar(select(User.grid_id).where(User.username == "gridworker")))
        point = shapely.from_geojson(unit.geometry).point_on_surface()
        category = session.scalar(select(Category).where(Category.parent_id.is_not(None)).order_by(Category.id))
        case = submit_report(session, ReportIn(channel="hotline", description="路灯整夜不亮", category_code=category.code,
                                               lon=point.x, lat=point.y), GridLocator.from_session(session),
                             NOW, CONFIG)
        session.commit()
        actor = centre_actor(session)
        assert session.get(Case, case.id).state == "collected"
    act(sessions, actor, case.id, "register", {}, NOW, Config())
    return case.id


def test_a_case_dispatched_by_click_shows_on_a_wall_in_another_browser(live, relay, page, chromium,  # noqa: F811
                                                                         city_sessions):
    base, _centre = live
    log_in(page, base, "dispatcher")
    page.goto(f"{base}/dispatch")
    page.locator(TAB).get_by_text(re.compile("^" + ZH("To dispatch"))).click()
    expect(page.locator("#dispatch-queue .ag-row[row-id]").first).to_be_visible()
    before = tab_count(page, ZH("To dispatch"))

    wall = chromium.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    log_in(wall, base, "duty")
    expect(wall.locator("#wall-cases .ag-row").first).to_be_visible()

    case_id = new_registered_case(city_sessions)
    row = page.locator(f"#dispatch-queue .ag-row[row-id='{case_id}']")
    expect(row).to_be_visible()  # arrived live, at the top of the newest-first queue
    expect(page.locator(TAB).filter(has_text=f"{ZH('To dispatch')} {before + 1}")).to_be_visible()
    wall_row = wall.locator(f"#wall-cases .ag-row[row-id='{case_id}']")
    expect(wall_row).to_contain_text(ZH("Registered"))

    row.locator(".ag-cell[col-id='number']").click()  # click 1: the case
    page.locator("#case-dispatch-top").click()  # click 2: "Dispatch to <top proposal>"
    expect(wall_row).to_contain_text(ZH("Dispatched"))
    expect(row).to_have_count(0)  # it left the "to dispatch" tab
    expect(page.locator(TAB).filter(has_text=f"{ZH('To dispatch')} {before}")).to_be_visible()
    assert page.console_errors == []
    wall.context.close()


def test_the_keyboard_moves_through_the_queue_and_shows_its_shortcuts(live, page):
    base, _centre = live
    log_in(page, base, "dispatcher")
    page.goto(f"{base}/dispatch")
    page.locator(TAB).get_by_text(re.compile("^" + ZH("All"))).click()
    rows = page.locator("#dispatch-queue .ag-row[row-id]")
    expect(rows.nth(1)).to_be_visible()
    second = rows.nth(1).get_attribute("row-id")
    page.locator("body").press("j")
    page.locator("body").press("j")
    expect(page.locator("#case-panel .case-number")).to_be_visible()
    first = page.locator("#dispatch-queue .ag-row[row-index='0']").get_attribute("row-id")
    assert first != second
    expect(page.locator("#case-panel")).to_contain_text(
        page.locator(f"#dispatch-queue .ag-row[row-id='{second}'] .ag-cell[col-id='number']").inner_text())
    page.locator("body").press("?")
    expect(page.get_by_text(ZH("Keyboard shortcuts")).first).to_be_visible()
    expect(page.get_by_text(ZH("dispatch to the top proposal"))).to_be_visible()
    assert page.console_errors == []
