"""The wall is live: a call taken on the hotline in one browser shows on another browser's wall at once,
pushed over Socket.IO and applied in the page, with no request from the wall."""
import re
import threading

import pytest
from playwright.sync_api import expect

from tests.test_hotline_browser import NUMBER, open_hotline
from tests.test_wall_browser import log_in, wait_for_kpis


@pytest.fixture
def relay(live):
    """The relay thread a serving process runs (the test server starts no background work of its own)."""
    _, centre = live
    stop = threading.Event()
    thread = threading.Thread(target=centre.relay.run, args=(stop,), daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


def kpi(page, key: str) -> int:
    return int(page.locator(f"#wall-kpi-{key}").inner_text())


def test_a_hotline_call_in_one_browser_appears_on_another_browsers_wall(live, relay, page, chromium):
    base, _ = live
    log_in(page, base, "duty")
    page.wait_for_url("**/wall")
    wait_for_kpis(page)
    expect(page.locator("#wall-live")).to_have_class(re.compile("wall-live--on"))
    reports, open_cases = kpi(page, "reports_today"), kpi(page, "open_cases")
    wall_requests: list[str] = []
    page.on("request", lambda request: wall_requests.append(request.url) if "_dash-update" in request.url else None)

    operator = chromium.new_context(viewport={"width": 1366, "height": 768}).new_page()
    open_hotline(operator, base, "dispatcher")
    operator.fill("#hotline-phone", "13800138000")
    operator.fill("#hotline-description", "路灯不亮")
    operator.locator(".hotline-quick").first.click()
    operator.locator("#hotline-address").fill("东风路 12 号")
    operator.keyboard.press("Enter")
    number = operator.locator("#hotline-case-number")
    expect(number).to_have_text(NUMBER)

    expect(page.locator("#wall-cases .ag-row[row-index='0']")).to_contain_text(number.inner_text())
    expect(page.locator("#wall-kpi-reports_today")).to_have_text(str(reports + 1))
    expect(page.locator("#wall-kpi-open_cases")).to_have_text(str(open_cases + 1))
    assert wall_requests == []  # applied in the page: no server round trip per event
    assert page.console_errors == []
    operator.context.close()


def test_a_located_report_raises_its_districts_count_on_the_map(live, relay, page, city_sessions):
    from datetime import datetime, timezone

    import requests
    import shapely
    from sqlalchemy import select

    from backend.models import Grid
    from backend.tokens import issue_token

    base, _ = live
    with city_sessions() as session:
        district = session.scalar(select(Grid).where(Grid.level == 1).order_by(Grid.code))
        unit = session.scalar(select(Grid).where(Grid.level == 3, Grid.code.startswith(district.code + "-")))
        point = shapely.from_geojson(unit.geometry).point_on_surface()
        token = issue_token(session, "dispatcher", "test", datetime.now(timezone.utc))
        session.commit()
    log_in(page, base, "duty")
    page.wait_for_url("**/wall")
    wait_for_kpis(page)
    expect(page.locator("#wall-live")).to_have_class(re.compile("wall-live--on"))
    label = page.locator(".wall-grid-label").filter(has_text=district.name)
    before = int(re.search(r"(\d+)\D*$", label.inner_text()).group(1))
    expect(page.locator("#wall-map path.leaflet-interactive")).to_have_count(6)

    created = requests.post(f"{base}/api/v1/reports", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                            json={"channel": "web", "description": "井盖缺失", "category_code": "CA-01-01",
                                  "lon": point.x, "lat": point.y})
    assert created.status_code == 201
    # The label is redrawn: for a moment the old one fades out beside the new one.
    expect(label.filter(has_text=re.compile(rf"\b{before + 1}\b"))).to_have_count(1)
    expect(label).to_have_count(1)
    expect(page.locator("#wall-map path.leaflet-interactive")).to_have_count(6)  # patched, not duplicated
    assert page.console_errors == []
