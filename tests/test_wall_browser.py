"""The wall display in Debian Chromium: sign-in, the grid map's drill-down, the scope of a street user, KPIs."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect
from sqlalchemy import select

from backend.geo.grids import scoped_grid
from backend.platform.db import make_engine
from backend.platform.i18n import Translator
from backend.models import Grid, User
from backend.geo.scope import Scope
from backend.demo.seed import DEMO_PASSWORD
from backend.indicators.wall import wall_kpis

POLYGONS = "#wall-map path.leaflet-interactive"
LABELS = "#wall-map .wall-grid-label b"
CRUMBS = "#wall-breadcrumb .wall-crumb"
KPI_IDS = ("wall-kpi-reports_today", "wall-kpi-open_cases", "wall-kpi-overdue", "wall-kpi-closed_today")


def log_in(page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


# Grid cells are irregular: the centre of a path's bounding box can lie in a neighbour, and
# the map may still be flying to its new bounds (or not have begun: on a busy machine a path
# can stand still off the map for a few frames before the flight). Wait until the path has kept
# its place for a few frames and a click there would hit the path itself; give up after ~10 s.
POINT_INSIDE = """path => new Promise(resolve => {
    let last = null, still = 0, frames = 0;
    const inside = () => {
        const r = path.getBoundingClientRect();
        for (let i = 1; i < 16; i++) for (let j = 1; j < 16; j++) {
            const x = r.left + r.width * i / 16, y = r.top + r.height * j / 16;
            if (document.elementFromPoint(x, y) === path) return [x, y];
        }
        return null;
    };
    const tick = () => {
        const r = path.getBoundingClientRect();
        const key = [r.x, r.y, r.width, r.height].map(Math.round).join();
        still = key === last ? still + 1 : 0;
        last = key;
        const point = still >= 5 ? inside() : null;
        if (point || ++frames > 600) resolve(point); else requestAnimationFrame(tick);
    };
    tick();
})"""


def click_polygon(page, index: int = 0) -> None:
    point = page.locator(POLYGONS).nth(index).evaluate(POINT_INSIDE)
    assert point, "no visible point inside the polygon"
    page.mouse.click(*point)


def children(sessions, parent_id: int) -> list[Grid]:
    with sessions() as s:
        return s.scalars(select(Grid).where(Grid.parent_id == parent_id).order_by(Grid.code)).all()


def open_cases(sessions, grid_id: int) -> int:
    with sessions() as s:
        return wall_kpis(s, Scope.of_grid(s.get(Grid, grid_id)), datetime.now(timezone.utc), "Asia/Shanghai")["open_cases"]


def user_view(sessions, username: str) -> tuple[Grid, Translator]:
    """The user's scope grid and translator."""
    with sessions() as s:
        user = s.scalar(select(User).where(User.username == username))
        return scoped_grid(s, Scope.of_user(s, user), user.grid_id), Translator(user.language)


def expect_map_of(page, grids: list[Grid], _: Translator) -> None:
    """The map draws exactly these grids (checked by their labels, so a stale map cannot pass)."""
    expect(page.locator(LABELS)).to_have_text([_.name(grid) for grid in grids])
    expect(page.locator(POLYGONS)).to_have_count(len(grids))


def wait_for_kpis(page) -> None:
    page.wait_for_function("ids => ids.every(id => /^\\d+$/.test(document.getElementById(id)?.textContent ?? ''))",
                           arg=list(KPI_IDS))


