"""The Content-Security-Policy in a real browser: the wall, the hotline and the sign-in page render with no
violation (Dash's inline scripts pass by their hashes, nothing needs eval), the basemap's tiles load when
configured, and no foreign page can frame the product."""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from backend.platform.config import Config
from tests.conftest import free_port
from tests.test_hotline_browser import open_hotline
from tests.test_wall_browser import log_in, wait_for_kpis

# Every document records the violations its policy reports.
RECORD_VIOLATIONS = """window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
    e => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));"""
TILES = "http://tiles.example.gov"
# A 1x1 transparent PNG, served as every tile.
PIXEL = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                      "1f15c4890000000d49444154789c6360000002000100e5270de40000000049454e44ae426082")


def watched(page):
    """The page, recording policy violations and every console message that mentions the policy."""
    page.add_init_script(RECORD_VIOLATIONS)
    page.policy_messages = []
    page.on("console", lambda m: page.policy_messages.append(m.text) if "Content Security Policy" in m.text
            else None)
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.cspViolations") + page.policy_messages + page.console_errors


def test_the_sign_in_page_wall_and_hotline_render_within_the_policy(live_server, page):
    watched(page)
    page.goto(f"{live_server}/login")
    expect(page.locator("input[name=password]")).to_be_visible()
    expect(page.locator(".login-card form")).to_have_css("display", "grid")  # theme.css applied
    assert violations(page) == []

    log_in(page, live_server, "dispatcher")
    page.wait_for_url("**/wall")
    wait_for_kpis(page)
    expect(page.locator("#wall-map path.leaflet-interactive").first).to_be_attached()  # the map drew its grids
    expect(page.locator("#wall-cases .ag-row").first).to_be_visible()
    assert violations(page) == []

    open_hotline(page, live_server, "dispatcher")
    expect(page.locator("#hotline-phone")).to_be_visible()
    expect(page.locator(".hotline-quick").first).to_be_visible()
    assert violations(page) == []


@pytest.fixture
def tiled_server(city_url):
    """The command centre with a basemap from another origin (answered by the browser's route below)."""
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    port = free_port()
    centre = create_app(Config(database_url=city_url, demo=True, simulator=False, secret_key="test-secret",
                               port=port, tile_url=f"{TILES}/{{z}}/{{x}}/{{y}}.png"))
    server = make_server("127.0.0.1", port, centre.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    centre.engine.dispose()


def test_the_configured_basemaps_tiles_load_within_the_policy(tiled_server, page):
    watched(page)
    served = []
    page.route(f"{TILES}/**", lambda route: served.append(route.request.url)
               or route.fulfill(body=PIXEL, content_type="image/png"))
    log_in(page, tiled_server, "duty")
    page.wait_for_url("**/wall")
    wait_for_kpis(page)
    expect(page.locator("#wall-map img.leaflet-tile-loaded").first).to_be_attached()
    assert served and violations(page) == []


@pytest.fixture
def framing_page(live_server):
    """A page of another origin on this machine (another port) that frames the wall."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = f'<iframe id="framed" src="{live_server}/wall"></iframe>'.encode()

    class Framing(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Framing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_a_foreign_page_cannot_frame_the_wall(live_server, framing_page, page):
    log_in(page, live_server, "duty")
    page.wait_for_url("**/wall")
    page.goto(framing_page)  # waits for the frame's load too
    framed = page.frames[-1]
    assert framed.url == "chrome-error://chromewebdata/"  # refused
    assert "ERR_BLOCKED_BY_RESPONSE" in framed.evaluate("JSON.stringify(loadTimeDataRaw)")
    frame = page.frame_locator("#framed")
    expect(frame.locator("#wall-kpi-open_cases")).to_have_count(0)
    expect(frame.locator("input[name=password]")).to_have_count(0)
