"""Header callbacks: the clock (in the browser) and the per-user language switch."""
from __future__ import annotations

from dash import Input, Output, State, no_update

from backend.i18n import LANGUAGES
from backend.models import User
from callbacks.common import session, user


def register(app) -> None:
    app.clientside_callback(
        "function(n, timeZone) { return window.commandCentre.clock(timeZone); }",
        Output("shell-clock", "children"),
        Input("shell-clock-tick", "n_intervals"), State("shell-timezone", "data"),
    )

    @app.callback(Output("shell-location", "href"), Input("shell-language", "value"),
                  State("shell-location", "pathname"), prevent_initial_call=True)
    def switch_language(language, pathname):
        if language not in LANGUAGES or language == user().language:
            return no_update
        with session() as s:
            s.get(User, user().id).language = language
            s.commit()
        return pathname or "/wall"
