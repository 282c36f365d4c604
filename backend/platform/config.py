"""Configuration from environment variables, with safe defaults.

One `Config` object is built at start-up and handed to everything that needs
it; nothing reads the environment anywhere else.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_SQLITE_PATH = Path("instance") / "command-centre.sqlite"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off")


def _number(name: str, raw: str, kind: type) -> float | int:
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a {kind.__name__}") from None


@dataclass(frozen=True)
class Config:
    """Every setting of the product. `from_env` documents each variable's name."""

    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    redis_url: str | None = None
    demo: bool = True
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    host: str = "127.0.0.1"
    port: int = 8050
    timezone: str = "Asia/Shanghai"
    default_language: str = "zh_Hans"
    tile_url: str | None = None
    tile_attribution: str = ""
    simulator: bool = True
    # Reports per hour at the busiest hour of the day; the night is quieter
    # (see backend.demo.simulator). 240/h is one every 15 s: the wall looks alive
    # without flooding a small demo city.
    simulator_peak_per_hour: float = 240.0
    # Time limits (DOMAIN.md §9 step lights): a yellow card once this share of
    # the limit has passed, red once it is overdue.
    yellow_share: float = 0.8
    # Overdue this long and the sweeper escalates a case one level up: two hours
    # gives the assignee the rest of a shift to finish before the level above steps in.
    escalation_grace_hours: float = 2.0
    # The sweeper's period: cards change at minute granularity on screens anyway.
    sweep_seconds: float = 60.0
    # A new report of the same category this close in space and time to an
    # open case is flagged as a probable duplicate (one block, one day).
    duplicate_radius_m: float = 150.0
    duplicate_window_hours: float = 24.0
    upload_dir: str = "instance/uploads"
    # Events the stream keeps for screens catching up after a reconnect: about
    # two days at Zhoushan's ~50,000 messages a day; older gaps mean "reload".
    event_stream_length: int = 100_000
    # How long a process trusts what it last read of a bearer token: a revoked
    # token is refused within this time, and a busy device costs no read per request.
    token_recheck_seconds: float = 5.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Config":
        env = dict(os.environ if env is None else env)
        demo = _bool("DEMO", env.get("DEMO", "1"))
        secret = env.get("SECRET_KEY")
        if not demo and not secret:
            raise ConfigError("SECRET_KEY must be set when DEMO=0 (production mode); "
                              "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'")
        config = cls(
            database_url=env.get("DATABASE_URL") or cls.database_url,
            redis_url=env.get("REDIS_URL") or None,
            demo=demo,
            host=env.get("HOST", cls.host),
            port=int(_number("PORT", env.get("PORT", str(cls.port)), int)),
            timezone=env.get("TIMEZONE", cls.timezone),
            default_language=env.get("LANGUAGE", cls.default_language),
            tile_url=env.get("TILE_URL") or None,
            tile_attribution=env.get("TILE_ATTRIBUTION", ""),
            simulator=_bool("SIMULATOR", env.get("SIMULATOR", "1" if demo else "0")),
            simulator_peak_per_hour=float(_number(
                "SIMULATOR_PEAK_PER_HOUR", env.get("SIMULATOR_PEAK_PER_HOUR", str(cls.simulator_peak_per_hour)), float)),
        )
        numbers = {"YELLOW_SHARE": ("yellow_share", float), "ESCALATION_GRACE_HOURS": ("escalation_grace_hours", float),
                   "SWEEP_SECONDS": ("sweep_seconds", float), "DUPLICATE_RADIUS_M": ("duplicate_radius_m", float),
                   "DUPLICATE_WINDOW_HOURS": ("duplicate_window_hours", float),
                   "TOKEN_RECHECK_SECONDS": ("token_recheck_seconds", float)}
        config = replace(config, **{field: _number(name, env[name], kind)
                                    for name, (field, kind) in numbers.items() if name in env})
        if "EVENT_STREAM_LENGTH" in env:
            config = replace(config, event_stream_length=int(_number("EVENT_STREAM_LENGTH",
                                                                      env["EVENT_STREAM_LENGTH"], int)))
        if env.get("UPLOAD_DIR"):
            config = replace(config, upload_dir=env["UPLOAD_DIR"])
        if secret:
            config = replace(config, secret_key=secret)
        return config.validated()

    def validated(self) -> "Config":
        from backend.platform.i18n import LANGUAGES  # local: i18n loads catalogues

        if self.default_language not in LANGUAGES:
            raise ConfigError(f"LANGUAGE={self.default_language!r} is not supported; use one of {', '.join(LANGUAGES)}")
        try:
            from zoneinfo import ZoneInfo
            ZoneInfo(self.timezone)
        except Exception:
            raise ConfigError(f"TIMEZONE={self.timezone!r} is not a known IANA time zone, e.g. Asia/Shanghai") from None
        if not 0 < self.port < 65536:
            raise ConfigError(f"PORT={self.port} is out of range 1-65535")
        if self.event_stream_length < 1000:
            raise ConfigError(f"EVENT_STREAM_LENGTH={self.event_stream_length} is too short to catch up; use 1000 or more")
        if not 0 < self.yellow_share < 1:
            raise ConfigError(f"YELLOW_SHARE={self.yellow_share} must lie between 0 and 1, e.g. 0.8")
        for name, value in (("ESCALATION_GRACE_HOURS", self.escalation_grace_hours),
                            ("SWEEP_SECONDS", self.sweep_seconds), ("DUPLICATE_RADIUS_M", self.duplicate_radius_m),
                            ("DUPLICATE_WINDOW_HOURS", self.duplicate_window_hours),
                            ("TOKEN_RECHECK_SECONDS", self.token_recheck_seconds)):
            if value < 0 or (name == "SWEEP_SECONDS" and value == 0):
                raise ConfigError(f"{name}={value} must be positive")
        return self
