"""The screens at a million past cases (issue 12 §5), on PostgreSQL and on SQLite.

Each database holds the zhengzhou city seeded with `seed --cases N` (N = 1,000,000; --quick: the city scale
with 20,000). On it, with the embedded server (`python -m dashboard serve --no-simulator`; PostgreSQL with
REDIS_URL as the event stream, as in production):

- queue: one page of 100 rows (backend.cases.queries.queue, in process, the city-wide scope) under each filter
  the console offers, each tab, a street dispatcher's own queue, and the searches (case number, a number's
  day, words found and not found, an address, a phone); p95 of REPEAT each; queue_p95_ms is the worst.
  counts: the tabs' counts (queries.tab_counts), the same way.
- panel: the server time of the case panel's callback (`case-body`, posted over HTTP as the browser posts it)
  for REPEAT cases, half of them waiting to be dispatched (those also get routing proposals); p95.
- wall_render / dispatch_render: the server time of a screen's first render, defined as the sum of the
  server's answers (request sent -> body read) to everything the page asks the server for while it opens:
  the page's HTML, Dash's layout and dependencies, and every `_dash-update-component` and API request it
  fires until the network is idle (scripts and styles are excluded: the browser caches them). The requests
  are recorded once from Chromium (the wall as `duty`, the console as `dispatcher`, both city-wide), then
  replayed in order, REPEAT times, by a signed-in HTTP client; p95. Sequential, so an upper bound of what
  the browser waits for (it sends some of them in parallel).
- map_city_kb: the wall's map as a city-wide user receives it: the JSON of the `wall-map` component as laid
  out plus every value the first render's callbacks send to it or to a component inside it (the grid
  layer's GeoJSON, its colours, and any marker layer added there), plus any GeoJSON the page fetches;
  uncompressed.
- click_to_wall: two browser contexts in headless Chromium, the console (`dispatcher`, 1920x1080) and the
  wall (`duty`, 3840x2160). Each round registers a fresh report through the API, opens it in the console
  and clicks "Dispatch to <top proposal>"; the latency is the wall's clock when its table of newest cases
  first holds that case as dispatched (AG Grid's model, checked at each modelUpdated and DOM change) minus
  the console's clock at the click (a capture-phase listener), both performance.timeOrigin +
  performance.now() of one browser on one machine. Meanwhile a thread posts REPORTS_PER_S new reports a
  second through the API, so within a second the case's row is pushed below the rows the wall draws (it
  shows the newest nine): when it is still drawn, the moment it shows "dispatched" is given too
  (click_to_wall_drawn, with how many rounds were not drawn), and the moment the dispatch event's frame
  reached the wall's websocket (click_to_wall_frame). p95 of CLICKS rounds; a round whose case the wall or
  the console had not shown within WAIT_MS counts as WAIT_MS (click_to_wall_timeouts), and after
  MAX_TIMEOUTS of them the rest are given up.
Targets: renders <= 1 s, queue p95 <= 100 ms, panel p95 <= 150 ms, map <= 300 KB, click-to-wall p95 <= 300 ms.
Usage: python benchmarks/screens.py [--quick] [--sqlite FILE] [--postgres URL] [--only sqlite|postgres]
  --sqlite / --postgres: use (and keep) that database, seeding it first only if it holds no city; without
  them each database is seeded afresh into a scratch file / database, timed, and dropped afterwards.
PostgreSQL is the server at DATABASE_URL, or 127.0.0.1:5432 as user postgres; Redis is REDIS_URL, or
redis://127.0.0.1:6379/12. Needs Debian's Chromium at /usr/bin/chromium (never `playwright install`).
Prints last: RESULT wall_render_ms=T dispatch_render_ms=T queue_p95_ms=T panel_p95_ms=T map_city_kb=N
             click_to_wall_p95_ms=T (each the worse database's), then the same per database.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import requests
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from backend.accounts.tokens import issue_token  # noqa: E402
from backend.cases import queries  # noqa: E402
from backend.cases.schemas import CaseQuery  # noqa: E402
from backend.demo.seed import DEMO_PASSWORD, is_seeded, seed_city  # noqa: E402
from backend.geo.scope import Scope  # noqa: E402
from backend.models import Case, Category, Grid, Report  # noqa: E402
from backend.platform.db import make_engine, scratch_postgres, session_factory  # noqa: E402
from backend.platform.i18n import Translator  # noqa: E402
from backend.platform.migrate import ensure_schema  # noqa: E402
from tests.servers import stop  # noqa: E402
from tests.signin import sign_in  # noqa: E402

POSTGRES = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/12"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FULL = {"scale": "zhengzhou", "cases": 1_000_000, "repeat": 20, "clicks": 20}
QUICK = {"scale": "city", "cases": 20_000, "repeat": 8, "clicks": 4}
REPORTS_PER_S = 10
CONSOLE = {"width": 1920, "height": 1080}
WALL = {"width": 3840, "height": 2160}  # a 4K wall: its table draws the newest 30-odd cases
START_SECONDS = 180  # a server on a million cases: migrations checked, the wall's first counts warmed
WAIT_MS = 30_000  # the longest any awaited page condition may take before the run fails
MAX_TIMEOUTS = 3  # click rounds that may time out (each counted as WAIT_MS) before the rest are given up
ZH = Translator("zh_Hans")  # the demo accounts' language
SERVER_PATHS = ("/_dash-layout", "/_dash-dependencies", "/_dash-update-component", "/api/")


def p95(timings: list[float]) -> float:
    return float(np.percentile(timings, 95))


def timed_ms(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


# --- the databases -------------------------------------------------------------------------------------------

def seeded(url: str, size: dict) -> str:
    """Seed `url` unless it holds a city already; prints how long the seed took."""
    engine = make_engine(url)
    ensure_schema(engine)
    if not is_seeded(engine):
        summary = seed_city(engine, size["scale"], 1, datetime.now(UTC), demo_users=True, cases=size["cases"])
        print(f"seeded {urlparse(url).scheme}: {summary.cases} past cases in {summary.seconds:.0f} s", flush=True)
    engine.dispose()
    return url


@contextmanager
def database(kind: str, given: str | None, size: dict) -> Iterator[str]:
    if given:
        yield seeded(given if kind == "postgres" else f"sqlite:///{given}", size)
    elif kind == "postgres":
        with scratch_postgres(POSTGRES) as url:
            yield seeded(url, size)
    else:
        with tempfile.TemporaryDirectory() as folder:
            yield seeded(f"sqlite:///{folder}/screens.sqlite", size)


# --- the queue, in process -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """What the measurements pick from the database: places, a case, its number, the people."""
    city: Scope
    street: Scope
    community_id: int
    newest: datetime
    number: str
    address: str
    phone: str
    category_codes: tuple[str, str]  # a major and a minor category
    registered: list[int]
    any_cases: list[int]
    points: list[tuple[float, float]]  # inside unit grids: where the benchmark's reports are made


def sample(sessions, repeat: int) -> Sample:
    with sessions() as s:
        city = s.scalar(select(Grid).where(Grid.level == 0))
        street = s.scalar(select(Grid).where(Grid.level == 1).order_by(Grid.id))
        community = s.scalar(select(Grid.id).where(Grid.level == 2, Grid.parent_id == street.id).order_by(Grid.id))
        newest = s.scalar(select(Case.created_at).order_by(Case.created_at.desc()).limit(1))
        last = s.scalar(select(func.max(Case.id)))
        rng = np.random.default_rng(12)
        any_cases = sorted({int(i) for i in rng.integers(1, last + 1, repeat)})
        case = s.get(Case, any_cases[0])
        registered = list(s.scalars(select(Case.id).where(Case.state == "registered")
                                    .order_by(Case.created_at.desc()).limit(repeat // 2)))
        major = s.scalar(select(Category.code).where(Category.parent_id.is_(None)).order_by(Category.id))
        minor = s.scalar(select(Category.code).where(Category.parent_id.is_not(None)).order_by(Category.id))
        phone = s.scalar(select(Report.reporter_phone).where(Report.reporter_phone.is_not(None)).limit(1))
        units = s.scalars(select(Grid.geometry).where(Grid.level == 3, Grid.code.startswith(street.code + "-"))
                          .order_by(Grid.id).limit(50))
        points = [(p.x, p.y) for p in (shapely.from_geojson(g).point_on_surface() for g in units)]
        return Sample(Scope.of_grid(city), Scope.of_grid(street), community, newest, case.number,
                      (case.address or "")[:6], phone[-4:], (major, minor), registered,
                      any_cases[:repeat - len(registered)], points)


def queue_cases(x: Sample) -> dict[str, tuple[Scope, dict]]:
    """Each filter, tab and search of the console, as (scope, CaseQuery fields)."""
    week = x.newest - timedelta(days=7)
    cases = {f"tab_{tab}": (x.city, {"tab": tab}) for tab in queries.QUEUE_TABS}
    cases |= {
        "state_closed": (x.city, {"state": ["closed"]}),
        "category_major": (x.city, {"category_code": x.category_codes[0]}),
        "category_minor": (x.city, {"category_code": x.category_codes[1]}),
        "urgency": (x.city, {"urgency": "high"}), "card": (x.city, {"card": "red"}),
        "channel": (x.city, {"channel": "hotline"}),
        "street": (x.city, {"grid_id": x.street.grid_id}), "community": (x.city, {"grid_id": x.community_id}),
        "date_range": (x.city, {"created_from": week, "created_to": x.newest}),
        "street_user_all": (x.street, {}), "street_user_to_dispatch": (x.street, {"tab": "to_dispatch"}),
        "sort_deadline": (x.city, {"tab": "in_handling", "sort": "deadline"}),
        "search_number": (x.city, {"q": x.number}), "search_day": (x.city, {"q": x.number[:8]}),
        "search_words": (x.city, {"q": "影响通行"}), "search_words_none": (x.city, {"q": "没有这样的话"}),
        "search_address": (x.city, {"q": x.address or "路"}), "search_phone": (x.city, {"q": x.phone}),
    }
    return cases


def measure_queue(sessions, x: Sample, repeat: int) -> dict[str, float]:
    figures = {}
    with sessions() as session:
        for name, (scope, fields) in queue_cases(x).items():
            query = CaseQuery(limit=100, **fields)
            figures[f"queue_{name}"] = p95([timed_ms(lambda s=scope, q=query: queries.queue(session, s, q))
                                            for _ in range(repeat)])
        clauses = queries.filters(session, x.city, CaseQuery())
        figures["counts"] = p95([timed_ms(lambda: queries.tab_counts(session, x.city, clauses))
                                 for _ in range(repeat)])
    return figures


# --- the server and its HTTP clients --------------------------------------------------------------------------

def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:  # not listening yet
        return False


@contextmanager
def serving(url: str, folder: Path) -> Iterator[str]:
    """`python -m dashboard serve` on `url` in its own process (with Redis for PostgreSQL); its base URL."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, DEMO="1", SECRET_KEY=uuid.uuid4().hex)
    env.pop("REDIS_URL", None)
    if url.startswith("postgres"):
        env["REDIS_URL"] = REDIS
    log = (folder / f"server-{port}.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "dashboard", "serve", "--port", str(port), "--no-simulator"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while not answers(f"{base}/healthz"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {(folder / log.name).read_text()[-3000:]}")
            time.sleep(0.2)  # polling for the port, not a timing
        yield base
    finally:
        stop(process)
        log.close()


