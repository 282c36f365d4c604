"""The wall is live: a call taken on the hotline in one browser shows on another browser's wall at once,
pushed over Socket.IO and applied in the page, with no request from the wall."""
import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from backend.cases.sweeper import system_actor
from backend.cases.workflow import perform
from backend.geo.scope import Scope
from backend.indicators.wall import wall_kpis
from backend.models import Case
from tests.test_workflow import World
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


def open_live_wall(page, base: str) -> None:
    """Signed in as the city's duty officer, the wall read and its live link up."""
    log_in(page, base, "duty")
    page.wait_for_url("**/wall")
    wait_for_kpis(page)
    expect(page.locator("#live-badge")).to_have_class(re.compile("live-badge--on"))


def kpi(page, key: str) -> int:
    return int(page.locator(f"#wall-kpi-{key}").inner_text())


def test_a_hotline_call_in_one_browser_appears_on_another_browsers_wall(live, relay, page, chromium):
    base, _ = live
    open_live_wall(page, base)
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


def test_located_reports_raise_their_districts_count_on_the_map(live, relay, page, city_sessions):
    from datetime import datetime, timezone

    import requests
    import shapely
    from sqlalchemy import select

    from backend.models import Grid
    from backend.accounts.tokens import issue_token

    base, _ = live
    with city_sessions() as session:
        district = session.scalar(select(Grid).where(Grid.level == 1).order_by(Grid.code))
        unit = session.scalar(select(Grid).where(Grid.level == 3, Grid.code.startswith(district.code + "-")))
        point = shapely.from_geojson(unit.geometry).point_on_surface()
        token = issue_token(session, "dispatcher", "test", datetime.now(timezone.utc))
        session.commit()
    open_live_wall(page, base)
    label = page.locator(".wall-grid-label").filter(has_text=district.name)
    expect(label).to_have_count(1)  # a redrawn map fades its old labels out for a moment
    before = int(re.search(r"(\d+)\D*$", label.inner_text()).group(1))
    expect(page.locator("#wall-map path.leaflet-interactive")).to_have_count(6)

    for description in ("井盖缺失", "路灯不亮"):  # the map redraws at most once a second: the second waits
        created = requests.post(f"{base}/api/v1/reports", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                                json={"channel": "web", "description": description, "category_code": "CA-01-01",
                                      "lon": point.x, "lat": point.y})
        assert created.status_code == 201
    # The label is redrawn: for a moment the old one fades out beside the new one.
    expect(label.filter(has_text=re.compile(rf"\b{before + 2}\b"))).to_have_count(1)
    expect(label).to_have_count(1)
    expect(page.locator("#wall-map path.leaflet-interactive")).to_have_count(6)  # patched, not duplicated
    assert page.console_errors == []


