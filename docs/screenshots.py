"""Screenshots of every screen for the docs, into docs/screenshots/ (the README shows them).

Seeds the small demo city into a temporary SQLite file and plays a morning of it (live reports, and the staff
at work on them), serves it on a free port (no simulator), signs in as each screen's user in headless Debian
Chromium, and saves each screen at the sizes it must work at.

    /work/venv/bin/python docs/screenshots.py [--language en|zh_Hans] [--only NAME]
"""
from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import update  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from backend.platform.config import Config  # noqa: E402
from backend.platform.db import make_engine, session_factory  # noqa: E402
from backend.geo.locator import GridLocator  # noqa: E402
from backend.platform.migrate import upgrade  # noqa: E402
from backend.models import User  # noqa: E402
from backend.demo.seed import DEMO_PASSWORD, seed_city  # noqa: E402
from backend.demo.simulator import Simulator  # noqa: E402
from backend.demo.staff import StaffPlayer  # noqa: E402
from dashboard.app import create_app  # noqa: E402

FOLDER = ROOT / "docs" / "screenshots"
PHONE = (390, 844)


@dataclass(frozen=True)
class Shot:
    name: str
    user: str
    path: str
    sizes: tuple[tuple[int, int], ...]
    ready: str  # a JS expression true once the screen has drawn what it shows
    click: str = ""  # what to click once it is ready (e.g. a case in a queue), awaiting `shown` after it
    shown: str = "true"


WALL_READY = """/^\\d+$/.test(document.getElementById('wall-kpi-open_cases')?.textContent)
    && document.querySelectorAll('#wall-map .wall-grid-label').length > 0
    && document.querySelectorAll('#wall-cases .ag-row').length > 0
    && document.querySelectorAll('#wall-map .wall-marker, #wall-map .wall-cluster').length > 0
    && document.querySelectorAll('#wall-panel-persons li').length > 0"""
SHOTS = (
    Shot("login", "", "/login", ((1366, 768),), "document.querySelector('input[name=username]') !== null"),
    Shot("wall", "duty", "/wall", ((1366, 768), (1920, 1080), (3840, 2160)), WALL_READY),
    Shot("wall-kiosk", "wall", "/wall?kiosk=1", ((1920, 1080),), WALL_READY),
    Shot("dispatch", "dispatcher", "/dispatch", ((1366, 768), (1920, 1080)),
         "document.querySelectorAll('#dispatch-queue .ag-row[row-id]').length > 0",
         click="#dispatch-queue .ag-row[row-index='0'] .ag-cell[col-id='number']",
         shown="document.querySelector('#case-panel .case-number') !== null"
               " && document.querySelector('#case-map .leaflet-overlay-pane path') !== null"),
    Shot("hotline", "duty", "/hotline", ((1366, 768),), "document.querySelector('#hotline') !== null"),
    Shot("tasks", "gridworker", "/tasks", (PHONE, (1366, 768)), "document.querySelector('#tasks') !== null"),
)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LIVE_REPORTS = 60
REPORT_SPACING = timedelta(minutes=3)
# Resolves once the first polygon has kept its place on screen for 10 frames: the map's fly-to has ended.
MAP_SETTLED = """() => new Promise(resolve => {
    let last = '', still = 0;
    const tick = () => {
        const box = JSON.stringify(document.querySelector('#wall-map path.leaflet-interactive').getBoundingClientRect());
        still = box === last ? still + 1 : 0;
        last = box;
        still >= 10 ? resolve(true) : requestAnimationFrame(tick);
    };
    tick();
})"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_city(url: str, language: str, tz: str) -> None:
    """The seeded city, plus new reports over the last few hours, handled by the staff, so nothing reads zero."""
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(timezone.utc)
    seed_city(engine, "small", 1, now - LIVE_REPORTS * REPORT_SPACING, demo_users=True)
    sessions = session_factory(engine)
    with sessions() as session:
        locator = GridLocator.from_session(session)
        session.execute(update(User).values(language=language))
        session.commit()
    config = Config(timezone=tz)
    simulator, staff = Simulator(sessions, locator, config, seed=1), StaffPlayer(sessions, config, seed=1)
    for k in range(LIVE_REPORTS, 0, -1):
        simulator.step(now - k * REPORT_SPACING)
        staff.play(now - k * REPORT_SPACING)
    engine.dispose()


@contextmanager
def serving(config: Config):
    centre = create_app(config)
    server = make_server("127.0.0.1", config.port, centre.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.shutdown()
        centre.engine.dispose()


def shoot(browser, base_url: str, shot: Shot, size: tuple[int, int], tz: str) -> None:
    phone = size == PHONE
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, timezone_id=tz,
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    if shot.user:
        page.goto(f"{base_url}/login")
        page.fill("input[name=username]", shot.user)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
    page.goto(base_url + shot.path)
    page.wait_for_function(f"() => {shot.ready}")
    if shot.click:
        page.click(shot.click)
        page.wait_for_function(f"() => {shot.shown}")
    page.evaluate("document.fonts.ready.then(() => true)")
    if page.query_selector("#wall-map path.leaflet-interactive"):
        page.evaluate(MAP_SETTLED)
    path = FOLDER / f"{shot.name}-{size[0]}.png"
    page.screenshot(path=str(path))
    context.close()
    print(f"saved {path.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=["zh_Hans", "en"], default="zh_Hans")
    parser.add_argument("--only", choices=[shot.name for shot in SHOTS], help="one screen only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = Config(database_url=f"sqlite:///{folder}/city.sqlite", simulator=False, port=free_port())
        prepare_city(config.database_url, args.language, config.timezone)
        with serving(config) as base_url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for shot in SHOTS:
                for size in shot.sizes if args.only in (None, shot.name) else ():
                    shoot(browser, base_url, shot, size, config.timezone)
            browser.close()


if __name__ == "__main__":
    main()
