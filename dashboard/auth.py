"""Sign-in, sign-out and the gate every request passes: server-side sessions over backend.accounts.

A browser's Flask-Login cookie holds the key of a `UserSession` row (backend.accounts.sessions), read on every
request, so signing out, a password change or a deactivation ends it in every process at once, and a copied cookie
stops working with it. The sign-in and sign-out forms carry a CSRF token (Flask-WTF's, checked here only: the Dash
callbacks and the JSON API are defended by their Origin and content-type checks). Failed sign-ins are throttled per
account and per address (Flask-Limiter; shared through Redis when it is configured). Sign-ins, their failures,
throttled attempts and sign-outs are recorded in the audit log.
"""
from __future__ import annotations

import logging
import math
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlparse

from cachetools import TTLCache
from flask import Blueprint, Flask, g, jsonify, redirect, render_template, request, session as cookie, url_for
from flask_limiter import Limiter, RequestLimit
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy.orm import joinedload
from wtforms import ValidationError

from backend.accounts.audit import record
from backend.accounts.permissions import NEVER_IDLE
from backend.accounts.keys import digest
from backend.accounts.sessions import end_idle, end_session, find_open, is_idle, start_session, touch, touch_due
from backend.accounts.tokens import user_for_token
from backend.accounts.users import authenticate, set_language
from backend.geo.scope import Scope
from backend.models import User
from backend.platform.config import Config
from backend.platform.db import begin_writing
from backend.platform.i18n import LANGUAGES, Translator
from dashboard.context import centre

# Paths anyone may fetch: the login form and static files (no data in them), sign-out (which then has nothing to
# end), and Open311, whose GET endpoints the GeoReport v2 convention makes public (POST checks its api_key).
PUBLIC_PREFIXES = ("/login", "/logout", "/assets/", "/_dash-component-suites/", "/_favicon.ico", "/healthz",
                   "/open311/")
# Requests a screen makes by itself, which do not keep its session from going idle: the live link's connection
# and its catch-up after a reconnect.
AUTOMATIC_PREFIXES = ("/socket.io", "/api/v1/events")

# Failed sign-ins allowed, per account (the user name as typed) and per client address, before the next attempt
# waits: a minute after a few, up to a quarter of an hour after more, and an hour (a lockout) after many. An office
# behind one address gets more than one account does.
ACCOUNT_LIMITS = "5 per minute; 10 per 15 minutes; 20 per hour"
ADDRESS_LIMITS = "30 per minute; 100 per 15 minutes; 300 per hour"
USERNAME_MAX = 64  # as backend.accounts.users allows; longer input is cut before it keys a counter or a log line


@dataclass
class SessionUser(UserMixin):
    """What a request knows about its user: loaded once per request, detached from the database.

    `credential` is what signed the request in: ("session", key hash) or ("token", token digest); a live
    connection is rechecked by it (dashboard/realtime.py). `session_key` is the cookie's key (browsers only)."""

    id: int
    username: str
    display_name: str
    role: str
    language: str
    scope: Scope
    person_id: int | None = None
    department_id: int | None = None
    credential: tuple[str, str] = ("", "")
    session_key: str | None = None

    @property
    def translator(self) -> Translator:
        return Translator(self.language)

    @property
    def sign_out_token(self) -> str:
        """The CSRF token the header's sign-out form carries; none for a bearer token's user, who has no
        session to end (and whose cookie jar, given a session cookie, would fail Flask-Login's strong
        session protection on the next request and lose its token's sign-in)."""
        return generate_csrf() if self.session_key else ""

    def get_id(self) -> str | None:
        return self.session_key  # what Flask-Login keeps in the cookie


# Every request loads its user: grid and person come in the same query (one round trip, not three).
WITH_SCOPE = (joinedload(User.grid), joinedload(User.person))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _session_user(session, user: User | None, credential: tuple[str, str],
                  session_key: str | None = None) -> SessionUser | None:
    if user is None or not user.active:
        return None
    return SessionUser(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                       language=user.language, scope=Scope.of_user(session, user), person_id=user.person_id,
                       department_id=user.person.department_id if user.person else None,
                       credential=credential, session_key=session_key)


