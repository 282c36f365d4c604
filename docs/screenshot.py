"""Screenshots of the wall display for the docs: docs/wall.png (1920x1080) and docs/wall-1366.png.

Seeds the small demo city into a temporary SQLite file, adds a morning's worth of live reports,
serves it on a free port (no simulator), signs in as `duty` in headless Debian Chromium and stops.

    /work/venv/bin/python docs/screenshot.py [--language en|zh_Hans]
"""
from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from backend.platform.config import Config  # noqa: E402
from backend.platform.db import make_engine, session_factory  # noqa: E402
from backend.geo.locator import GridLocator  # noqa: E402
from backend.platform.migrate import upgrade  # noqa: E402
from backend.models import User  # noqa: E402
from backend.demo.seed import DEMO_PASSWORD, seed_city  # noqa: E402
from backend.demo.simulator import Simulator  # noqa: E402
from dashboard.app import create_app  # noqa: E402

SHOTS = {"wall.png": (1920, 1080), "wall-1366.png": (1366, 768)}
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
    """The seeded city, plus new reports over the last few hours so today's figures are not all zero."""
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(timezone.utc)
    seed_city(engine, "small", 1, now - LIVE_REPORTS * REPORT_SPACING, demo_users=True)
    sessions = session_factory(engine)
    with sessions() as session:
        locator = GridLocator.from_session(session)
        session.scalar(select(User).where(User.username == "duty")).language = language
        session.commit()
    simulator = Simulator(sessions, locator, Config(timezone=tz), seed=1)
    for k in range(LIVE_REPORTS, 0, -1):
        simulator.step(now - k * REPORT_SPACING)
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


def shoot(browser, base_url: str, size: tuple[int, int], tz: str, path: Path) -> None:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, timezone_id=tz)
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", "duty")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/wall")
    page.wait_for_function("""() => /^\\d+$/.test(document.getElementById('wall-kpi-open_cases')?.textContent)
        && document.querySelectorAll('#wall-map .wall-grid-label').length > 0
        && document.querySelectorAll('#wall-cases .ag-row').length > 0""")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.evaluate(MAP_SETTLED)
    page.screenshot(path=str(path))
    context.close()
    print(f"saved {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=["zh_Hans", "en"], default="zh_Hans")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = Config(database_url=f"sqlite:///{folder}/city.sqlite", simulator=False, port=free_port())
        prepare_city(config.database_url, args.language, config.timezone)
        with serving(config) as base_url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, size in SHOTS.items():
                shoot(browser, base_url, size, config.timezone, ROOT / "docs" / name)
            browser.close()


if __name__ == "__main__":
    main()
