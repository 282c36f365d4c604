"""The frame around every screen: theme provider, header with title, live link, clock, language and user.

Every screen shares one Socket.IO connection (`live-socket`): the header shows
its state and who else is online in the user's scope, and screens subscribe to
`live-batch`, the pushed events in order and without repeats, numbered: each
value also holds the events before it, and a screen applies those it has not
taken (assets/command_centre.js, `receive`).
"""
from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import dcc, html
from dash_socketio import DashSocketIO

from backend.platform.i18n import LANGUAGES, Translator
from layouts.hotline import HOTLINE_ROLES

THEME = {
    "primaryColor": "cyan",
    "fontFamily": "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', 'PingFang SC', system-ui, sans-serif",
    "defaultRadius": "md",
}


def navigation(_: Translator, user) -> html.Nav:
    """Links between screens; the current one is highlighted by CSS (theme.css, `.shell:has(#<page>)`)."""
    pages = [("wall", "/wall", _("Wall display"))]
    if user.role in HOTLINE_ROLES:
        pages.append(("hotline", "/hotline", _("Hotline")))
    return html.Nav(className="shell-nav", children=[
        dcc.Link(label, href=href, className=f"shell-nav-link shell-nav-link--{page}") for page, href, label in pages])


def live_labels(_: Translator) -> dict:
    """The words of the live badge and the presence list, in the user's language."""
    return {"live": _("Live"), "reconnecting": _("Reconnecting…"), "offline": _("Offline"),
            "online": _("{count} online"), "roles": {role: _(role.replace("_", " ").capitalize())
                                                      for role in ("duty_officer", "dispatcher")}}


def live_link(_: Translator) -> list:
    """The socket and the browser's stores about it (see assets/command_centre.js, `resume` and `receive`)."""
    return [
        DashSocketIO(id="live-socket", eventNames=["events", "reload", "hello", "presence"]),
        dcc.Store(id="live-labels", data=live_labels(_)),
        dcc.Store(id="live-missed"),  # events missed (a lost connection, or a push Dash passed over)
        dcc.Store(id="live-reload"),  # "read everything afresh": first connection, or the stream moved on
        dcc.Store(id="live-batch"),  # what screens apply: the last pushed and missed events, in order, numbered
    ]


def header(_: Translator, user, timezone: str) -> html.Header:
    return html.Header(className="shell-header", children=[
        html.Div(className="shell-title", children=[
            html.Span(_("Grid Command Centre"), className="shell-product"),
            navigation(_, user),
        ]),
        html.Div(className="shell-centre", children=[
            html.Span(id="live-badge", className="live-badge live-badge--reconnecting", role="status"),
            html.Div(id="shell-clock", className="shell-clock", **{"aria-live": "off"}),
            html.Span(id="live-presence", className="live-presence"),
        ]),
        html.Div(className="shell-user", children=[
            dmc.SegmentedControl(id="shell-language", value=_.language, size="xs",
                                 data=[{"value": code, "label": label} for code, label in LANGUAGES.items()]),
            html.Span(f"{user.display_name} · {_(user.role.replace('_', ' ').capitalize())}", className="shell-who"),
            html.A(_("Sign out"), href="/logout", className="shell-logout"),
        ]),
        # Ticks in the browser only (clientside callback): no server request per second.
        dcc.Interval(id="shell-clock-tick", interval=1000),
        dcc.Store(id="shell-timezone", data=timezone),
        dcc.Location(id="shell-location", refresh=True),
        *live_link(_),
    ])


def layout(_: Translator, user, timezone: str) -> dmc.MantineProvider:
    return dmc.MantineProvider(forceColorScheme="dark", theme=THEME, children=[
        html.Div(className="shell", lang="zh-Hans" if _.language == "zh_Hans" else "en", children=[
            header(_, user, timezone),
            html.Main(dash.page_container, className="shell-main"),
        ]),
    ])
