"""`python -m dashboard`: serve (the default), seed, db, simulate, users and tokens, settings.

Known failures (bad settings, an unreachable database, a port in use, bad
input) print one line saying what is wrong and what to do, and exit 1;
argparse's own usage errors exit 2.
"""
from __future__ import annotations

import argparse
import getpass
import logging
import socket
import sys
import threading
from datetime import datetime, timezone

from backend.accounts.audit import record
from backend.accounts.users import UserError, create_user, deactivate, reactivate, set_password
from backend.platform.config import Config, ConfigError, kept_secret, settings_table
from backend.platform.db import (DatabaseUnavailable, check_connection, check_redis, describe, make_engine,
                                 session_factory)
from backend.geo.locator import GridLocator
from backend.platform.migrate import SchemaOutOfDate, current_revision, ensure_schema, head_revision, upgrade
from backend.models import ROLES, number_cases_in
from backend.accounts.permissions import NEVER_IDLE, role_names
from backend.platform.i18n import Translator
from backend.demo.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, MAX_CASES, SeedError, is_seeded, seed_city
from backend.demo.citygen.geometry import SCALES
from backend.demo.simulator import Simulator
from backend.accounts.tokens import list_tokens, new_token, revoke_token

# What `python -m dashboard --help` says of the code's layout (the README's "Layout" section says more).
LAYOUT = """where things are:
  dashboard/           app factory, this command, sign-in, Socket.IO, WSGI entry
  layouts/, callbacks/ one module per screen (component trees; their callbacks)
  assets/              CSS and the browser code: the live link and one file per screen
  backend/platform/    configuration, database, bulk writes, migrations, translations
  backend/geo/         grid tree, locating a point, scopes, map markers, grid panels
  backend/accounts/    users, passwords, sessions, API tokens, permissions, the audit log
  backend/cases/       workflow, intake, routing, duplicates, sweeper, case queries
  backend/events/      outbox, relay, event bus (in-process or Redis Streams), catch-up
  backend/indicators/  what the wall and the leaders count
  backend/api/         the REST API (/api/v1); backend/open311/ GeoReport v2
  backend/demo/        the demo city generator, seeding, the live simulator
  backend/models/      the tables, one module per aggregate; migrations/ their history"""

KNOWN_ERRORS = (ConfigError, DatabaseUnavailable, SchemaOutOfDate, SeedError, UserError, OSError)


def _case_count(value: str) -> int:
    """`seed --cases N`: a whole number in range, or argparse's usage error saying so."""
    try:
        count = int(value.replace("_", "").replace(",", ""))
    except ValueError:
        count = -1
    if not 0 <= count <= MAX_CASES:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {MAX_CASES:,}, not {value!r}")
    return count


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", epilog=LAYOUT,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description="Grid command centre. Without a subcommand: serve.")
    commands = parser.add_subparsers(dest="command", metavar="{" + ",".join(COMMANDS) + "}")
    serve = commands.add_parser("serve", help="serve the command centre (default)")
    serve.add_argument("--host", help="address to listen on (HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (PORT, default 8050)")
    serve.add_argument("--no-simulator", action="store_true", help="do not simulate the demo city (no live reports, no staff at work)")
    seed = commands.add_parser("seed", help="generate a demo city into the database")
    seed.add_argument("--scale", choices=list(SCALES), default="small")
    seed.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same city")
    seed.add_argument("--replace", action="store_true", help="wipe the city already in the database first")
    seed.add_argument("--cases", type=_case_count, metavar="N", help="this many past cases (0 to "
                      f"{MAX_CASES:,}; a million seeds in minutes) instead of the scale's usual history")
    db = commands.add_parser("db", help="database schema: upgrade or show the current revision")
    db.add_argument("action", choices=["upgrade", "current"])
    simulate = commands.add_parser("simulate", help="run the live report simulator alone against the database")
    simulate.add_argument("--rate", type=float, help="reports per hour at the daily peak")
    simulate.add_argument("--count", type=int, help="stop after this many reports")
    user = commands.add_parser("create-user", help="add a user; the password is read from the terminal or stdin")
    user.add_argument("username")
    user.add_argument("--role", choices=ROLES, required=True)
    user.add_argument("--grid", required=True, help="code of the grid that is the user's scope, e.g. 410100-001")
    user.add_argument("--name", help="display name")
    user.add_argument("--language", choices=["zh_Hans", "en"], default="zh_Hans")
    password = commands.add_parser("set-password", help="give a user a new password (read from the terminal or "
                                   "stdin); signs the user out everywhere")
    password.add_argument("username")
    for name, what in (("deactivate", "the user can no longer sign in; their sessions end and tokens stop working"),
                       ("activate", "the user may sign in again")):
        commands.add_parser(name, help=what).add_argument("username")
    token = commands.add_parser("create-token", help="issue an API token (devices, other systems, Open311 api_key)")
    token.add_argument("username", help="the user the token acts as (its role and scope)")
    token.add_argument("--name", required=True, help="what uses the token, e.g. 'handheld 0042' or 'city hotline'")
    token.add_argument("--expires-days", type=float, help="the token stops working this many days from now "
                       "(default: when revoked)")
    tokens = commands.add_parser("tokens", help="list API tokens (never the tokens themselves)")
    tokens.add_argument("--user", help="only this user's")
    revoke = commands.add_parser("revoke-token", help="revoke an API token by its id (see: tokens)")
    revoke.add_argument("id", type=int)
    commands.add_parser("settings", help="print the environment variables it reads, as the README's markdown table")
    return parser


