"""Header callbacks: the clock and the live link (in the browser), the navigation's highlight, the per-user
language switch, and the retry after a failed callback (callbacks/errors.py)."""
from __future__ import annotations

from dash import ALL, Input, Output, State, no_update
from sqlalchemy import text

from backend.accounts.users import set_language
from backend.platform.db import begin_writing
from backend.platform.i18n import LANGUAGES
from callbacks.common import Clicks, now, session, user
from layouts.shell import highlight


def switch_language(language: str | None):
    """Saves the user's language; the page then reloads itself at the same address (grid included)."""
    if language not in LANGUAGES or language == user().language:
        return no_update
    with session() as s:
        begin_writing(s)
        set_language(s, user().id, language)
        s.commit()
    return language


def retry(_tick: Clicks):
    """Once the database answers again: the notice goes, and the screens read everything afresh."""
    with session() as s:
        s.execute(text("SELECT 1"))
    return True, True, True, now().timestamp(), now().timestamp()


def register(app) -> None:
    app.clientside_callback(
        "function(n, timeZone) { return window.commandCentre.clock(timeZone); }",
        Output("shell-clock", "children"),
        Input("shell-clock-tick", "n_intervals"), State("shell-timezone", "data"),
    )

    # The live link (layouts/shell.py): all in the browser, no server round trip per event.
    app.clientside_callback(
        "function(connected) { return window.commandCentre.resume(connected); }",
        Output("live-reload", "data"), Input("live-socket", "connected"),
    )
    app.clientside_callback(
        "function(pushed, missed, greeting) { return window.commandCentre.receive(pushed, missed, greeting); }",
        Output("live-batch", "data"),
        Input("live-socket", "data-events"), Input("live-missed", "data"), Input("live-socket", "data-hello"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        "function(connected, labels) { return window.commandCentre.liveBadge(connected, labels); }",
        Output("live-badge", "children"), Output("live-badge", "className"),
        Input("live-socket", "connected"), State("live-labels", "data"),
    )
    app.clientside_callback("function(notice) { window.commandCentre.signedOut(notice); }",
                            Input("live-socket", "data-signed_out"), prevent_initial_call=True)
    app.clientside_callback(
        "function(people, labels) { return window.commandCentre.presence(people, labels); }",
        Output("live-presence", "children"), Output("live-presence", "title"),
        Input("live-socket", "data-presence"), State("live-labels", "data"),
    )

    app.callback(Output({"type": "shell-nav-link", "path": ALL}, "className"),
                 Input("shell-location", "pathname"), State({"type": "shell-nav-link", "path": ALL}, "id"))(highlight)
    app.callback(Output("shell-language-saved", "data"), Input("shell-language", "value"),
                 prevent_initial_call=True)(switch_language)
    app.clientside_callback("function(saved) { window.location.reload(); }",
                            Input("shell-language-saved", "data"), prevent_initial_call=True)
    app.callback(Output("shell-notice-database", "hidden"), Output("shell-notice-error", "hidden"),
                 Output("shell-retry", "disabled"),
                 Output("shell-recovered", "data"), Output("live-reload", "data", allow_duplicate=True),
                 Input("shell-retry", "n_intervals"), prevent_initial_call=True)(retry)
