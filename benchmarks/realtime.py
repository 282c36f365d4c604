"""Live-update latency and server load: Socket.IO push against dcc.Interval polling, and the wall in Chromium.

One run against the production server (gunicorn gthread, 1 worker, 100
threads, DEMO=0, SIMULATOR=0) serving a small city seeded into a scratch
PostgreSQL database, with REDIS_URL as the event stream:

- socket: 50 clients scoped to the whole city hold a Socket.IO connection
  over a websocket, in two processes of their own. A producer process opens
  50 cases a second through backend.cases.intake.submit_report (one transaction
  each, as every channel does) for 60 s, so each event goes outbox -> relay
  (woken by NOTIFY: the producer is another process) -> Redis stream ->
  the server's follower -> Socket.IO. Latency of a (client, case) pair = the
  client's clock when the case's event arrives minus the producer's clock
  right after its commit returned (time.time() on one machine). lost =
  pairs never received within DRAIN_SECONDS of the last commit. A producer
  that falls behind its schedule stops on time all the same: the achieved
  rate is printed.
- polling: the same 50 clients as Dash pages with dcc.Interval(1000) would
  be: each re-runs its query once a second (GET /api/v1/cases, newest first,
  POLL_LIMIT rows, with its bearer token). Latency = the end of the first
  poll that lists the case minus its commit.
- requests/s at the server during production: requests gunicorn logs (its
  access log) plus, for Socket.IO, the one websocket handshake per client
  (gunicorn does not log upgraded requests), all over the production time.
  The server's CPU share (arbiter + worker, from /proc) is shown beside.
- browser: headless Chromium signed in to /wall; 200 cases, 10 a second. The
  page stamps performance.timeOrigin + performance.now() when each case's
  row is first in AG Grid's model of latest cases ("grid": its API, at each
  modelUpdated) and when its number is first drawn in the table (a
  MutationObserver); latency = that minus the commit. AG Grid draws only the
  rows near the view, so a row applied in a large batch (a catch-up) may be
  held and never drawn: not_applied counts events whose row never reached
  the grid (lost), not_drawn rows the grid holds that were never drawn. A
  listener on the page's websocket stamps each case's frame the same way
  ("frames") when the page's main thread takes it (a busy page delays that
  too), which splits delivery from rendering. No request interception.

The Socket.IO clients speak Engine.IO 4 over simple-websocket (a project
dependency): python-socketio's client needs the websocket-client package for
the websocket transport, which the project does not install.

Targets (issue): socket p99 <= 50 ms, browser p95 <= 100 ms, >= 10x lower
median latency than polling, >= 10x fewer requests.
Usage: python benchmarks/realtime.py [--quick]   (--quick: 15 s per mode, 50 browser events: about a minute)
PostgreSQL is the server at DATABASE_URL, or 127.0.0.1:5432 as user postgres;
Redis is REDIS_URL, or redis://127.0.0.1:6379/14 (its event stream is deleted
before and after; Socket.IO's channel is named after the database, so servers
on other databases of that Redis are not heard). Needs Debian's Chromium at
/usr/bin/chromium (apt-get install -y chromium; never `playwright install`).
Prints last: RESULT p50_ms=T p99_ms=T max_ms=T lost=N browser_p95_ms=T median_ratio_vs_polling=R
             requests_ratio_vs_polling=R ... browser_not_applied=N browser_not_drawn=N ...
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import requests
import simple_websocket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.accounts.users import create_user
from backend.platform.config import Config
from backend.platform.db import make_engine, scratch_postgres, session_factory
from backend.events.redis_bus import RedisStreamBus
from backend.cases.intake import submit_report
from backend.geo.locator import GridLocator
from backend.platform.migrate import upgrade
from backend.demo.seed import CITY_CODE, seed_city
from backend.demo.simulator import Simulator
from backend.accounts.tokens import issue_token

POSTGRES = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WSGI_APP = "dashboard.wsgi:app"
SERVER_THREADS = 100  # as in the README's production section: each open websocket holds one
CLIENTS = 50
CLIENT_PROCESSES = 2  # 25 clients each: measured no worse than 5 x 10 here, and quicker to start
RATE = 50  # cases a second
BROWSER_RATE = 10
POLL_INTERVAL = 1.0  # dcc.Interval(interval=1000)
POLL_LIMIT = 100  # the newest cases a poll asks for: twice what arrives between two polls
DRAIN_SECONDS = 3  # after the last commit, how long clients wait for what is still missing (> a poll)
START_SECONDS = 60  # for the server to answer and the clients to connect
CHECK_SECONDS = 0.02  # how often a waited-for condition is checked
USER, PASSWORD = "bench", "bench-password"
CONFIG = Config()
SPAWN = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Commit:
    case_id: int
    number: str
    at: float  # time.time() right after the commit returned


@dataclass(frozen=True)
class Window:
    """The production time of one mode and what the server did meanwhile."""

    seconds: float
    requests: int  # requests in gunicorn's access log
    cpu_seconds: float

    def cpu_percent(self) -> float:
        return 100 * self.cpu_seconds / self.seconds


@dataclass(frozen=True)
class Summary:
    p50: float
    p95: float
    p99: float
    max: float
    lost: int

    @classmethod
    def of(cls, latencies_ms: list[float], lost: int) -> Summary:
        if not latencies_ms:
            return cls(*[float("nan")] * 4, lost=lost)
        p50, p95, p99 = np.percentile(latencies_ms, [50, 95, 99])
        return cls(float(p50), float(p95), float(p99), max(latencies_ms), lost)


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """Check `condition` every CHECK_SECONDS until it holds (True) or `timeout` passes (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(CHECK_SECONDS)
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the city, the server and the producer -------------------------------------------------------------------

def prepare_city(url: str, clients: int) -> list[str]:
    """Seed the small city; a city-wide user (password for the browser) with one bearer token per client."""
    engine = make_engine(url)
    upgrade(engine)
    seed_city(engine, "small", 1, datetime.now(UTC), demo_users=False)
    with session_factory(engine)() as session:
        create_user(session, username=USER, password=PASSWORD, role="duty_officer", grid_code=CITY_CODE)
        session.flush()
        tokens = [issue_token(session, USER, f"client {i}", datetime.now(UTC)) for i in range(clients)]
        session.commit()
    engine.dispose()
    return tokens


def clear_stream(redis_url: str) -> None:
    RedisStreamBus(redis_url, CONFIG.event_stream_length).delete()


@dataclass(frozen=True)
class Server:
    base: str
    pid: int
    access_log: Path

    def requests_logged(self) -> int:
        with self.access_log.open() as log:
            return sum(1 for _ in log)

    def cpu_seconds(self) -> float:
        """CPU time of gunicorn's arbiter and its worker (user + system), from /proc."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        ticks = 0
        for pid in (self.pid, *map(int, children)):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:  # not listening yet, or still loading the app
        return False


@contextmanager
def serving(database_url: str, redis_url: str, folder: Path) -> Iterator[Server]:
    """The production server in its own process; stopped on exit whatever happened."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, DEMO="0", SIMULATOR="0",
               SECRET_KEY=uuid.uuid4().hex)
    access_log, server_log = folder / "access.log", folder / "server.log"
    access_log.touch()
    with server_log.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1",
             "--threads", str(SERVER_THREADS), "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5",
             "--no-control-socket", "--access-logfile", str(access_log), WSGI_APP],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_until(lambda: process.poll() is not None or answers(f"{base}/healthz"), START_SECONDS) \
                or process.poll() is not None:
            raise RuntimeError(f"the server did not start; its log:\n{server_log.read_text()[-3000:]}")
        yield Server(base, process.pid, access_log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def produce(sessions, locator: GridLocator, simulator: Simulator, actor: str, rate: float,
            seconds: float) -> list[Commit]:
    """Reports at `rate` a second on a fixed schedule for `seconds`, one transaction each, made by `actor`.
    A producer that falls behind catches up without pausing, and stops on time: fewer reports."""
    commits = []
    started = time.monotonic()
    for i in range(round(rate * seconds)):
        if time.monotonic() >= started + seconds:
            break
        time.sleep(max(0.0, started + i / rate - time.monotonic()))
        with sessions() as session:
            case = submit_report(session, simulator.make_report(), locator, datetime.now(UTC), CONFIG,
                                 actor_name=actor)
            session.commit()
            commits.append(Commit(case.id, case.number, time.time()))
    return commits


def run_producer(url: str, actor: str, link) -> None:
    """Producer process: answers each (rate, seconds) it is sent with the commits it made."""
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session:
        locator = GridLocator.from_session(session)
    simulator = Simulator(sessions, locator, CONFIG, seed=7)
    link.send("ready")
    while True:
        rate, seconds = link.recv()
        link.send(produce(sessions, locator, simulator, actor, rate, seconds))


@contextmanager
def helper(target: Callable, *args) -> Iterator:
    """`target(*args, link)` in a spawned process; yields our end of the link; the process is ended on exit."""
    link, their_end = SPAWN.Pipe()
    process = SPAWN.Process(target=target, args=(*args, their_end), daemon=True)
    process.start()
    their_end.close()
    try:
        yield link
    finally:
        process.terminate()  # the clients have answered and closed; the producer waits for work forever
        process.join()
        link.close()


def receive(link, timeout: float, what: str):
    if not link.poll(timeout):
        raise TimeoutError(f"no answer from {what} within {timeout:.0f} s")
    return link.recv()  # EOFError if the helper died: its traceback is on stderr


def production(server: Server, producer, rate: float, seconds: float) -> tuple[list[Commit], Window]:
    requests_before, cpu_before, started = server.requests_logged(), server.cpu_seconds(), time.monotonic()
    producer.send((rate, seconds))
    commits = receive(producer, seconds + START_SECONDS, "the producer")
    elapsed = time.monotonic() - started
    return commits, Window(elapsed, server.requests_logged() - requests_before, server.cpu_seconds() - cpu_before)


# --- the clients (in their own processes) -------------------------------------------------------------------

class SocketClient:
    """One Socket.IO connection as a browser holds it after the upgrade: Engine.IO 4 over a websocket.
    Records when the event of each case opened by `actor` arrives (repeats dropped)."""

    def __init__(self, base: str, token: str, actor: str):
        url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self._ws = simple_websocket.Client.connect(url, headers={"Authorization": f"Bearer {token}"})
        self._actor = actor
        self.arrivals: dict[int, float] = {}
        self._hello = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._ws.send("40")  # Socket.IO CONNECT to the default namespace
        if not self._hello.wait(START_SECONDS):
            raise RuntimeError("the server did not greet a Socket.IO client: token refused?")

    def _read(self) -> None:
        while (message := self._next()) is not None:
            at = time.time()
            if message == "2":  # Engine.IO PING: answer PONG or the server drops the connection
                self._ws.send("3")
            elif message.startswith("42"):  # Socket.IO EVENT: ["name", data]
                name, data = json.loads(message[2:])
                if name == "hello":
                    self._hello.set()
                elif name == "events":
                    for event in data:
                        if event.get("actor") == self._actor:
                            self.arrivals.setdefault(event["case_id"], at)

    def _next(self) -> str | None:
        try:
            return self._ws.receive()
        except simple_websocket.ConnectionClosed:
            return None

    def stop(self) -> None:
        self._ws.close()

    def join(self) -> None:
        self._reader.join()


class Poller:
    """A Dash page with dcc.Interval(interval=1000) whose callback re-runs its query: the newest cases."""

    def __init__(self, base: str, token: str):
        self._url = f"{base}/api/v1/cases"
        self._http = requests.Session()
        self._http.headers["Authorization"] = f"Bearer {token}"
        self.arrivals: dict[int, float] = {}  # the end of the first poll that listed each case
        self.polls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        next_poll = time.monotonic() + random.uniform(0, POLL_INTERVAL)  # pages open at different moments
        while not self._stop.wait(max(0.0, next_poll - time.monotonic())):
            response = self._http.get(self._url, params={"sort": "-created_at", "limit": POLL_LIMIT}, timeout=30)
            response.raise_for_status()
            at = time.time()
            for item in response.json()["items"]:
                self.arrivals.setdefault(item["id"], at)
            self.polls += 1
            next_poll += POLL_INTERVAL

    def stop(self) -> None:
        self._stop.set()  # after the poll in flight, if any

    def join(self) -> None:
        self._thread.join()
        self._http.close()


def run_clients(tokens: list[str], actor: str, link) -> None:
    """Client process: one mode after another, as the benchmark sends (kind, base URL)."""
    while True:
        kind, base = link.recv()
        clients_of_one_mode(kind, base, tokens, actor, link)


def clients_of_one_mode(kind: str, base: str, tokens: list[str], actor: str, link) -> None:
    """Connect (or start polling), say ready, receive the expected case ids, wait for them (at most
    DRAIN_SECONDS), close, answer when each client got each of them."""
    if kind == "socket":
        clients = [SocketClient(base, token, actor) for token in tokens]
    else:
        clients = [Poller(base, token) for token in tokens]
        if not wait_until(lambda: all(c.polls for c in clients), START_SECONDS):
            raise RuntimeError("the pollers did not get a first answer")
    link.send("ready")
    expected: set[int] = link.recv()
    wait_until(lambda: all(c.arrivals.keys() >= expected for c in clients), DRAIN_SECONDS)
    for client in clients:
        client.stop()
    for client in clients:
        client.join()
    link.send([{case_id: at for case_id, at in c.arrivals.items() if case_id in expected} for c in clients])


@dataclass(frozen=True)
class Mode:
    """What one way of keeping 50 screens up to date measured."""

    latency: Summary
    window: Window
    events: int
    handshakes: int  # requests gunicorn does not log: one websocket upgrade per Socket.IO client

    @property
    def requests_per_s(self) -> float:
        return (self.window.requests + self.handshakes) / self.window.seconds

    def describe(self) -> str:
        return (f"({CLIENTS} clients x {self.events} events at {self.events / self.window.seconds:.1f}/s; "
                f"server {self.requests_per_s:.2f} requests/s, CPU {self.window.cpu_percent():.0f}%)")


def measure_clients(kind: str, server: Server, clients: list, producer, seconds: int) -> Mode:
    """One mode: every client process starts its clients, then RATE cases a second for `seconds`."""
    for link in clients:
        link.send((kind, server.base))
    for link in clients:
        receive(link, START_SECONDS, f"{kind} clients")
    commits, window = production(server, producer, RATE, seconds)
    expected = {commit.case_id for commit in commits}
    for link in clients:
        link.send(expected)
    arrivals = [seen for link in clients for seen in receive(link, DRAIN_SECONDS + START_SECONDS, "clients")]
    latencies = [(seen[c.case_id] - c.at) * 1000 for seen in arrivals for c in commits if c.case_id in seen]
    return Mode(Summary.of(latencies, len(arrivals) * len(commits) - len(latencies)), window, len(commits),
                handshakes=len(arrivals) if kind == "socket" else 0)


# --- the wall in Chromium ---------------------------------------------------------------------------------

# Stamps the moment each case number is first in the grid's model of latest cases (benchApplied) and first drawn
# in its table (benchDrawn). AG Grid tells its API's listeners of a change late (after drawing it), so the model
# is read at every change to the table as well: its modelUpdated is there for rows it holds but does not draw.
WATCH_CASES = """async () => {
    window.benchApplied = {};
    window.benchDrawn = {};
    const table = document.getElementById('wall-cases');
    const grid = await window.dash_ag_grid.getApiAsync('wall-cases');
    const stamp = () => {
        const at = performance.timeOrigin + performance.now();
        grid.forEachNode((node) => { window.benchApplied[node.data.number] ??= at; });
        for (const cell of table.querySelectorAll('.ag-row [col-id="number"]')) {
            window.benchDrawn[cell.textContent] ??= at;
        }
    };
    new MutationObserver(stamp).observe(table, {childList: true, subtree: true, characterData: true});
    grid.addEventListener('modelUpdated', stamp);
    stamp();
}"""
# Resolves once the page has drawn two more frames: what AG Grid will draw of the rows it holds is drawn then.
TWO_FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
# Runs before the page's own scripts: notes that the page's Socket.IO websocket is open, and stamps the moment
# each case's frame reaches the page, which splits the browser's latency into delivery (commit -> frame) and
# rendering (frame -> table).
WATCH_SOCKET = """
window.benchFrames = {};
window.WebSocket = class extends window.WebSocket {
    constructor(...args) {
        super(...args);
        this.addEventListener('open', () => { window.benchSocketOpen = true; });
        this.addEventListener('message', (message) => {
            const at = performance.timeOrigin + performance.now();
            if (typeof message.data !== 'string' || !message.data.startsWith('42["events"')) return;
            for (const event of JSON.parse(message.data.slice(2))[1]) window.benchFrames[event.number] ??= at;
        });
    }
};"""


@dataclass(frozen=True)
class Wall:
    """What the wall in Chromium did with the events of the cases committed meanwhile."""

    drawn: Summary  # commit -> the case number drawn in the table; lost: rows held but never drawn
    applied: Summary  # commit -> the row in the grid's model; lost: events never applied
    frames: Summary  # commit -> the Socket.IO frame in the page
    events: int


def measure_browser(server: Server, producer, seconds: float) -> Wall:
    """Latency from commit to the case's row in the wall's grid, to its number drawn in the table, and to its
    frame reaching the page."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.add_init_script(WATCH_SOCKET)
            page.goto(f"{server.base}/login")
            page.fill("input[name=username]", USER)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/wall")
            page.wait_for_function("() => window.benchSocketOpen")
            page.wait_for_selector("#wall-cases .ag-row")
            page.wait_for_load_state("networkidle")  # the upgrade and the wall's reads from the database are done
            page.evaluate(WATCH_CASES)
            commits, _ = production(server, producer, BROWSER_RATE, seconds)
            numbers = [commit.number for commit in commits]
            try:
                page.wait_for_function("numbers => numbers.every(n => n in window.benchApplied)", arg=numbers,
                                       timeout=DRAIN_SECONDS * 1000)
            except PlaywrightTimeout:
                pass  # counted as not applied below
            page.evaluate(TWO_FRAMES)
            applied, drawn, frames = page.evaluate("() => [window.benchApplied, window.benchDrawn, window.benchFrames]")
        finally:
            browser.close()

    def since_commit(stamps: dict[str, float], among: list[Commit]) -> Summary:
        latencies = [stamps[c.number] - c.at * 1000 for c in among if c.number in stamps]
        return Summary.of(latencies, len(among) - len(latencies))

    held = [c for c in commits if c.number in applied]
    return Wall(since_commit(drawn, held), since_commit(applied, commits), since_commit(frames, commits),
                len(commits))


# --- the run ----------------------------------------------------------------------------------------------

def describe(name: str, summary: Summary, extra: str) -> None:
    print(f"{name:8} p50 {summary.p50:7.1f} ms  p95 {summary.p95:7.1f}  p99 {summary.p99:7.1f}  "
          f"max {summary.max:7.1f}  lost {summary.lost}  {extra}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="15 s per mode and 50 browser events")
    quick = parser.parse_args().quick
    if not os.path.exists(CHROMIUM):
        sys.exit(f"error: the browser figure needs Chromium at {CHROMIUM} (Debian: apt-get install -y chromium)")
    seconds, browser_seconds = (15, 5) if quick else (60, 20)  # the browser's: 50 or 200 events
    actor = f"realtime-bench-{uuid.uuid4().hex[:8]}"  # marks our events: Redis pub/sub ignores the db number
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # and clean up as below
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = stack.enter_context(scratch_postgres(POSTGRES))
        clear_stream(REDIS)
        stack.callback(clear_stream, REDIS)
        tokens = prepare_city(url, CLIENTS)
        # The helper processes start while the server does.
        producer = stack.enter_context(helper(run_producer, url, actor))
        clients = [stack.enter_context(helper(run_clients, tokens[i::CLIENT_PROCESSES], actor))
                   for i in range(CLIENT_PROCESSES)]
        server = stack.enter_context(serving(url, REDIS, folder))
        receive(producer, START_SECONDS, "the producer")
        pushed = measure_clients("socket", server, clients, producer, seconds)
        describe("socket", pushed.latency, pushed.describe())
        polled = measure_clients("polling", server, clients, producer, seconds)
        describe("polling", polled.latency, polled.describe())
        wall = measure_browser(server, producer, browser_seconds)
        describe("browser", wall.drawn, f"({wall.events} events at {BROWSER_RATE}/s, commit -> row drawn in the table; "
                                        "lost: applied, never drawn)")
        describe("  grid", wall.applied, "(commit -> row in the grid's model; lost: never applied)")
        describe("  frames", wall.frames, "(commit -> Socket.IO frame in the page)")
    push, poll, browser, frames = pushed.latency, polled.latency, wall.drawn, wall.frames
    print(f"RESULT p50_ms={push.p50:.1f} p99_ms={push.p99:.1f} max_ms={push.max:.1f} lost={push.lost} "
          f"browser_p95_ms={browser.p95:.1f} median_ratio_vs_polling={poll.p50 / push.p50:.1f} "
          f"requests_ratio_vs_polling={polled.requests_per_s / pushed.requests_per_s:.1f} "
          f"browser_p50_ms={browser.p50:.1f} browser_not_applied={wall.applied.lost} "
          f"browser_not_drawn={browser.lost} browser_applied_p50_ms={wall.applied.p50:.1f} "
          f"browser_applied_p95_ms={wall.applied.p95:.1f} browser_frame_p50_ms={frames.p50:.1f} "
          f"browser_frame_p95_ms={frames.p95:.1f} polling_p50_ms={poll.p50:.1f} "
          f"polling_p99_ms={poll.p99:.1f} polling_lost={poll.lost} "
          f"requests_per_s_polling={polled.requests_per_s:.2f} requests_per_s_socket={pushed.requests_per_s:.2f} "
          f"server_cpu_pct_polling={polled.window.cpu_percent():.0f} "
          f"server_cpu_pct_socket={pushed.window.cpu_percent():.0f}")


if __name__ == "__main__":
    main()