def _engine(config: Config, migrate: bool = True):
    engine = make_engine(config.database_url)
    check_connection(engine)
    if migrate and ensure_schema(engine):
        print(f"created the schema in {describe(config.database_url)}")
    return engine


def _port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        # As the server binds (werkzeug's and gunicorn's both reuse the address): connections of a server just
        # stopped, still closing, must not hold a restart back; only another listener does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise OSError(f"port {port} on {host} is in use; stop the other server or pass --port N "
                          "(or set PORT)") from None


def prepare(config: Config) -> None:
    """Before serving: services reachable, schema current, and in demo mode a city to show."""
    if config.redis_url:
        check_redis(config.redis_url)
    engine = _engine(config)
    if not is_seeded(engine):
        if not config.demo:
            raise SeedError("the database holds no city; load one (or run: python -m dashboard seed) first")
        print("empty database: seeding the small demo city ...")
        seed_city(engine, "small", 1, datetime.now(timezone.utc), demo_users=True)
    engine.dispose()


def serving(config: Config, args) -> Config:
    """The settings `serve` runs with: its options over the environment's (--no-simulator stills the whole demo
    city, its reports and its staff)."""
    return config.updated(host=args.host or config.host, port=args.port or config.port,
                          simulator=config.simulator and not args.no_simulator,
                          simulator_staff=config.simulator_staff and not args.no_simulator)


def cmd_serve(config: Config, args) -> int:
    config = serving(kept_secret(config), args)
    _port_free(config.host, config.port)
    prepare(config)
    from dashboard.app import create_app  # imports Dash: only when serving

    from dashboard import background

    centre = create_app(config)
    background.start(centre)
    server = demo_server(centre.server, config.host, config.port)
    print(f"Grid command centre: http://{config.host}:{config.port}/wall")  # listening by now
    if config.demo:
        print(demo_accounts(), flush=True)
    server.serve_forever()
    return 0


def demo_accounts() -> str:
    """The seed's demo accounts (backend/demo/seed.py DEMO_ACCOUNTS), as the console lists them at start."""
    names = role_names(Translator("en"))
    return f"demo accounts (password {DEMO_PASSWORD}): " + ", ".join(
        f"{username} ({names[role].lower()}, {scope}{', never idle: for a kiosk' if role in NEVER_IDLE else ''})"
        for username, role, scope in DEMO_ACCOUNTS)


def demo_server(app, host: str, port: int):
    """The demo's server, bound: werkzeug's, threaded (Socket.IO's threading mode runs on it), without the startup
    banner `app.run` prints (its red "development server" warning is for production, which runs gunicorn: see the
    README's "Production"). Each request is still logged, errors with their traceback."""
    from werkzeug.serving import make_server

    return make_server(host, port, app, threaded=True)


def cmd_seed(config: Config, args) -> int:
    engine = _engine(config)
    summary = seed_city(engine, args.scale, args.seed, datetime.now(timezone.utc), demo_users=config.demo,
                        replace=args.replace, progress=lambda line: print(line, flush=True), cases=args.cases)
    print(f"seeded {summary.scale}: grids by level {summary.grids}, {summary.persons} persons, "
          f"{summary.cases} past cases in {summary.seconds:.1f} s")
    return 0


