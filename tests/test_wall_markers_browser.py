"""The wall map's open cases in Debian Chromium: clustered markers, a new report's marker appearing live with its
pulse and leaving when the case is cancelled (no request from the wall), and the grid panel beside the map."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import requests
import shapely
from playwright.sync_api import expect
from sqlalchemy import select

from backend.accounts.tokens import issue_token
from backend.geo.markers import open_markers
from backend.geo.scope import Scope
from backend.models import Grid, Person, person_grid
from backend.platform.i18n import Translator
from tests.conftest import watched_page
from tests.test_live_wall_browser import open_live_wall, relay  # noqa: F401  (a fixture)
from tests.test_wall_browser import (
    CRUMBS,
    POLYGONS,
    click_polygon,
    log_in,
    wait_for_kpis,
)

# Cases the map draws: the counts of the clusters and the single markers (supercluster draws those in view; the
# wall fits the map to its grids, so that is every one).
DRAWN = """() => [...document.querySelectorAll('#wall-map .wall-cluster span')]
    .reduce((sum, span) => sum + Number(span.textContent), 0)
    + document.querySelectorAll('#wall-map .leaflet-marker-icon.wall-marker').length"""


# The map's zoom: Leaflet scales its zoom-animation proxy by 2^(zoom - 1).
ZOOM = """() => 1 + Math.log2(Number(document.querySelector('#wall-map .leaflet-proxy').style.transform
    .match(/scale\\(([^)]+)\\)/)[1]))"""


def drawn_is(page, count: int) -> None:
    page.wait_for_function(f"count => ({DRAWN})() === count", arg=count)


def located_markers(sessions, grid_id: int) -> int:
    with sessions() as session:
        return open_markers(session, Scope.of_grid(session.get(Grid, grid_id)))["count"]


def test_the_walls_map_draws_every_located_open_case_clustered(live_server, page, city_sessions):
    with city_sessions() as session:
        city = session.scalar(select(Grid).where(Grid.level == 0))
    log_in(page, live_server, "duty")
    page.wait_for_url("**/wall")
    wait_for_kpis(page)
    expect(page.locator("#wall-map .wall-cluster").first).to_be_visible()
    drawn_is(page, located_markers(city_sessions, city.id))

    # A cluster clicked zooms the map in, to where it splits; the wall stays on the grid it shows.
    zoom = page.evaluate(ZOOM)
    page.locator("#wall-map .wall-cluster").first.click()
    page.wait_for_function(f"zoom => ({ZOOM})() > zoom", arg=zoom)
    expect(page.locator(CRUMBS)).to_have_count(1)
    assert "grid=" not in page.url
    assert page.console_errors == []


def test_a_new_report_adds_its_marker_live_with_a_pulse_and_cancelling_it_removes_it(live, relay, page,  # noqa: F811
                                                                                     city_sessions):
    base, _ = live
    with city_sessions() as session:
        city = session.scalar(select(Grid).where(Grid.level == 0))
        unit = session.scalar(select(Grid).where(Grid.level == 3).order_by(Grid.code))
        point = shapely.from_geojson(unit.geometry).point_on_surface()
        token = issue_token(session, "dispatcher", "test", datetime.now(UTC))
        session.commit()
    open_live_wall(page, base)
    before = located_markers(city_sessions, city.id)
    drawn_is(page, before)
    collected = int(page.locator("#wall-open-collected").inner_text())
    wall_requests: list[str] = []
    page.on("request", lambda request: wall_requests.append(request.url) if "_dash-update" in request.url else None)

    created = requests.post(f"{base}/api/v1/reports", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                            json={"channel": "web", "description": "井盖缺失", "category_code": "CA-01-01",
                                  "lon": point.x, "lat": point.y})
    assert created.status_code == 201
    # It pulses where it happened, however the markers around it are clustered.
    expect(page.locator("#wall-map .leaflet-marker-icon.wall-pulse.wall-marker--to_register")).to_have_count(1)
    drawn_is(page, before + 1)
    expect(page.locator("#wall-open-collected")).to_have_text(str(collected + 1))
    expect(page.locator("#wall-map .wall-pulse")).to_have_count(0, timeout=15_000)  # for a few seconds only

    cancelled = requests.post(f"{base}/api/v1/cases/{created.json()['id']}/actions/cancel", timeout=10,
                              headers={"Authorization": f"Bearer {token}"}, json={"params": {"note": "test"}})
    assert cancelled.status_code == 200, cancelled.text
    drawn_is(page, before)
    expect(page.locator("#wall-open-collected")).to_have_text(str(collected))
    assert wall_requests == []  # applied in the page: no server round trip per event
    assert page.console_errors == []


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_panel_and_the_markers_legend_fit_beside_and_below_the_map_without_scrolling(live_server, chromium,
                                                                                          size):
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
    wall = watched_page(context)
    log_in(wall, live_server, "duty")
    wall.wait_for_url("**/wall")
    wait_for_kpis(wall)
    expect(wall.locator("#wall-panel-persons .wall-grid-panel-person").first).to_be_visible()
    _ = Translator("zh_Hans")
    expect(wall.locator(".wall-legend-group").nth(1).locator(".wall-legend-item")).to_have_text(
        [_("To register"), _("Under way"), _("Yellow card"), _("Red card")])
    box = {name: wall.locator(selector).bounding_box() for name, selector in (
        ("map", "#wall-map"), ("panel", "#wall-grid-panel"), ("legend", ".wall-legend"))}
    assert box["panel"]["x"] >= box["map"]["x"] + box["map"]["width"]  # beside the map, not over it
    assert box["legend"]["y"] >= box["map"]["y"] + box["map"]["height"]
    # No person's row is cut by the panel's edge: those that do not fit are not shown at all.
    panel_bottom = box["panel"]["y"] + box["panel"]["height"]
    rows = [row.bounding_box() for row in wall.locator("#wall-panel-persons .wall-grid-panel-person").all()]
    assert all(row["y"] + row["height"] <= panel_bottom or row["x"] >= box["panel"]["x"] + box["panel"]["width"]
               for row in rows)
    assert wall.evaluate("document.documentElement.scrollHeight <= window.innerHeight "
                         "&& document.documentElement.scrollWidth <= window.innerWidth")
    assert wall.console_errors == []
    context.close()


def persons_of(sessions, grid_id: int) -> list[Person]:
    with sessions() as session:
        return session.scalars(select(Person).join(person_grid).where(person_grid.c.grid_id == grid_id)
                               .order_by(Person.id)).all()


def test_the_grid_panel_follows_the_grid_shown_with_its_persons_and_phones(live_server, page, city_sessions):
    with city_sessions() as session:
        city = session.scalar(select(Grid).where(Grid.level == 0))
        districts = session.scalars(select(Grid).where(Grid.parent_id == city.id).order_by(Grid.code)).all()
    log_in(page, live_server, "duty")
    page.wait_for_url("**/wall")
    wait_for_kpis(page)
    head = page.locator("#wall-panel-head")
    expect(head).to_contain_text(city.code)
    expect(page.locator("#wall-panel-persons .wall-person-phone").first).to_have_text(
        persons_of(city_sessions, city.id)[0].phone)

    expect(page.locator(POLYGONS)).to_have_count(len(districts))
    click_polygon(page)
    expect(head).to_have_text(re.compile(rf"{districts[0].name}\s*{districts[0].code}"))
    first = persons_of(city_sessions, districts[0].id)[0]
    expect(page.locator("#wall-panel-persons .wall-grid-panel-person").first).to_contain_text(first.name)
    expect(page.locator("#wall-panel-persons .wall-person-phone").first).to_have_text(first.phone)
    assert page.url.endswith(f"?grid={districts[0].id}")  # the panel's grid is the bookmarked one
    assert page.console_errors == []


def test_the_kiosk_shows_who_is_responsible_but_not_their_phones(live_server, page):
    log_in(page, live_server, "wall")
    page.wait_for_url("**/wall")
    wait_for_kpis(page)
    expect(page.locator("#wall-panel-persons .wall-grid-panel-person").first).to_be_visible()
    expect(page.locator("#wall-panel-persons .wall-person-phone")).to_have_count(0)
    assert page.console_errors == []
