"""Login, logout and the gate every request passes: Flask-Login sessions over backend.accounts.users."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from cachetools import TTLCache
from flask import Blueprint, Flask, jsonify, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy.orm import joinedload

from backend.accounts.users import authenticate
from backend.platform.i18n import LANGUAGES, Translator
from backend.models import User
from backend.geo.scope import Scope
from backend.accounts.tokens import digest, user_for_token
from dashboard.context import centre

# Paths anyone may fetch: the login form and static files (no data in them), and Open311,
# whose GET endpoints the GeoReport v2 convention makes public (POST checks its api_key).
PUBLIC_PREFIXES = ("/login", "/assets/", "/_dash-component-suites/", "/_favicon.ico", "/healthz", "/open311/")


@dataclass
class SessionUser(UserMixin):
    """What a request knows about its user: loaded once per request, detached from the database."""

    id: int
    username: str
    display_name: str
    role: str
    language: str
    scope: Scope
    person_id: int | None = None
    department_id: int | None = None

    @property
    def translator(self) -> Translator:
        return Translator(self.language)


# Every request loads its user: grid and person come in the same query (one round trip, not three).
WITH_SCOPE = (joinedload(User.grid), joinedload(User.person))


def _session_user(session, user: User | None) -> SessionUser | None:
    if user is None or not user.active:
        return None
    return SessionUser(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                       language=user.language, scope=Scope.of_user(session, user), person_id=user.person_id,
                       department_id=user.person.department_id if user.person else None)


def load_session_user(sessions, user_id: str) -> SessionUser | None:
    with sessions() as session:
        user = session.get(User, int(user_id), options=WITH_SCOPE) if user_id.isdigit() else None
        return _session_user(session, user)


def load_token_user(sessions, token: str) -> SessionUser | None:
    with sessions() as session:
        return _session_user(session, user_for_token(session, token, options=WITH_SCOPE))


def bearer_token(request) -> str | None:
    """Devices and other systems: `Authorization: Bearer <token>` (see backend.accounts.tokens)."""
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


blueprint = Blueprint("auth", __name__, template_folder="templates")  # login.html


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot be used to redirect elsewhere."""
    if not target or urlparse(target).netloc or not target.startswith("/") or target.startswith("//"):
        return "/wall"
    return target


def _login_page(error: str = "", username: str = "", status: int = 200):
    lang = request.values.get("lang") or centre().config.default_language
    lang = lang if lang in LANGUAGES else "en"
    return render_template("login.html", _=Translator(lang), lang=lang, languages=LANGUAGES, error=error,
                           username=username, next=_safe_next(request.values.get("next"))), status


@blueprint.get("/login")
def login_form():
    return _login_page()


@blueprint.post("/login")
def login_submit():
    command_centre = centre()
    username = request.form.get("username", "")
    with command_centre.sessions() as session:
        user = authenticate(session, username, request.form.get("password", ""))
        user_id = user.id if user else None
    if user_id is None:
        default = command_centre.config.default_language
        language = request.form.get("lang", default)
        _ = Translator(language if language in LANGUAGES else default)
        return _login_page(_("Wrong user name or password."), username, 401)
    login_user(load_session_user(command_centre.sessions, str(user_id)))
    return redirect(_safe_next(request.form.get("next")))


@blueprint.get("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login_form"))


def _gate():
    """Every non-public request needs a signed-in user: pages redirect, data calls get 401."""
    if current_user.is_authenticated or request.path.startswith(PUBLIC_PREFIXES):
        return None
    if request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
        return redirect(url_for("auth.login_form", next=request.full_path.rstrip("?")))
    return jsonify(code="unauthenticated", message="sign in first: POST /login"), 401


def init_auth(server: Flask, sessions, token_recheck_seconds: float) -> None:
    tokens = RecentTokens(token_recheck_seconds)

    def token_user(request) -> SessionUser | None:
        token = bearer_token(request)
        return tokens.user(token, lambda t: load_token_user(sessions, t)) if token else None

    manager = LoginManager(server)
    manager.session_protection = "strong"
    manager.user_loader(lambda user_id: load_session_user(sessions, user_id))
    manager.request_loader(token_user)
    server.register_blueprint(blueprint)
    server.before_request(_gate)