def cmd_db(config: Config, args) -> int:
    engine = _engine(config, migrate=False)
    if args.action == "upgrade":
        upgrade(engine)
    print(f"schema revision {current_revision(engine) or 'none'} (code needs {head_revision()})")
    return 0


def cmd_simulate(config: Config, args) -> int:
    engine = _engine(config)
    sessions = session_factory(engine)
    with sessions() as session:
        locator = GridLocator.from_session(session)
    if args.rate:
        config = config.updated(simulator_peak_per_hour=args.rate)
    Simulator(sessions, locator, config).run(threading.Event(), limit=args.count)
    return 0


def _password() -> str:
    return getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")


def operator() -> str:
    """Who the audit log says made a change from the command line: the operating system's user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return "cli"


def _change(config: Config, change, action: str, target, detail: dict | None = None):
    """Run `change(session, now)` and record it in the audit log, in one transaction; answers what it answered.
    `target`: what the entry names, or a function of the change's answer giving it."""
    now = datetime.now(timezone.utc)
    with session_factory(_engine(config))() as session:
        result = change(session, now)
        record(session, at=now, action=action, actor_name=operator(),
               target=target(result) if callable(target) else target, detail=detail)
        session.commit()
        return result


def cmd_create_user(config: Config, args) -> int:
    password = _password()
    _change(config, lambda session, now: create_user(
        session, username=args.username, password=password, role=args.role, grid_code=args.grid,
        display_name=args.name, language=args.language), "user_created", f"user:{args.username}",
        {"role": args.role, "grid": args.grid})
    print(f"created user {args.username} ({args.role}, scope {args.grid})")
    return 0


def cmd_set_password(config: Config, args) -> int:
    password = _password()
    _change(config, lambda session, now: set_password(session, args.username, password, now),
            "password_changed", f"user:{args.username}")
    print(f"new password for {args.username}; their sessions have ended")
    return 0


def cmd_deactivate(config: Config, args) -> int:
    _change(config, lambda session, now: deactivate(session, args.username, now), "user_deactivated",
            f"user:{args.username}")
    print(f"deactivated {args.username}: signed out everywhere, tokens refused")
    return 0


def cmd_activate(config: Config, args) -> int:
    _change(config, lambda session, now: reactivate(session, args.username), "user_activated",
            f"user:{args.username}")
    print(f"activated {args.username}")
    return 0


def cmd_create_token(config: Config, args) -> int:
    _row, token = _change(config, lambda session, now: new_token(session, args.username, args.name, now,
                                                                 args.expires_days),
                          "token_issued", lambda issued: f"token:{issued[0].id}",
                          {"user": args.username, "name": args.name, "expires_days": args.expires_days})
    print(token)
    return 0


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def cmd_tokens(config: Config, args) -> int:
    with session_factory(_engine(config))() as session:
        rows = list_tokens(session, args.user)
    print("id\tname\tuser\tcreated\texpires\trevoked")
    for token, username in rows:
        print(f"{token.id}\t{token.name}\t{username}\t{_when(token.created_at)}\t{_when(token.expires_at)}\t"
              f"{'yes' if token.revoked else 'no'}")
    return 0


def cmd_revoke_token(config: Config, args) -> int:
    _change(config, lambda session, now: revoke_token(session, args.id), "token_revoked", f"token:{args.id}")
    print(f"revoked token {args.id}")
    return 0


def cmd_settings(config: Config, args) -> int:
    print(settings_table())
    return 0


COMMANDS = {"serve": cmd_serve, "seed": cmd_seed, "db": cmd_db, "simulate": cmd_simulate,
            "create-user": cmd_create_user, "set-password": cmd_set_password, "deactivate": cmd_deactivate,
            "activate": cmd_activate, "create-token": cmd_create_token, "tokens": cmd_tokens,
            "revoke-token": cmd_revoke_token, "settings": cmd_settings}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0] not in COMMANDS and argv[0] not in {"-h", "--help"}):
        argv = ["serve", *argv]  # serving is the default: `python -m dashboard --port 8060`
    args = _parser().parse_args(argv)
    # One line per event, key=value after the logger name, so logs grep and parse alike.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        config = Config.from_env()
        number_cases_in(config.timezone)
        return COMMANDS[args.command](config, args)
    except KNOWN_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; an unfinished seed or action was rolled back", file=sys.stderr)
        return 130