def test_duty_officer_drills_down_from_city_to_unit_grid(live_server, page, city_sessions):
    city, _ = user_view(city_sessions, "duty")
    districts = children(city_sessions, city.id)
    log_in(page, live_server, "duty")
    page.wait_for_url("**/wall")

    expect_map_of(page, districts, _)
    expect(page.locator(CRUMBS)).to_have_text([_.name(city)])
    wait_for_kpis(page)
    expect(page.locator("#wall-kpi-open_cases")).to_have_text(str(open_cases(city_sessions, city.id)))
    expect(page.locator("#wall-cases .ag-row").first).to_be_visible()
    # The clock shows the city's configured time zone, whatever the browser's is.
    shanghai = [f"{datetime.now(ZoneInfo('Asia/Shanghai')) - timedelta(minutes=m):%Y-%m-%d %H:%M}" for m in (0, 1)]
    assert page.locator("#shell-clock").inner_text()[:16] in shanghai

    communities = children(city_sessions, districts[0].id)
    click_polygon(page)
    expect(page.locator(CRUMBS)).to_have_text([_.name(city), _.name(districts[0])])
    expect_map_of(page, communities, _)
    expect(page.locator("#wall-kpi-open_cases")).to_have_text(str(open_cases(city_sessions, districts[0].id)))

    units = children(city_sessions, communities[0].id)
    click_polygon(page)
    expect(page.locator(CRUMBS)).to_have_count(3)
    expect_map_of(page, units, _)

    # A unit grid has no children: the map stays on its siblings, the unit becomes the selection.
    click_polygon(page)
    expect(page.locator(CRUMBS)).to_have_text([_.name(g) for g in (city, districts[0], communities[0], units[0])])
    expect_map_of(page, units, _)

    page.locator(CRUMBS).first.click()
    expect(page.locator(CRUMBS)).to_have_count(1)
    expect_map_of(page, districts, _)
    wait_for_kpis(page)
    assert page.console_errors == []


def test_wrong_password_stays_on_login_with_message(live_server, page):
    log_in(page, live_server, "duty", "not-the-password")
    expect(page.locator(".login-error")).to_have_text(Translator("zh_Hans")("Wrong user name or password."))
    assert page.url.split("?")[0] == f"{live_server}/login"


def test_street_dispatcher_sees_only_its_district_even_when_asking_for_another(live_server, page, city_sessions):
    district, _ = user_view(city_sessions, "street1")
    log_in(page, live_server, "street1")
    page.wait_for_url("**/wall")

    communities = children(city_sessions, district.id)
    expect_map_of(page, communities, _)
    expect(page.locator(CRUMBS)).to_have_text([_.name(district)])
    wait_for_kpis(page)
    expect(page.locator("#wall-kpi-open_cases")).to_have_text(str(open_cases(city_sessions, district.id)))

    click_polygon(page)
    expect(page.locator(CRUMBS)).to_have_count(2)
    # A crafted selection outside the scope (another district) falls back to the user's own district.
    neighbour = next(d for d in children(city_sessions, district.parent_id) if d.id != district.id)
    page.evaluate("id => window.dash_clientside.set_props('wall-grid', {data: id})", neighbour.id)
    expect(page.locator(CRUMBS)).to_have_text([_.name(district)])
    expect_map_of(page, communities, _)
    assert page.console_errors == []


def test_language_is_switched_per_user_and_remembered(live_server, page, chromium, city_sessions):
    city, _ = user_view(city_sessions, "duty")
    log_in(page, live_server, "duty")
    page.wait_for_url("**/wall")
    expect(page.locator(".wall-kpi-label").nth(1)).to_have_text("待立案")

    page.get_by_text("English", exact=True).click()
    expect(page.locator(".wall-kpi-label").nth(1)).to_have_text("To register")
    expect(page.locator(LABELS).first).to_have_text(children(city_sessions, city.id)[0].name_en)
    with city_sessions() as s:
        assert s.scalar(select(User.language).where(User.username == "duty")) == "en"
    # Another user is untouched.
    other = chromium.new_context(viewport={"width": 1366, "height": 768}).new_page()
    log_in(other, live_server, "dispatcher")
    expect(other.locator(".wall-kpi-label").nth(1)).to_have_text("待立案")
    other.context.close()
    assert page.console_errors == []


def test_a_bookmarked_grid_opens_there_and_drilling_down_moves_the_address(live_server, page, city_sessions):
    city, _ = user_view(city_sessions, "duty")
    district = children(city_sessions, city.id)[0]
    communities = children(city_sessions, district.id)
    log_in(page, live_server, "duty")
    page.wait_for_url("**/wall")
    expect(page.locator(".shell-nav-link--current")).to_have_attribute("href", "/wall")

    page.goto(f"{live_server}/wall?grid={district.id}")
    expect(page.locator(CRUMBS)).to_have_text([_.name(city), _.name(district)])
    expect_map_of(page, communities, _)

    click_polygon(page)
    expect(page.locator(CRUMBS)).to_have_text([_.name(city), _.name(district), _.name(communities[0])])
    page.wait_for_url(f"**/wall?grid={communities[0].id}")
    # The drill-down did not reload the page: the same document, and the link kept its highlight.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    expect(page.locator(".shell-nav-link--current")).to_have_attribute("href", "/wall")

    page.go_back()  # the previous view comes back from the address
    page.wait_for_url(f"**/wall?grid={district.id}")
    expect(page.locator(CRUMBS)).to_have_text([_.name(city), _.name(district)])
    assert page.console_errors == []