def signed_in(base: str, username: str) -> requests.Session:
    http = requests.Session()
    assert sign_in(http, base, username, DEMO_PASSWORD).status_code == 302, f"{username} could not sign in"
    return http


class Api:
    """The REST API with a bearer token of `username`."""

    def __init__(self, base: str, sessions, username: str):
        with sessions() as s:
            token = issue_token(s, username, "benchmarks/screens.py", datetime.now(UTC))
            s.commit()
        self.base, self.http = base + "/api/v1", requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def report(self, point: tuple[float, float], category: str, description: str) -> dict:
        answer = self.http.post(f"{self.base}/reports", json={
            "channel": "hotline", "description": description, "category_code": category,
            "lon": point[0], "lat": point[1]}, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def register(self, case_id: int) -> None:
        self.http.post(f"{self.base}/cases/{case_id}/actions/register", json={}, timeout=30).raise_for_status()


# --- first renders and the map, recorded in Chromium and replayed over HTTP ----------------------------------

@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    body: str | None


def record(browser, base: str, username: str, path: str, ready: str) -> list[Recorded]:
    """What a page asks the server for while it opens, in order (scripts and styles aside)."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    log_in(page, base, username)
    asked: list[Recorded] = []
    page.on("request", lambda r: asked.append(Recorded(r.method, r.url.removeprefix(base), r.post_data)))
    page.goto(f"{base}{path}")
    page.locator(ready).first.wait_for(timeout=WAIT_MS)
    page.wait_for_load_state("networkidle", timeout=WAIT_MS)
    context.close()
    return [r for r in asked if r.path.split("?")[0] == path or r.path.startswith(SERVER_PATHS)]


def replay(http: requests.Session, base: str, asked: list[Recorded]) -> tuple[float, list[tuple[Recorded, bytes]]]:
    """The recorded requests sent again one after the other: the sum of their times (ms) and their answers."""
    total, answers_ = 0.0, []
    for request in asked:
        started = time.perf_counter()
        answer = http.request(request.method, base + request.path, data=request.body,
                              headers={"Origin": base, "Content-Type": "application/json"}, timeout=60)
        body = answer.content
        total += (time.perf_counter() - started) * 1000
        assert answer.status_code in (200, 204), (request.path, answer.status_code, body[:300])
        answers_.append((request, body))
    return total, answers_


def _components(tree) -> Iterator[dict]:
    if isinstance(tree, dict):
        if "namespace" in tree and "props" in tree:
            yield tree
        for value in tree.values():
            yield from _components(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _components(item)


def _size(value) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def map_bytes(answers_: list[tuple[Recorded, bytes]]) -> int:
    """The wall's map in the first render: the laid-out `wall-map` component, every callback value sent to it
    or to a component inside it, and any GeoJSON fetched."""
    decoded = [(r, json.loads(body)) for r, body in answers_ if body[:1] in (b"{", b"[")]
    the_map = next(c for _r, tree in decoded for c in _components(tree) if c["props"].get("id") == "wall-map")
    ids = {c["props"].get("id") for c in _components(the_map)} - {None}
    total = _size(the_map)
    for request, tree in decoded:
        if request.path.startswith("/_dash-update-component"):
            total += sum(_size(props) for id_, props in tree.get("response", {}).items() if id_ in ids)
        elif "geojson" in request.path:
            total += _size(tree)
    return total


def measure_render(browser, base: str, repeat: int) -> dict[str, float]:
    figures = {}
    for name, username, path, ready in (("wall", "duty", "/wall", "#wall-cases .ag-row"),
                                        ("dispatch", "dispatcher", "/dispatch", "#dispatch-queue .ag-body")):
        asked = record(browser, base, username, path, ready)
        http = signed_in(base, username)
        runs = [replay(http, base, asked) for _ in range(repeat)]
        figures[f"{name}_render"] = p95([ms for ms, _answers in runs])
        figures[f"{name}_requests"] = len(asked)
        if name == "wall":
            figures["map_city_kb"] = map_bytes(runs[-1][1]) / 1024
    return figures


# --- the case panel -------------------------------------------------------------------------------------------

def callback_body(dependencies: list[dict], output: str, values: dict[str, object]) -> str:
    """A callback request as the browser posts it: the callback whose outputs include `output`, with these
    values for its inputs and state ("id.property"; the others None)."""
    callback = next(d for d in dependencies if output in d["output"].strip(".").split("..."))

    def given(items):  # a wildcard id (ALL) matches no component here
        return [[] if item["id"].startswith("{") else {**item, "value": values.get(f"{item['id']}.{item['property']}")}
                for item in items]

    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in callback["output"].strip(".").split("...")]
    return json.dumps({"output": callback["output"],
                       "outputs": outputs if callback["output"].startswith("..") else outputs[0],
                       "inputs": given(callback["inputs"]), "state": given(callback["state"]),
                       "changedPropIds": list(values)})


def measure_panel(base: str, x: Sample) -> dict[str, float]:
    http = signed_in(base, "dispatcher")
    dependencies = http.get(f"{base}/_dash-dependencies", timeout=30).json()
    bodies = [callback_body(dependencies, "case-body.children", {"dispatch-current.data": case_id})
              for case_id in x.registered + x.any_cases]
    asked = [Recorded("POST", "/_dash-update-component", body) for body in bodies]
    timings = [replay(http, base, [request])[0] for request in asked]
    return {"panel": p95(timings)}


# --- click to wall, in Chromium ---------------------------------------------------------------------------------

def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url, timeout=WAIT_MS)


NOW_JS = "performance.timeOrigin + performance.now()"
STAMP_CLICKS = f"""() => document.addEventListener('click', event => {{
    if (event.target.closest('#case-dispatch-top')) window.benchClickAt = {NOW_JS};
}}, true)"""
# Stamps the moments the wall's table first holds this case in the new state (AG Grid's model: "applied") and
# first draws its row showing the new label ("drawn"; AG Grid draws only the rows near the view, so a row
# pushed down by newer cases may be held but not drawn).
WATCH_ROWS = f"""async () => {{
    const table = document.getElementById('wall-cases');
    const grid = await window.dash_ag_grid.getApiAsync('wall-cases');
    const check = () => {{
        const watched = window.benchWatch, at = {NOW_JS};
        if (!watched) return;
        if (window.benchAppliedAt === null && grid.getRowNode(watched.id)?.data.state === watched.state)
            window.benchAppliedAt = at;
        if (window.benchDrawnAt === null && [...table.querySelectorAll(`.ag-row[row-id="${{watched.id}}"]`)]
                .some(row => row.textContent.includes(watched.label))) window.benchDrawnAt = at;
    }};
    new MutationObserver(check).observe(table, {{subtree: true, childList: true, characterData: true}});
    grid.addEventListener('modelUpdated', check);
}}"""
WATCH = ("watched => { window.benchAppliedAt = window.benchDrawnAt = window.benchFrameAt = null; "
         "window.benchWatch = watched; }")
# Runs before the wall's own scripts: stamps when the watched case's dispatch event reaches the page over its
# websocket, which splits the latency into delivery (click -> frame) and the wall's own work (frame -> table).
WATCH_FRAMES = f"""
window.WebSocket = class extends window.WebSocket {{
    constructor(...args) {{
        super(...args);
        this.addEventListener('message', (message) => {{
            const watched = window.benchWatch;
            if (watched && window.benchFrameAt === null && typeof message.data === 'string'
                    && message.data.includes('"case.dispatch"') && message.data.includes(watched.number))
                window.benchFrameAt = {NOW_JS};
        }});
    }}
}};"""
# Resolves once the page has drawn two more frames: what AG Grid will draw of the rows it holds is drawn then.
TWO_FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


class Reports(threading.Thread):
    """REPORTS_PER_S new reports a second through the API, on a fixed schedule, until stopped."""

    def __init__(self, api: Api, x: Sample, category: str):
        super().__init__(daemon=True)
        self.api, self.x, self.category, self.stopped, self.sent = api, x, category, threading.Event(), 0

    def run(self) -> None:
        self.started = time.monotonic()
        while not self.stopped.is_set():
            point = self.x.points[self.sent % len(self.x.points)]
            self.api.report(point, self.category, "井盖松动，影响通行")
            self.sent += 1
            self.stopped.wait(max(0.0, self.started + self.sent / REPORTS_PER_S - time.monotonic()))
        self.ended = time.monotonic()

    def rate(self) -> float:
        """Reports a second achieved (fewer than asked if the server fell behind)."""
        return self.sent / (self.ended - self.started)


def click_round(console, wall, api: Api, x: Sample, category: str, index: int) -> tuple[float | None, ...]:
    """One case registered, opened in the console and dispatched: ms from the click to the wall's table holding
    the change, to its drawing it (None if the row was no longer near the view), and to the event's frame."""
    case = api.report(x.points[index % len(x.points)], category, f"路灯不亮（第{index}次测量）")
    api.register(case["id"])
    wall.locator(f"#wall-cases .ag-row[row-id='{case['id']}']").first.wait_for(timeout=WAIT_MS)
    row = console.locator(f"#dispatch-queue .ag-row[row-id='{case['id']}'] .ag-cell[col-id='number']").first
    row.click(timeout=WAIT_MS)
    console.locator("#case-panel .case-number", has_text=case["number"]).wait_for(timeout=WAIT_MS)
    top = console.locator("#case-dispatch-top")
    top.wait_for(state="visible", timeout=WAIT_MS)
    wall.evaluate(WATCH, {"id": str(case["id"]), "number": case["number"], "state": "dispatched",
                          "label": ZH("Dispatched")})
    top.click(timeout=WAIT_MS)
    wall.wait_for_function("() => window.benchAppliedAt", timeout=WAIT_MS)
    wall.evaluate(TWO_FRAMES)
    clicked = console.evaluate("() => window.benchClickAt")
    stamps = wall.evaluate("() => [window.benchAppliedAt, window.benchDrawnAt, window.benchFrameAt]")
    return tuple(None if at is None else at - clicked for at in stamps)


def measure_clicks(browser, base: str, sessions, x: Sample, clicks: int) -> dict[str, float]:
    contexts = [browser.new_context(viewport=size) for size in (CONSOLE, WALL)]
    contexts[1].add_init_script(WATCH_FRAMES)
    console, wall = (context.new_page() for context in contexts)
    log_in(console, base, "dispatcher")
    console.goto(f"{base}/dispatch")
    console.locator("#dispatch-tab").get_by_text(ZH("To dispatch")).first.click()
    console.evaluate(STAMP_CLICKS)
    log_in(wall, base, "duty")
    wall.locator("#wall-cases .ag-row").first.wait_for(timeout=WAIT_MS)
    wall.evaluate(WATCH_ROWS)
    api = Api(base, sessions, "dispatcher")
    background = Reports(Api(base, sessions, "dispatcher"), x, x.category_codes[1])
    background.start()
    rounds, timeouts = [], 0
    try:
        for i in range(clicks):
            try:
                rounds.append(click_round(console, wall, api, x, x.category_codes[1], i))
            except PlaywrightTimeout:  # the wall (or the console) fell WAIT_MS behind: at least that late
                rounds.append((WAIT_MS, None, None))
                timeouts += 1
                if timeouts == MAX_TIMEOUTS:
                    break
    finally:
        background.stopped.set()
        background.join()
    for context in contexts:
        context.close()
    applied, drawn, frames = ([r[i] for r in rounds if r[i] is not None] for i in range(3))
    return {"click_to_wall": p95(applied), "click_to_wall_p50": float(np.median(applied)),
            "click_to_wall_rounds": len(rounds), "click_to_wall_timeouts": timeouts,
            "click_to_wall_drawn": p95(drawn) if drawn else float("nan"),
            "click_to_wall_not_drawn": len(applied) - len(drawn),
            "click_to_wall_frame": p95(frames) if frames else float("nan"), "reports_per_s": background.rate()}


# --- one database, then all -------------------------------------------------------------------------------------

def measure(url: str, size: dict, folder: Path) -> dict[str, float]:
    engine = make_engine(url)
    sessions = session_factory(engine)
    x = sample(sessions, size["repeat"])
    figures = measure_queue(sessions, x, size["repeat"])
    with serving(url, folder) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        figures |= measure_render(browser, base, size["repeat"])
        figures |= measure_panel(base, x)
        figures |= measure_clicks(browser, base, sessions, x, size["clicks"])
        browser.close()
    engine.dispose()
    return figures


REQUIRED = (("wall_render_ms", "wall_render"), ("dispatch_render_ms", "dispatch_render"),
            ("queue_p95_ms", "queue"), ("panel_p95_ms", "panel"), ("map_city_kb", "map_city_kb"),
            ("click_to_wall_p95_ms", "click_to_wall"))


def headline(figures: dict[str, float], key: str) -> float:
    if key == "queue":
        return max(v for k, v in figures.items() if k.startswith("queue_"))
    return figures[key]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="the city scale with 20,000 past cases")
    parser.add_argument("--sqlite", help="a SQLite file to use (seeded first if it holds no city)")
    parser.add_argument("--postgres", help="a PostgreSQL database URL to use (seeded first if it holds no city)")
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("postgres", "sqlite"):
            if args.only and kind != args.only:
                continue
            with database(kind, getattr(args, kind), size) as url:
                results[kind] = measure(url, size, Path(folder))
            print(kind, " ".join(f"{k}={v:.1f}" for k, v in results[kind].items()), flush=True)
    worst = {name: max(headline(f, key) for f in results.values()) for name, key in REQUIRED}
    each = {f"{name}_{kind}": headline(f, key) for kind, f in results.items() for name, key in REQUIRED}
    print("RESULT " + " ".join(f"{k}={v:.0f}" for k, v in (worst | each).items()))


if __name__ == "__main__":
    main()
