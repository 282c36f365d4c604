"""Header callbacks: the clock and the live link (in the browser), and the per-user language switch."""
from __future__ import annotations

from dash import Input, Output, State, no_update

from backend.platform.db import begin_writing
from backend.platform.i18n import LANGUAGES
from backend.models import User
from callbacks.common import session, user


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
    app.clientside_callback(
        "function(people, labels) { return window.commandCentre.presence(people, labels); }",
        Output("live-presence", "children"), Output("live-presence", "title"),
        Input("live-socket", "data-presence"), State("live-labels", "data"),
    )

    @app.callback(Output("shell-location", "href"), Input("shell-language", "value"),
                  State("shell-location", "pathname"), prevent_initial_call=True)
    def switch_language(language, pathname):
        if language not in LANGUAGES or language == user().language:
            return no_update
        with session() as s:
            begin_writing(s)
            s.get(User, user().id).language = language
            s.commit()
        return pathname or "/wall"
