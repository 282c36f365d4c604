"""Bad input on the command line gets one clear line and a non-zero exit, never a traceback."""
import os
import signal
import socket
import subprocess
import sys
import urllib.request

from sqlalchemy import func, select

from backend.accounts.tokens import user_for_token
from backend.accounts.users import authenticate
from backend.demo.seed import DEMO_ACCOUNTS, DEMO_PASSWORD
from backend.platform.config import Config, settings_table
from backend.platform.db import make_engine, session_factory
from backend.models import AuditEntry, Grid, User
from tests.conftest import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args: str, env: dict | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | (env or {})
    return subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, env=environment, input=stdin,
                          capture_output=True, text=True, timeout=120)


def assert_one_clear_line(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:") or ": error:" in line]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_help_lists_the_subcommands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("serve", "seed", "db", "simulate", "create-user", "set-password", "deactivate", "activate",
                    "create-token", "tokens", "revoke-token"):
        assert command in result.stdout


def test_help_says_where_things_are_and_every_folder_it_names_exists():
    result = run("--help")
    layout = result.stdout.partition("where things are:")[2]
    folders = {word.rstrip(",") for line in layout.splitlines() for word in line.split() if word.endswith(("/", "/,"))}
    assert {"dashboard/", "backend/cases/", "backend/events/", "migrations/"} <= folders
    for folder in folders:
        assert os.path.isdir(os.path.join(ROOT, folder)), folder


def test_settings_prints_the_configuration_table():
    result = run("settings")
    assert result.returncode == 0 and result.stdout == settings_table() + "\n"