def test_a_bookmarked_grid_outside_the_scope_shows_the_users_own(live_server, page, city_sessions):
    district, _ = user_view(city_sessions, "street1")
    neighbour = next(d for d in children(city_sessions, district.parent_id) if d.id != district.id)
    log_in(page, live_server, "street1")
    page.wait_for_url("**/wall")
    page.goto(f"{live_server}/wall?grid={neighbour.id}")
    expect(page.locator(CRUMBS)).to_have_text([_.name(district)])
    expect_map_of(page, children(city_sessions, district.id), _)
    assert page.console_errors == []


def test_an_unknown_address_is_a_translated_page_not_found(live_server, page):
    _ = Translator("zh_Hans")
    log_in(page, live_server, "duty")
    page.wait_for_url("**/wall")
    page.goto(f"{live_server}/no-such-screen")
    expect(page.locator(".screen-not-found")).to_contain_text(_("There is no such page"))
    expect(page.locator(".shell-nav-link--current")).to_have_count(0)
    assert page.console_errors == []


def test_while_the_database_is_gone_the_wall_says_so_and_recovers_by_itself(live, page, city_sessions):
    base_url, centre = live
    city, _ = user_view(city_sessions, "duty")
    log_in(page, base_url, "duty")
    page.wait_for_url("**/wall")
    wait_for_kpis(page)

    centre.sessions.configure(bind=make_engine("postgresql://postgres@127.0.0.1:1/nowhere"))  # nothing listens
    click_polygon(page)
    expect(page.locator("#shell-notice-database")).to_have_text(_("The database cannot be reached; retrying…"))
    expect(page.locator("#wall-map")).to_be_visible()  # the screen keeps what it showed

    updated = page.locator("#wall-updated").inner_text()
    centre.sessions.configure(bind=centre.engine)
    expect(page.locator("#shell-notice-database")).to_be_hidden(timeout=15_000)  # the next retry, within 5 s
    expect(page.locator("#wall-updated")).not_to_have_text(updated)  # read afresh: the map is redrawn
    # The click was lost with the database; the screen works again. (Redrawn, the polygons' order on the
    # page is not the grids' order: any district will do.)
    expect(page.locator(CRUMBS)).to_have_text([_.name(city)])
    click_polygon(page)
    districts = re.compile("|".join(re.escape(_.name(grid)) for grid in children(city_sessions, city.id)))
    expect(page.locator(CRUMBS)).to_have_text([_.name(city), districts])


# Cells of the case table whose text does not fit (AG Grid cuts it with an ellipsis).
CUT_CELLS = """() => [...document.querySelectorAll('#wall-cases .ag-center-cols-container .ag-cell')]
    .filter(cell => cell.scrollWidth > cell.clientWidth + 1 || cell.scrollHeight > cell.clientHeight + 1)
    .map(cell => cell.getAttribute('col-id') + ': ' + cell.textContent)"""


CUT_TILE_LABELS = """() => [...document.querySelectorAll('.wall-kpi-label')]
    .filter(label => label.scrollWidth > label.clientWidth + 1).map(label => label.textContent)"""