def test_a_wall_that_lost_its_link_applies_what_it_missed_once_and_in_order(live, relay, page, city_sessions):
    """Offline, three reports arrive; back online, the wall asks for what it missed (GET /api/v1/events) and
    applies exactly those, in order, without reading the whole wall again."""
    from datetime import datetime, timezone

    import requests

    from backend.accounts.tokens import issue_token

    base, _ = live
    with city_sessions() as session:
        token = issue_token(session, "dispatcher", "test", datetime.now(timezone.utc))
        session.commit()
    # The wall goes on from its first read with a catch-up of its own: that one is answered before the link drops.
    with page.expect_response(lambda response: "/api/v1/events" in response.url):
        log_in(page, base, "duty")
        page.wait_for_url("**/wall")
    wait_for_kpis(page)
    badge = page.locator("#live-badge")
    expect(badge).to_have_class(re.compile("live-badge--on"))
    reports = kpi(page, "reports_today")
    traffic: list[str] = []
    page.on("request", lambda request: traffic.append(request.url.split("?")[0].removeprefix(base))
            if "_dash-update" in request.url or "/api/v1/events" in request.url else None)

    page.context.set_offline(True)
    expect(badge).to_have_class(re.compile("live-badge--offline"))
    numbers = []
    for description in ("路灯不亮", "井盖缺失", "垃圾满溢"):
        created = requests.post(f"{base}/api/v1/reports", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                                json={"channel": "web", "description": description, "category_code": "CA-01-01"})
        numbers.append(created.json()["number"])
    page.context.set_offline(False)

    expect(badge).to_have_class(re.compile("live-badge--on"))
    expect(page.locator("#wall-kpi-reports_today")).to_have_text(str(reports + 3))
    newest_first = [page.locator(f"#wall-cases .ag-row[row-index='{i}']") for i in range(3)]
    for row, number in zip(newest_first, reversed(numbers)):
        expect(row).to_contain_text(number)
    assert traffic == ["/api/v1/events"]  # what was missed, once, never the whole wall again
    # Going offline makes the browser log failed requests; nothing else may fail.
    assert [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def test_the_wall_knows_when_the_citys_day_has_changed(live, page):
    """The "today" tiles are read afresh once the city's local day differs from the day they were read on
    (assets/live.js, `newDay`, asked every 30 s); on the same day nothing is read."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    base, centre = live
    log_in(page, base, "duty")
    page.wait_for_url("**/wall")
    wait_for_kpis(page)
    zone = centre.config.timezone
    today = datetime.now(ZoneInfo(zone)).date()
    new_day = "focus => typeof window.commandCentre.newDay(focus) === 'number'"
    # Around midnight the browser may already be on the next day: allow the day after as "today" then.
    assert not page.evaluate(new_day, {"day": str(today), "timezone": zone}) or \
        datetime.now(ZoneInfo(zone)).date() != today
    assert page.evaluate(new_day, {"day": str(today - timedelta(days=1)), "timezone": zone})


def test_pushes_faster_than_the_page_are_all_applied_once_and_in_order(live, page, city_sessions):
    """Forty pushes back to back: Dash hands the page only the last of several quick pushes, so the
    page must notice (each push names the previous event of its room) and fetch what it was not given."""
    from datetime import datetime, timezone

    from backend.platform.config import Config
    from backend.cases.intake import ReportIn, submit_report

    base, centre = live
    open_live_wall(page, base)
    for stop in centre.background:  # this test pushes by hand, one event per message
        stop.set()
    reports = kpi(page, "reports_today")
    numbers = []
    for index in range(40):
        with city_sessions() as session:
            case = submit_report(session, ReportIn(channel="web", description=f"burst {index}",
                                                   category_code="CA-01-01"),
                                 centre.locator, datetime.now(timezone.utc), Config())
            session.commit()
            numbers.append(case.number)
    centre.relay.publish_pending()
    published = centre.bus.read_after(None, limit=40).events
    for event in published:
        centre.follower.push([event])
    expect(page.locator("#wall-kpi-reports_today")).to_have_text(str(reports + 40))
    shown = [page.locator(f"#wall-cases .ag-row[row-index='{i}']").inner_text() for i in range(10)]
    assert [next(n for n in numbers if n in row) for row in shown] == numbers[::-1][:10]
    assert page.console_errors == []


def test_a_change_the_wall_read_from_the_database_is_not_counted_again_when_its_event_comes(live, page,
                                                                                            city_sessions):
    """The relay is late (as after an outage): a report is in the database, not yet in the stream, when the
    wall reads its figures. Its event, arriving after, must not count it twice; the next report counts once."""
    from datetime import datetime, timezone

    from backend.platform.config import Config
    from backend.cases.intake import ReportIn, submit_report

    base, centre = live

    def report(description: str) -> None:
        with city_sessions() as session:
            submit_report(session, ReportIn(channel="web", description=description, category_code="CA-01-01"),
                          centre.locator, datetime.now(timezone.utc), Config())
            session.commit()

    report("井盖缺失")  # committed, unpublished: no relay runs until the test says so
    open_live_wall(page, base)
    reports = kpi(page, "reports_today")
    centre.relay.publish_pending()  # the late event of the report the wall has already counted
    report("路灯不亮")
    centre.relay.publish_pending()
    expect(page.locator("#wall-kpi-reports_today")).to_have_text(str(reports + 1))
    assert page.console_errors == []


def test_an_approved_postponement_of_a_red_carded_case_takes_it_off_the_overdue_tile(live, relay, page,
                                                                                      city_sessions):
    """Overdue counts red-carded open cases; an approved postponement resets the card, and its event says so."""
    base, centre = live
    at = datetime.now(timezone.utc)
    with city_sessions() as session:
        case_id = World(session).case("handling", created_at=at, updated_at=at, deadline=at - timedelta(hours=1),
                                      card="red", postpone_requested_hours=24.0).id
        session.commit()
    open_live_wall(page, base)
    overdue = kpi(page, "overdue")
    with city_sessions() as session:
        world = World(session)
        perform(session, world.actor("dispatcher"), case_id, "approve_postpone", {}, datetime.now(timezone.utc),
                centre.config)
        session.commit()
        fresh = wall_kpis(session, Scope.of_grid(world.city), datetime.now(timezone.utc), centre.config.timezone)
    assert fresh["overdue"] == overdue - 1
    expect(page.locator("#wall-kpi-overdue")).to_have_text(str(fresh["overdue"]))
    assert page.console_errors == []


def test_the_overdue_tile_turns_red_when_a_pushed_red_card_makes_the_first_overdue_case(live, relay, page,
                                                                                        city_sessions):
    base, centre = live
    at = datetime.now(timezone.utc)
    with city_sessions() as session:
        session.execute(update(Case).values(card="none"))
        case_id = World(session).case("handling", created_at=at, updated_at=at, deadline=at - timedelta(hours=1)).id
        session.commit()
    open_live_wall(page, base)
    tile = page.locator("#wall-tile-overdue")
    assert kpi(page, "overdue") == 0 and "wall-kpi--alert" not in tile.get_attribute("class")
    with city_sessions() as session:
        perform(session, system_actor(session), case_id, "mark_card", {"card": "red"}, datetime.now(timezone.utc),
                centre.config)
        session.commit()
    expect(page.locator("#wall-kpi-overdue")).to_have_text("1")
    expect(tile).to_have_class(re.compile("wall-kpi--alert"))
    assert page.console_errors == []


def test_the_updated_stamp_shows_when_the_last_change_the_wall_applied_was_made(live, page, city_sessions):
    """Pushed changes move the "Updated" stamp to the time of the last one applied, not of the last read."""
    from zoneinfo import ZoneInfo

    from backend.platform.config import Config
    from backend.cases.intake import ReportIn, submit_report

    base, centre = live
    open_live_wall(page, base)
    read_stamp = page.locator("#wall-updated").inner_text()
    made = (datetime.now(timezone.utc) - timedelta(minutes=37)).replace(microsecond=0)
    with city_sessions() as session:
        submit_report(session, ReportIn(channel="web", description="井盖缺失", category_code="CA-01-01"),
                      centre.locator, made, Config())
        session.commit()
    centre.relay.publish_pending()
    stamp = "更新于 " + f"{made.astimezone(ZoneInfo(centre.config.timezone)):%H:%M:%S}"  # duty reads Chinese
    expect(page.locator("#wall-updated")).to_have_text(stamp)
    assert read_stamp != stamp
    assert page.console_errors == []


def signed_change(text: str) -> int:
    """The change a tile's comparison line shows ("较昨日同时 ▲49", "▼3", "±0")."""
    match = re.search(r"([▲▼±])(\d+)", text)
    assert match, text
    return {"▲": 1, "▼": -1, "±": 0}[match[1]] * int(match[2])


def test_every_tile_compares_with_yesterday_and_a_pushed_report_moves_its_tiles_change(live, relay, page,
                                                                                      city_sessions):
    import requests

    from backend.accounts.tokens import issue_token

    base, _ = live
    with city_sessions() as session:
        token = issue_token(session, "dispatcher", "test", datetime.now(timezone.utc))
        session.commit()
    open_live_wall(page, base)
    changes = page.locator(".wall-kpi-delta")
    expect(changes).to_have_count(8)
    for index in range(6):  # the counts; a rate shows no change where yesterday had nothing to divide by
        expect(changes.nth(index)).to_have_text(re.compile(r"[▲▼±]\d+"))
    reports = page.locator("#wall-delta-reports_today")
    before = signed_change(reports.inner_text())
    created = requests.post(f"{base}/api/v1/reports", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                            json={"channel": "web", "description": "路灯不亮", "category_code": "CA-01-01"})
    assert created.status_code == 201, created.text
    expect(page.locator("#wall-cases .ag-row[row-index='0']")).to_contain_text(created.json()["number"])
    expect(reports).to_have_text(re.compile(r"[▲▼±]\d+"))
    page.wait_for_function("([id, before]) => { const m = document.getElementById(id).textContent.match(/([▲▼±])(\\d+)/);"
                           " return m && ({'▲': 1, '▼': -1, '±': 0}[m[1]] * +m[2]) === before + 1; }",
                           arg=["wall-delta-reports_today", before])
    assert page.console_errors == []
