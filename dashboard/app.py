"""The app factory: one call builds the Flask server, Dash, Socket.IO and the database handles."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from urllib.parse import urlparse

import dash
from flask import Flask, redirect, request
from flask_login import current_user
from flask_socketio import SocketIO
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

import callbacks
import layouts
from backend import api, open311
from backend.platform.config import Config
from backend.models import number_cases_in
from backend.platform.db import make_engine, session_factory
from backend.platform.jobs import JobWorker
from backend.events.bus import EventBus, make_bus
from backend.events.relay import Relay
from backend.cases.batcher import IntakeBatcher
from backend.geo.locator import GridLocator
from dashboard import context, edge
from dashboard.auth import init_auth
from dashboard.screens import SCREENS, register_pages, title_of
from dashboard.presence import Presence, make_register
from dashboard.realtime import Connections, Follower, init_realtime


@dataclass
class CommandCentre:
    """Everything a running command centre holds; reachable from a request as `dashboard.context.centre()`."""

    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    server: Flask
    dash: dash.Dash
    socketio: SocketIO
    background: list = field(default_factory=list)

    @cached_property
    def bus(self) -> EventBus:
        return make_bus(self.config.redis_url, self.config.event_stream_length)

    @cached_property
    def relay(self) -> Relay:
        return Relay(self.sessions, self.bus)

    @cached_property
    def jobs(self) -> JobWorker:
        """Runs the durable jobs; the handler of each kind comes with the feature that enqueues it."""
        return JobWorker(self.sessions, handlers={})

    @cached_property
    def intake(self) -> IntakeBatcher:
        return IntakeBatcher(self.sessions, self.locator, self.config)

    @cached_property
    def follower(self) -> Follower:
        return Follower(self.bus, self.socketio)

    @cached_property
    def connections(self) -> Connections:
        return Connections(self.socketio, self.sessions, self.config.token_recheck_seconds,
                           self.config.idle_timeout_minutes)

    @cached_property
    def presence(self) -> Presence:
        return Presence(self.socketio, make_register(self.config.redis_url))

    @cached_property
    def locator(self) -> GridLocator:
        """Built on first use from the grid table (about a second at Zhengzhou's size)."""
        with self.sessions() as session:
            return GridLocator.from_session(session)


def _server(config: Config) -> Flask:
    server = Flask(__name__)
    server.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=config.secure_cookies,
        # Only a kiosk's session cookie is permanent (dashboard/auth.py); 400 days is the most browsers keep one.
        PERMANENT_SESSION_LIFETIME=timedelta(days=400),
        REMEMBER_COOKIE_SECURE=config.secure_cookies,
    )
    server.get("/healthz")(lambda: {"status": "ok"})
    # Dash owns "/"; the wall display is the home screen.
    server.before_request(lambda: redirect("/wall") if request.path == "/" else None)
    return server


class _Dash(dash.Dash):
    def interpolate_index(self, **kwargs) -> str:
        # The tab's title in the user's language from the first byte, not only once Dash has set the page's.
        return super().interpolate_index(**{**kwargs, "title": title_of(request.path)})


def _dash(server: Flask, config: Config) -> dash.Dash:
    app = _Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder="",
        assets_folder=str(layouts.ASSETS),
        title="Grid Command Centre",
        update_title=None,
        suppress_callback_exceptions=True,
        # Served on isolated intranets: never call out for anything.
        serve_locally=True,
        on_error=callbacks.errors.on_error,
    )
    register_pages(config)

    def shell_layout():
        # Dash builds the layout once on its first request, whichever it is (the
        # public POST /login among them); anonymous users never get past the gate.
        if not current_user.is_authenticated:
            return dash.html.Div(dash.page_container)
        return layouts.shell.layout(current_user.translator, current_user, config.timezone)

    app.layout = shell_layout
    server.register_error_handler(OperationalError, callbacks.errors.database_unavailable)
    server.register_error_handler(callbacks.common.BadInput, callbacks.errors.refused)
    callbacks.register(app, SCREENS)
    return app


def socketio_channel(redis_url: str | None) -> str:
    """Redis pub/sub ignores the database number: deployments sharing a Redis server on different
    databases (production and staging, or tests) must not hear each other's pushes."""
    database = urlparse(redis_url).path.strip("/") if redis_url else ""
    return f"command-centre-{database or 0}"


def create_app(config: Config) -> CommandCentre:
    number_cases_in(config.timezone)
    engine = make_engine(config.database_url)
    sessions = session_factory(engine)
    server = _server(config)
    init_auth(server, sessions, config)
    server.register_blueprint(api.blueprint)
    server.register_blueprint(open311.blueprint)
    app = _dash(server, config)
    socketio = SocketIO(server, message_queue=config.redis_url, channel=socketio_channel(config.redis_url),
                        async_mode="threading", cors_allowed_origins=edge.allows_socket_origin(config))
    edge.install(server, app, config)
    centre = CommandCentre(config=config, engine=engine, sessions=sessions, server=server, dash=app,
                           socketio=socketio)
    context.attach(server, centre)
    init_realtime(socketio, centre.bus, centre.follower, centre.presence, centre.connections, lambda: centre.locator)
    return centre