def _write(sessions, change):
    """Run `change(session)` in a transaction of its own that writes, commit it, and answer what it answered."""
    with sessions() as session:
        begin_writing(session)
        result = change(session)
        session.commit()
        return result


def load_session_user(sessions, key: str, idle_minutes: float) -> SessionUser | None:
    """The user of the open session `key`. An idle session is ended here (and the request told so, `g.idle`);
    a session in use is noted as such at most once a minute, and not for the requests a screen makes by itself."""
    now = utcnow()
    with sessions() as session:
        found = find_open(session, key, options=WITH_SCOPE)
        if found is None:
            return None
        row, user = found
        idle = is_idle(row.last_seen_at, user.role, now, idle_minutes)
        signed_in = None if idle else _session_user(session, user, ("session", row.key_hash), key)
    if idle:
        _write(sessions, lambda session: end_idle(session, [row.id], now))
        g.idle = True
    elif touch_due(row, now) and not request.path.startswith(AUTOMATIC_PREFIXES):
        _write(sessions, lambda session: touch(session, row.id, now))
    return signed_in


def load_token_user(sessions, token: str) -> SessionUser | None:
    with sessions() as session:
        return _session_user(session, user_for_token(session, token, options=WITH_SCOPE), ("token", digest(token)))


class RedactSecrets(logging.Filter):
    """Blanks secrets a client put in a URL (they are never accepted there) out of the request log: werkzeug
    logs each request line, query string included."""

    PARAMETER = re.compile(r"(?i)\b(api_key|access_token|token|password|csrf_token)=[^&\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.PARAMETER.sub(r"\1=[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


REDACT_SECRETS = RedactSecrets()  # one filter, however many apps a process builds


def bearer_token(request) -> str | None:
    """Devices and other systems: `Authorization: Bearer <token>` (see backend.accounts.tokens). Never a
    query parameter: URLs are written to logs."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class RecentTokens:
    """Whom a bearer token belongs to, remembered for a few seconds per process.

    A device sends its token with every request, and a busy one many per
    second; reading the token, the user and the scope each time costs a
    database round trip per request. A revoked token or a deactivated user is
    refused once the memory expires (`Config.token_recheck_seconds`). Unknown
    tokens are not remembered, so a token works as soon as it is issued.
    Screens (session cookies) are read every time: they are few, and a
    language switch must show on the next page.
    """

    # Far more devices than a city's handhelds; past it the least recently used token is read again.
    MAX_ENTRIES = 10_000

    def __init__(self, seconds: float, clock=time.monotonic):
        self._users: TTLCache[str, SessionUser] = TTLCache(self.MAX_ENTRIES, ttl=seconds, timer=clock)
        self._lock = threading.Lock()  # requests run in threads, and a TTLCache is not thread-safe

    def user(self, token: str, load) -> SessionUser | None:
        """The remembered user of `token`, or `load(token)`'s answer (remembered if it is a user)."""
        key = digest(token)  # no clear tokens kept in memory
        with self._lock:
            user = self._users.get(key)
        if user is None:
            user = load(token)  # outside the lock: one slow read does not hold up other devices
            if user is not None:
                with self._lock:
                    self._users[key] = user
        return user


class SignInManager(LoginManager):
    """Flask-Login, whose "strong" protection guards only a session that holds a user. A session with nothing
    but a form's CSRF token (a visit to the sign-in page) has nothing to protect; Flask-Login would call it
    tampered with and make the request anonymous, a bearer token's included, on every request after."""

    def _session_protection_failed(self) -> bool:
        return "_user_id" in cookie and super()._session_protection_failed()


blueprint = Blueprint("auth", __name__, template_folder="templates")  # login.html


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot be used to redirect elsewhere."""
    if not target or urlparse(target).netloc or not target.startswith("/") or target.startswith("//"):
        return "/wall"
    return target


def _chosen_language() -> str | None:
    """The language picked on the sign-in page (`?lang=`, then the form's), if any."""
    lang = request.values.get("lang")
    return lang if lang in LANGUAGES else None


def _language() -> str:
    lang = _chosen_language() or centre().config.default_language
    return lang if lang in LANGUAGES else "en"


def _login_page(error: str = "", username: str = "", status: int = 200, notice: str = ""):
    lang = _language()
    return render_template("login.html", _=Translator(lang), lang=lang, chosen=_chosen_language(),
                           languages=LANGUAGES, error=error, notice=notice, username=username, csrf_token=generate_csrf(),
                           next=_safe_next(request.values.get("next"))), status


def _csrf_ok() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


def _expired_form():
    _ = Translator(_language())
    return _login_page(_("The form had expired (or came from another site). Please try again."), status=400)


def typed_username() -> str:
    """The user name as typed, cut to a user name's length: what failures are counted and recorded by."""
    return request.form.get("username", "").strip()[:USERNAME_MAX]


def _audit(session, now: datetime, action: str, actor_name: str, actor_user_id: int | None = None,
           detail: dict | None = None) -> None:
    record(session, at=now, action=action, actor_name=actor_name or "?", actor_user_id=actor_user_id,
           address=request.remote_addr, target=f"user:{actor_name}" if actor_name else None, detail=detail)


@blueprint.get("/login")
def login_form():
    _ = Translator(_language())
    notice = _("You were signed out after a while without activity.") if request.args.get("idle") else ""
    return _login_page(notice=notice)


@blueprint.post("/login")
def login_submit():
    if not _csrf_ok():
        return _expired_form()
    command_centre = centre()
    username, now, language = typed_username(), utcnow(), _chosen_language()
    with command_centre.sessions() as session:
        user = authenticate(session, username, request.form.get("password", ""))
        user_id, name = (user.id, user.username) if user else (None, username)

    def note(session) -> str | None:
        """The audit entry, and for a right password the new session (answers its key) and the language picked on
        the page, saved as the user's (as the header's switch saves it)."""
        if user_id is None:
            _audit(session, now, "sign_in_failed", name)
            return None
        _audit(session, now, "sign_in", name, user_id)
        if language:
            set_language(session, user_id, language)
        return start_session(session, user_id, now, request.remote_addr, request.headers.get("User-Agent"))

    key = _write(command_centre.sessions, note)
    signed_in = key and load_session_user(command_centre.sessions, key, command_centre.config.idle_timeout_minutes)
    if not signed_in:  # a wrong password (or the user deactivated this very moment)
        _ = Translator(_language())
        return _login_page(_("Wrong user name or password."), username, 401)  # 401: counted by the throttle
    cookie.pop("csrf_token", None)  # a new form token for the signed-in session
    g.pop("csrf_token", None)
    login_user(signed_in)
    # A wall display's browser may be restarted (a power cut, a nightly reboot) with nobody there to sign in: its
    # cookie outlives the browser (PERMANENT_SESSION_LIFETIME). Everyone else's ends with the browser.
    cookie.permanent = signed_in.role in NEVER_IDLE
    return redirect(_safe_next(request.form.get("next")))


@blueprint.get("/logout")
def logout_form():
    """An old link to sign-out: signing out is a POST, so this page only offers the button."""
    lang = _language()
    return render_template("logout.html", _=Translator(lang), lang=lang, csrf_token=generate_csrf())


@blueprint.post("/logout")
def logout():
    if not _csrf_ok():
        return _expired_form()
    user = current_user
    if user.is_authenticated and user.session_key:
        now = utcnow()

        def sign_out(session):
            if end_session(session, user.session_key, now) is not None:
                _audit(session, now, "sign_out", user.username, user.id)

        _write(centre().sessions, sign_out)
    logout_user()
    return redirect(url_for("auth.login_form"))


def _throttled(limit: RequestLimit):
    """The answer to a sign-in refused for too many failures (once per request, however many limits it broke):
    429 with Retry-After (the longest wait of the broken limits) and the login page saying how long."""
    if "throttled" not in g:
        limiter: Limiter = centre().server.extensions["sign_in_limiter"]
        # The windows' own end times (RequestLimit.reset_at rounds them up a second more).
        reset_at = max([lim.window.reset_time for lim in limiter.current_limits if lim.breached]
                       or [limit.window.reset_time])
        seconds = max(1, math.ceil(reset_at - time.time()))
        _write(centre().sessions, lambda session: _audit(session, utcnow(), "sign_in_throttled", typed_username(),
                                                         detail={"retry_after": seconds}))
        _ = Translator(_language())
        minutes = math.ceil(seconds / 60)
        message = _.ngettext("Too many failed sign-ins. Try again in {count} minute.",
                             "Too many failed sign-ins. Try again in {count} minutes.", minutes).format(count=minutes)
        body, status = _login_page(message, typed_username(), 429)
        response = centre().server.make_response((body, status))
        response.headers["Retry-After"] = str(seconds)
        g.throttled = response
    return g.throttled


def _throttle(server: Flask, redis_url: str | None) -> None:
    """Count failed sign-ins (answered 401) per account and per address; refuse more while over a limit, even
    with the right password. Redis unreachable: each process counts in its own memory until it is back."""
    # A Redis that does not answer within 2 s counts as down: sign-in must not hang on it.
    limiter = Limiter(lambda: f"address:{request.remote_addr}", app=server, storage_uri=redis_url or "memory://",
                      storage_options={"socket_connect_timeout": 2, "socket_timeout": 2} if redis_url else {},
                      strategy="moving-window", key_prefix="command-centre-sign-in", in_memory_fallback_enabled=True,
                      swallow_errors=True, fail_on_first_breach=False)
    server.extensions["sign_in_limiter"] = limiter

    def failed(response) -> bool:
        return response.status_code == 401

    by_account = limiter.limit(ACCOUNT_LIMITS, key_func=lambda: f"account:{typed_username().casefold()}",
                               deduct_when=failed, on_breach=_throttled)
    by_address = limiter.limit(ADDRESS_LIMITS, deduct_when=failed, on_breach=_throttled)
    # The blueprint is shared by every app built in a process; each app's limiter wraps its own view.
    server.view_functions["auth.login_submit"] = by_account(by_address(login_submit))


def _gate():
    """Every non-public request needs a signed-in user: pages redirect, data calls get 401."""
    if current_user.is_authenticated or request.path.startswith(PUBLIC_PREFIXES):
        return None
    if request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
        idle = {"idle": 1} if g.get("idle") else {}
        return redirect(url_for("auth.login_form", next=request.full_path.rstrip("?"), **idle))
    return jsonify(code="unauthenticated", message="sign in first: POST /login"), 401


def init_auth(server: Flask, sessions, config: Config) -> None:
    tokens = RecentTokens(config.token_recheck_seconds)

    def token_user(request) -> SessionUser | None:
        token = bearer_token(request)
        return tokens.user(token, lambda t: load_token_user(sessions, t)) if token else None

    # The form tokens last as long as the browser's session cookie: a screen may stay open all day before
    # its user signs out.
    server.config["WTF_CSRF_TIME_LIMIT"] = None
    logging.getLogger("werkzeug").addFilter(REDACT_SECRETS)
    manager = SignInManager(server)
    manager.session_protection = "strong"
    # Remember-me cookies are never set (login_user without remember); one would hold a session key too,
    # and so open only what the session still opens.
    manager.user_loader(lambda key: load_session_user(sessions, key, config.idle_timeout_minutes))
    manager.request_loader(token_user)
    server.register_blueprint(blueprint)
    _throttle(server, config.redis_url)
    server.before_request(_gate)
