"""The dispatcher console's filter bar in Debian's Chromium: a category and an urgency picked, the queue and the
tabs' counts narrow to the cases of both; "clear filters" brings the whole queue back. A unit grid found by
typing its community's name narrows the queue to it."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from backend.models import Case, Category, Grid, User
from backend.platform.i18n import Translator
from tests.test_dispatch_browser import TAB
from tests.test_wall_browser import log_in

ZH = Translator("zh_Hans")
ROWS = "#dispatch-queue .ag-row[row-id]"
# True once every row the queue shows is one of `ids` (and it shows some): the queue was read again.
ONLY = """(ids) => {
    const rows = [...document.querySelectorAll('#dispatch-queue .ag-row[row-id]')];
    return rows.length > 0 && rows.every((row) => ids.includes(row.getAttribute('row-id')));
}"""
# True once the queue shows a row that is not one of `ids`.
OTHERS = """(ids) => [...document.querySelectorAll('#dispatch-queue .ag-row[row-id]')]
    .some((row) => !ids.includes(row.getAttribute('row-id')))"""


def pick(page, control: str, option: str) -> None:
    page.locator(control).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_category_and_an_urgency_narrow_the_queue_and_its_counts_and_clear_restores(live, page, city_sessions):
    base, _centre = live
    with city_sessions() as s:
        major = s.scalar(select(Category).where(Category.code == "CA-01"))
        minors = select(Category.id).where(Category.parent_id == major.id)
        kept = [str(i) for i in s.scalars(select(Case.id).where(Case.category_id.in_(minors),
                                                                  Case.urgency == "normal"))]
        total = s.scalar(select(func.count()).select_from(Case))
    assert 0 < len(kept) < total

    log_in(page, base, "dispatcher")
    page.goto(f"{base}/dispatch")
    page.locator(TAB).get_by_text(re.compile("^" + ZH("All"))).click()
    expect(page.locator(TAB).filter(has_text=f"{ZH('All')} {total}")).to_be_visible()
    expect(page.locator(ROWS).first).to_be_visible()

    pick(page, "#dispatch-category", ZH("{category}: all").format(category=major.name))
    pick(page, "#dispatch-urgency", ZH("Normal"))
    expect(page.locator(TAB).filter(has_text=f"{ZH('All')} {len(kept)}")).to_be_visible()
    expect(page.locator("#dispatch-filter-count")).to_have_text("2")
    page.wait_for_function(ONLY, arg=kept)
    expect(page.locator(f"{ROWS} .ag-cell[col-id='urgency_label']").first).to_have_text(ZH("Normal"))

    page.locator("#dispatch-filters-clear").click()
    expect(page.locator(TAB).filter(has_text=f"{ZH('All')} {total}")).to_be_visible()
    expect(page.locator("#dispatch-filter-count")).to_be_hidden()
    expect(page.locator("#dispatch-category")).to_have_value("")
    page.wait_for_function(OTHERS, arg=kept)  # rows of other categories and urgencies again
    assert page.console_errors == []


def test_a_unit_grid_found_by_typing_narrows_the_queue_and_keeps_its_name(live, page, city_sessions):
    """Unit grids are not listed until typed for: picked from what the server found, the name stays in the
    picker while the options change, and the queue holds that grid's cases."""
    base, _centre = live
    with city_sessions() as s:
        street = s.get(Grid, s.scalar(select(User.grid_id).where(User.username == "street1")))
        unit = s.scalar(select(Grid).where(Grid.level == 3, Grid.code.startswith(street.code + "-"))
                        .order_by(Grid.code).offset(1))
        community = s.get(Grid, unit.parent_id)
        kept = [str(i) for i in s.scalars(select(Case.id).where(Case.grid_id == unit.id))]
    assert kept
    label = f"{community.name} / {unit.name}"

    log_in(page, base, "street1")
    page.goto(f"{base}/dispatch")
    page.locator(TAB).get_by_text(re.compile("^" + ZH("All"))).click()
    expect(page.locator(ROWS).first).to_be_visible()
    page.locator("#dispatch-grid").fill(community.name)
    page.get_by_role("option", name=label, exact=True).click()
    expect(page.locator(TAB).filter(has_text=f"{ZH('All')} {len(kept)}")).to_be_visible()
    page.wait_for_function(ONLY, arg=kept)
    expect(page.locator("#dispatch-grid")).to_have_value(label)
    expect(page.locator("#dispatch-filter-count")).to_have_text("1")
    assert page.console_errors == []