def test_serve_is_the_default_command_and_takes_its_options(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("--port", str(port), env={"DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite"})
    assert_one_clear_line(result, f"port {port}")


def test_unknown_scale(tmp_path):
    result = run("seed", "--scale", "megacity", env={"DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite"})
    assert_one_clear_line(result, "megacity", "small")


def test_corrupt_database_url():
    assert_one_clear_line(run("db", "current", env={"DATABASE_URL": "::not a url"}), "DATABASE_URL", "postgresql://")


def test_unreachable_postgresql():
    result = run("db", "current", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert_one_clear_line(result, "cannot reach the database", "127.0.0.1:1")


def test_unreachable_redis(tmp_path):
    result = run("serve", "--port", "0", env={"DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite",
                                              "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert_one_clear_line(result, "cannot reach Redis")


def test_port_in_use(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--port", str(port), env={"DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite"})
    assert_one_clear_line(result, f"port {port}", "--port")
    assert not os.path.exists(tmp_path / "c.sqlite")  # refused before touching the database


def test_bad_setting():
    assert_one_clear_line(run("db", "current", env={"PORT": "eighty"}), "PORT")


def test_create_user_then_sign_in_with_it(city_url):
    result = run("create-user", "ops1", "--role", "duty_officer", "--grid", "410100-001",
                 env={"DATABASE_URL": city_url}, stdin="a-long-password\n")
    assert result.returncode == 0, result.stderr
    with session_factory(make_engine(city_url))() as session:
        user = session.scalar(select(User).where(User.username == "ops1"))
        assert user.role == "duty_officer" and user.password_hash.startswith("$argon2id$")


def test_create_user_with_short_password(city_url):
    result = run("create-user", "ops2", "--role", "dispatcher", "--grid", "410100",
                 env={"DATABASE_URL": city_url}, stdin="short\n")
    assert_one_clear_line(result, "password")


def test_seed_killed_midway_leaves_nothing_written(tmp_path):
    """A crash inside the seed's single transaction leaves the database empty, and usable."""
    url = f"sqlite:///{tmp_path}/c.sqlite"
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DATABASE_URL": url}
    process = subprocess.Popen([sys.executable, "-m", "dashboard", "seed", "--scale", "city"], cwd=ROOT,
                               env=environment, stdout=subprocess.PIPE, text=True)
    for line in process.stdout:
        if line.startswith("wrote"):  # inside the transaction: rows written, nothing committed
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    with session_factory(make_engine(url))() as session:
        assert session.scalar(select(func.count()).select_from(Grid)) == 0
    assert run("seed", "--scale", "small", env={"DATABASE_URL": url}).returncode == 0


def audit_trail(city_url) -> list[tuple[str, str, str]]:
    with session_factory(make_engine(city_url))() as session:
        return [(e.action, e.actor_name, e.target) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_user_changes_from_the_command_line_are_made_and_audited(city_url):
    env = {"DATABASE_URL": city_url}
    assert run("create-user", "ops1", "--role", "duty_officer", "--grid", "410100", env=env,
               stdin="a-long-password\n").returncode == 0
    result = run("set-password", "ops1", env=env, stdin="another-long-password\n")
    assert result.returncode == 0, result.stderr
    with session_factory(make_engine(city_url))() as session:
        assert authenticate(session, "ops1", "another-long-password") is not None
    assert run("deactivate", "ops1", env=env).returncode == 0
    with session_factory(make_engine(city_url))() as session:
        assert authenticate(session, "ops1", "another-long-password") is None
    assert run("activate", "ops1", env=env).returncode == 0
    trail = audit_trail(city_url)
    assert [(action, target) for action, _, target in trail] == [
        ("user_created", "user:ops1"), ("password_changed", "user:ops1"), ("user_deactivated", "user:ops1"),
        ("user_activated", "user:ops1")]
    assert all(actor.startswith("cli") for _, actor, _ in trail)


def test_user_changes_with_bad_input_say_what_is_wrong(city_url):
    env = {"DATABASE_URL": city_url}
    assert_one_clear_line(run("set-password", "nobody", env=env, stdin="a-long-password\n"), "nobody")
    assert_one_clear_line(run("set-password", "duty", env=env, stdin="short\n"), "password")
    assert_one_clear_line(run("deactivate", "nobody", env=env), "nobody")
    assert audit_trail(city_url) == []


def test_tokens_are_issued_listed_and_revoked_from_the_command_line(city_url):
    env = {"DATABASE_URL": city_url}
    issued = run("create-token", "gridworker", "--name", "handheld 0042", "--expires-days", "30", env=env)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    listed = run("tokens", "--user", "gridworker", env=env)
    assert listed.returncode == 0 and token not in listed.stdout
    header, row = listed.stdout.strip().splitlines()
    assert header.split("\t") == ["id", "name", "user", "created", "expires", "revoked"]
    token_id, name, user, _created, expires, revoked = row.split("\t")
    assert (name, user, revoked) == ("handheld 0042", "gridworker", "no") and expires.endswith("UTC")
    with session_factory(make_engine(city_url))() as session:
        assert user_for_token(session, token).username == "gridworker"
    assert run("revoke-token", token_id, env=env).returncode == 0
    assert run("tokens", env=env).stdout.strip().splitlines()[1].endswith("\tyes")
    with session_factory(make_engine(city_url))() as session:
        assert user_for_token(session, token) is None
    assert [(action, target) for action, _, target in audit_trail(city_url)] == [
        ("token_issued", f"token:{token_id}"), ("token_revoked", f"token:{token_id}")]
    assert_one_clear_line(run("revoke-token", "99999", env=env), "99999")
    assert_one_clear_line(run("create-token", "gridworker", "--name", "x", "--expires-days", "0", env=env),
                          "expires-days")


def test_serving_the_demo_lists_every_demo_account_and_no_development_server_banner(city_url):
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    server = subprocess.Popen([sys.executable, "-m", "dashboard", "--port", str(port), "--no-simulator"], cwd=ROOT,
                              env=environment | {"DATABASE_URL": city_url}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        lines = [server.stdout.readline(), server.stdout.readline()]
        assert lines[0] == f"Grid command centre: http://127.0.0.1:{port}/wall\n"
        assert lines[1].startswith(f"demo accounts (password {DEMO_PASSWORD}): ")
        assert all(f"{username} (" in lines[1] for username, _role, _scope in DEMO_ACCOUNTS)
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30).status == 200
    finally:
        server.send_signal(signal.SIGINT)
        stdout, stderr = server.communicate(timeout=60)
    assert "development server" not in stdout + stderr and "WARNING" not in stdout + stderr
    assert "Running on" not in stderr and '"GET /healthz HTTP/1.1" 200' in stderr  # requests are still logged


def test_no_simulator_stills_the_whole_demo_city():
    """Multi-process tests serve with --no-simulator and count on it: no staff may act on their cases either."""
    from dashboard.cli import _parser, serving

    config = Config(demo=True)
    assert config.simulator and config.simulator_staff
    still = serving(config, _parser().parse_args(["serve", "--no-simulator"]))
    assert not still.simulator and not still.simulator_staff
    alive = serving(config, _parser().parse_args(["serve", "--port", "8111"]))
    assert alive.simulator and alive.simulator_staff and alive.port == 8111