def expect_no_cut_cells(page) -> None:
    """Once the rows are read (with the "Updated" stamp) and laid out, no cell's text is cut."""
    expect(page.locator("#wall-updated")).not_to_be_empty()
    expect(page.locator("#wall-cases .ag-row").first).to_be_visible()
    try:
        page.wait_for_function(f"() => ({CUT_CELLS})().length === 0", timeout=5_000)
    except PlaywrightTimeout:
        pass  # the assertion says which
    assert page.evaluate(CUT_CELLS) == []


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_case_tables_columns_are_not_cut_in_either_language(live_server, chromium, size):
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
    wall = context.new_page()
    log_in(wall, live_server, "duty")
    wall.wait_for_url("**/wall")
    for language, open_label in (("English", "To register"), ("简体中文", "待立案")):
        expect_no_cut_cells(wall)
        wall.get_by_text(language, exact=True).click()  # Chinese last: duty reads Chinese in the other tests
        expect(wall.locator(".wall-kpi-label").nth(1)).to_have_text(open_label)
        assert wall.evaluate(CUT_TILE_LABELS) == [], language  # eight tiles in a row, each label whole
    context.close()


def test_below_a_community_the_grid_column_names_only_the_unit_grid(live_server, page, city_sessions):
    city, _ = user_view(city_sessions, "duty")
    community = children(city_sessions, children(city_sessions, city.id)[0].id)[0]
    units = {unit.name for unit in children(city_sessions, community.id)}
    log_in(page, live_server, "duty")
    page.wait_for_url("**/wall")
    page.goto(f"{live_server}/wall?grid={community.id}")
    expect(page.locator(CRUMBS)).to_have_count(3)
    cells = page.locator("#wall-cases .ag-center-cols-container .ag-cell[col-id='grid']")
    expect(cells.first).to_be_visible()
    shown = set(cells.all_inner_texts())
    assert shown and shown <= units, shown
    assert page.console_errors == []


def test_the_legend_shows_fixed_classes_and_lies_below_the_map(live_server, page, city_sessions):
    """The same count has the same colour on every wall and every load: the classes are fixed per level of
    the grids drawn, whatever the counts; the legend lies under the map, covering no grid."""
    city, _ = user_view(city_sessions, "duty")
    log_in(page, live_server, "duty")
    page.wait_for_url("**/wall")
    items = page.locator("#wall-legend-scale .wall-legend-item")
    expect(items).to_have_text(["0", "1–9", "10–24", "25–49", "50–99", "100+"])  # districts
    map_box, legend_box = page.locator("#wall-map").bounding_box(), page.locator(".wall-legend").bounding_box()
    assert legend_box["y"] >= map_box["y"] + map_box["height"]
    page.goto(f"{live_server}/wall?grid={children(city_sessions, city.id)[0].id}")
    expect(items).to_have_text(["0", "1–4", "5–9", "10–19", "20–39", "40+"])  # communities
    assert page.console_errors == []


# The boxes of the map's labels that are shown (not hidden as covering another).
SHOWN_LABELS = """() => [...document.querySelectorAll('#wall-map .wall-grid-label')]
    .filter(label => getComputedStyle(label).opacity !== '0')
    .map(label => { const r = label.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""


OVERLAP = """boxes => boxes.some((a, i) => boxes.slice(i + 1).some(b =>
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]))"""


def overlapping(boxes: list[list[float]]) -> list[tuple[int, int]]:
    return [(i, j) for i, a in enumerate(boxes) for j, b in enumerate(boxes[i + 1:], i + 1)
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]


def test_the_maps_labels_do_not_overlap_in_english(live_server, page, city_sessions):
    city, _ = user_view(city_sessions, "duty")
    district = children(city_sessions, city.id)[0]
    log_in(page, live_server, "duty")
    page.wait_for_url("**/wall")
    page.get_by_text("English", exact=True).click()
    try:
        for grid, grids in ((city, children(city_sessions, city.id)), (district, children(city_sessions, district.id))):
            page.goto(f"{live_server}/wall?grid={grid.id}")
            expect(page.locator(LABELS)).to_have_text([g.name_en for g in grids])
            try:  # the labels settle once the map is at the grid; a failure is told by the assertion
                page.wait_for_function(f"() => ({SHOWN_LABELS})().length && !({OVERLAP})(({SHOWN_LABELS})())",
                                       timeout=5_000)
            except PlaywrightTimeout:
                pass
            boxes = page.evaluate(SHOWN_LABELS)
            assert boxes and overlapping(boxes) == []
    finally:
        page.get_by_text("简体中文", exact=True).click()  # duty reads Chinese in the other tests
        expect(page.locator(".wall-kpi-label").nth(1)).to_have_text("待立案")
    assert page.console_errors == []
