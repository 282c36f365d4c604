"""Configuration from environment variables, with safe defaults.

One `Config` object is built at start-up and handed to everything that needs
it; nothing reads the environment anywhere else. Each setting is declared once
below: its type, default, bounds, meaning and environment variable; the
README's table is generated from these declarations (`settings_table`).
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.platform.i18n import LANGUAGES

DEFAULT_SQLITE_PATH = Path("instance") / "command-centre.sqlite"
DEMO_SECRET_PATH = Path("instance") / "secret-key"
SECRET_KEY_HINT = "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _known_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except Exception:
        raise ValueError("not a known IANA time zone, e.g. Asia/Shanghai") from None
    return name


def _supported_language(code: str) -> str:
    if code not in LANGUAGES:
        raise ValueError(f"not supported; use one of {', '.join(LANGUAGES)}")
    return code


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/") or parts.query:
        raise ValueError("not an origin; write scheme and host (and port) only, e.g. https://grid.example.gov.cn")
    return f"{parts.scheme}://{parts.netloc}".lower()


def setting(default: Any = None, *, env: str, description: str, shown_default: str | None = None,
            **options: Any) -> Any:
    """A setting read from the environment variable `env`; `options` are pydantic's (bounds, default_factory).
    `shown_default` says in words what a `default_factory` gives, for the README."""
    if "default_factory" not in options:
        options["default"] = default
    return Field(validation_alias=env, description=description, json_schema_extra={"shown_default": shown_default},
                 **options)


class Config(BaseSettings):
    """Every setting of the product."""

    model_config = SettingsConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True, extra="forbid")

    database_url: str = setting(f"sqlite:///{DEFAULT_SQLITE_PATH}", env="DATABASE_URL", description=(
        "`postgresql://user:password@host:5432/db` for production (psycopg 3 is used)"))
    redis_url: str | None = setting(None, env="REDIS_URL", description=(
        "`redis://host:6379/0`: Socket.IO message queue across processes (and, with the event stream, its log)"))
    demo: bool = setting(True, env="DEMO", description=(
        "demo mode: demo accounts, simulator on, a generated city on first start"))
    secret_key: str = setting(env="SECRET_KEY", default_factory=lambda: secrets.token_hex(32),
                              shown_default="in demo mode, made on the first start and kept in `instance/secret-key`", description=(
                                  "signs session cookies; **required** when `DEMO=0`, the same in every process"))
    host: str = setting("127.0.0.1", env="HOST", description="where `serve` listens")
    port: int = setting(8050, env="PORT", gt=0, lt=65536, description="the port `serve` listens on")
    timezone: Annotated[str, AfterValidator(_known_time_zone)] = setting("Asia/Shanghai", env="TIMEZONE", description=(
        'local time for "today" and for times on screen (stored times are UTC)'))
    default_language: Annotated[str, AfterValidator(_supported_language)] = setting(
        "zh_Hans", env="LANGUAGE", description=(
            "default language of the sign-in page (`zh_Hans` or `en`); each user picks their own in the header"))
    tile_url: str | None = setting(None, env="TILE_URL", description=(
        "basemap tile URL template, e.g. an intranet tile server `https://tiles.example.gov/{z}/{x}/{y}.png`; "
        "unset, grids are drawn on a plain background and nothing is fetched from the internet"))
    tile_attribution: str = setting("", env="TILE_ATTRIBUTION", description="attribution shown for those tiles")
    simulator: bool = setting(env="SIMULATOR", default_factory=lambda settings: settings["demo"],
                              shown_default="`1` in demo mode, else `0`", description="generate live demo reports")
    # 240/h is one every 15 s: the wall looks alive without flooding a small demo city.
    simulator_peak_per_hour: float = setting(240.0, env="SIMULATOR_PEAK_PER_HOUR", description=(
        "simulated reports per hour at the busiest hour (the night is quieter, see backend.demo.simulator)"))
    simulator_staff: bool = setting(env="SIMULATOR_STAFF", default_factory=lambda settings: settings["simulator"]
                                    and settings["demo"], shown_default="`SIMULATOR`'s value in demo mode, else `0`",
                                    description=(
                                        "the demo's staff at work: cases registered, dispatched, handled and closed "
                                        "by the demo accounts (backend.demo.staff); refused when `DEMO=0`"))
    # Time limits (DOMAIN.md §9 step lights).
    yellow_share: float = setting(0.8, env="YELLOW_SHARE", gt=0, lt=1, description=(
        "share of a case's time limit after which it gets a yellow card (red once it is overdue)"))
    # Two hours gives the assignee the rest of a shift to finish before the level above steps in.
    escalation_grace_hours: float = setting(2.0, env="ESCALATION_GRACE_HOURS", ge=0, description=(
        "hours overdue before the sweeper escalates a case one level up"))
    # Cards change at minute granularity on screens anyway.
    sweep_seconds: float = setting(60.0, env="SWEEP_SECONDS", gt=0, description=(
        "how often the sweeper checks time limits"))
    # One block, one day.
    duplicate_radius_m: float = setting(150.0, env="DUPLICATE_RADIUS_M", ge=0, description=(
        "how near an open case of the same category must be for a new report to be flagged as its duplicate"))
    duplicate_window_hours: float = setting(24.0, env="DUPLICATE_WINDOW_HOURS", ge=0, description=(
        "how recent that open case must be"))
    upload_dir: str = setting("instance/uploads", env="UPLOAD_DIR", description=(
        "where photos sent with feedback are stored"))
    # About two days at Zhoushan's ~50,000 messages a day; older gaps mean "reload". Fewer than 1000
    # would not cover one reconnect of a busy screen.
    event_stream_length: int = setting(100_000, env="EVENT_STREAM_LENGTH", ge=1000, description=(
        "events the stream keeps for screens catching up after a reconnect (about two days of a large city)"))
    # A busy device costs no database read per request.
    token_recheck_seconds: float = setting(5.0, env="TOKEN_RECHECK_SECONDS", ge=0, description=(
        "how long a process trusts what it last read of a bearer token; "
        "a revoked token or deactivated user is refused within this time"))

    # The web edge (README "Security").
    public_url: Annotated[str, AfterValidator(_origin)] | None = setting(None, env="PUBLIC_URL", description=(
        "the address users reach the product at, e.g. `https://grid.example.gov.cn`: the only origin allowed to "
        "change state and to open live connections, and Open311 discovery's URL; unset, each request's own "
        "address is its origin (one host, no proxy rewriting `Host`)"))
    proxies: int = setting(0, env="PROXIES", ge=0, le=5, description=(
        "how many reverse proxies stand in front; their `X-Forwarded-For/-Proto/-Host` are believed from that "
        "many hops only (0: from none, the peer's address is the client's)"))
    secure_cookies: bool = setting(env="SECURE_COOKIES", default_factory=lambda settings: str(
        settings.get("public_url") or "").startswith("https://"), shown_default="`1` when `PUBLIC_URL` is https",
        description="send the session cookie over HTTPS only")
    idle_timeout_minutes: float = setting(30.0, env="IDLE_TIMEOUT_MINUTES", gt=0, description=(
        "a browser session untouched this long is ended (wall display accounts excepted)"))
    upload_quota_mb: float = setting(200.0, env="UPLOAD_QUOTA_MB", gt=0, description=(
        "megabytes of photos one user may upload in a day"))

    def __init__(self, **values: Any):
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise ConfigError(_explain(error)) from None

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, **_environment_and_files):
        """Config(...) is exactly what it is given (tests build their own): only from_env reads the environment."""
        return (init_settings,)

    @model_validator(mode="after")
    def _production_has_a_secret(self) -> "Config":
        if not self.demo and "secret_key" not in self.model_fields_set:
            raise ValueError(f"SECRET_KEY must be set when DEMO=0 (production mode); {SECRET_KEY_HINT}")
        return self

    @model_validator(mode="after")
    def _staff_only_in_demo(self) -> "Config":
        # The staff player acts as people on real cases: in production that would be forged work.
        if self.simulator_staff and not self.demo:
            raise ValueError("SIMULATOR_STAFF=1 needs DEMO=1: simulated staff never act on a real city")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Config":
        """The settings in `env` (the process environment by default); an empty variable counts as unset."""
        env = os.environ if env is None else env
        names = [field.validation_alias for field in cls.model_fields.values()]
        return cls(**{name: env[name] for name in names if env.get(name)})

    def updated(self, **changes: Any) -> "Config":
        """A copy with `changes` (by attribute name), validated like the original."""
        return type(self)(**(self.model_dump() | changes))


def kept_secret(config: Config, path: Path = DEMO_SECRET_PATH) -> Config:
    """Demo mode without `SECRET_KEY`: the key kept in `path` (made on the first start, readable by its owner only)
    instead of a new one per start, so that a restart signs nobody out and a kiosk wall stays signed in."""
    if not config.demo or "secret_key" in config.model_fields_set:
        return config
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        draft.touch(mode=0o600)
        draft.write_text(config.secret_key)
        os.link(draft, path)  # atomic, and refused if another process made it first: every process reads one key
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)
    return config.updated(secret_key=path.read_text().strip())


def _explain(error: ValidationError) -> str:
    """One line naming the first bad setting by its environment variable, and what it should be."""
    problem = error.errors()[0]
    message = problem["msg"].removeprefix("Value error, ")
    if not problem["loc"]:  # a rule across settings (the secret key): its message names the variable
        return message
    name = problem["loc"][0]
    name = Config.model_fields[name].validation_alias if name in Config.model_fields else name
    return f"{name}={problem['input']!r}: {message[0].lower()}{message[1:]}"


def _default_text(field) -> str:
    if field.default_factory is not None:
        return field.json_schema_extra["shown_default"]
    value = field.default
    if value is None or value == "":
        return "unset" if value is None else "empty"
    if isinstance(value, bool) or (isinstance(value, float) and value.is_integer()):
        value = int(value)  # as it is written in the environment: DEMO=1, SWEEP_SECONDS=60
    return f"`{value}`"


BOUNDS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}  # annotated_types.Gt(gt=0) and the like, by class name


def _bounds_text(field) -> str:
    kinds = [(type(rule).__name__.lower(), rule) for rule in field.metadata]
    bounds = [f"{BOUNDS[kind]} {getattr(rule, kind)}" for kind, rule in kinds if kind in BOUNDS]
    return f"; must be {' and '.join(bounds)}" if bounds else ""


def settings_table() -> str:
    """The README's Configuration table, in markdown: one row per setting, from its declaration."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{field.validation_alias}` | {_default_text(field)} | {field.description}{_bounds_text(field)} |"
             for field in Config.model_fields.values()]
    return "\n".join(rows)
