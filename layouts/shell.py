"""The frame around every screen: theme provider, header with title, live link, clock, language and user.

Every screen shares one Socket.IO connection (`live-socket`): the header shows
its state and who else is online in the user's scope, and screens subscribe to
`live-batch`, the pushed events in order and without repeats, numbered: each
value also holds the events before it, and a screen applies those it has not
taken (assets/live.js, `receive`). Below it, a notice tells when a callback failed (callbacks/errors.py).
"""
from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import dcc, html
from dash_socketio import DashSocketIO
from typing_extensions import TypedDict

from backend.accounts.permissions import ROLES, holders, may, role_names
from backend.platform.i18n import LANGUAGES, Translator

THEME = {
    "primaryColor": "cyan",
    "fontFamily": "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', 'PingFang SC', system-ui, sans-serif",
    "defaultRadius": "md",
}


def navigation(_: Translator, user) -> html.Nav:
    """Links to the registered screens the user's role may open (dashboard/screens.py); `highlight` marks the
    current one."""
    return html.Nav(className="shell-nav", children=[
        dcc.Link(page["label"](_), href=page["path"], id={"type": "shell-nav-link", "path": page["path"]},
                 className="shell-nav-link")
        for page in dash.page_registry.values() if "label" in page and may(user.role, page["capability"])])


class NavLinkId(TypedDict):
    """The id of a navigation link (`navigation`), as `highlight` receives it."""
    type: str
    path: str


def highlight(pathname: str | None, links: list[NavLinkId]) -> list[str]:
    """The class of each navigation link: the one of the current path stands out."""
    return ["shell-nav-link" + (" shell-nav-link--current" if link["path"] == pathname else "") for link in links]


def live_labels(_: Translator) -> dict:
    """The words of the live badge and the presence list, in the user's language."""
    return {"live": _("Live"), "reconnecting": _("Reconnecting…"), "offline": _("Offline"),
            "online": _("{count} online"), "roles": role_names(_)}


def live_link(_: Translator) -> list:
    """The socket and the browser's stores about it (see assets/live.js, `resume` and `receive`)."""
    return [
        DashSocketIO(id="live-socket", eventNames=["events", "reload", "hello", "presence", "signed_out"]),
        dcc.Store(id="live-labels", data=live_labels(_)),
        dcc.Store(id="live-missed"),  # events missed (a lost connection, or a push Dash passed over)
        dcc.Store(id="live-reload"),  # "read everything afresh": first connection, or the stream moved on
        dcc.Store(id="live-batch"),  # what screens apply: the last pushed and missed events, in order, numbered
    ]


def sign_out(_: Translator, csrf_token: str) -> html.Form:
    """Signing out is a POST carrying the form token (dashboard/auth.py), so no other site can sign a user out."""
    return html.Form(action="/logout", method="POST", className="shell-logout-form", children=[
        dcc.Input(type="hidden", name="csrf_token", value=csrf_token),
        html.Button(_("Sign out"), type="submit", className="shell-logout"),
    ])


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
            html.Span(f"{user.display_name} · {role_names(_)[user.role]}", className="shell-who"),
            sign_out(_, user.sign_out_token),
        ]),
        # Ticks in the browser only (clientside callback): no server request per second.
        dcc.Interval(id="shell-clock-tick", interval=1000),
        dcc.Store(id="shell-timezone", data=timezone),
        dcc.Location(id="shell-location"),  # the current path, for the navigation's highlight
        dcc.Store(id="shell-language-saved"),  # the language was saved: the page reloads at its address
        *live_link(_),
    ])


def notices(_: Translator) -> list:
    """What the screen says when a callback failed (callbacks/errors.py shows one), and the timer that retries
    until the database answers again. Written in the user's language now: the database may be gone by then."""
    return [
        html.Div(_("The database cannot be reached; retrying…"), id="shell-notice-database", className="shell-notice",
                 role="alert", hidden=True),
        html.Div(_("Something went wrong; it has been logged. The screen reads itself again in a moment."),
                 id="shell-notice-error", className="shell-notice", role="alert", hidden=True),
        # 5 s: as the API's 503 answers Retry-After.
        dcc.Interval(id="shell-retry", interval=5000, disabled=True),
        dcc.Store(id="shell-recovered"),  # when the database answered again: screens read themselves afresh
    ]


def message_page(class_name: str, title: str, text: str) -> html.Div:
    return html.Div(className="shell-message-page", children=[
        html.Div(className=f"shell-message {class_name}", role="alert", children=[
            html.H2(title, className="shell-message-title"), html.P(text)]),
    ])


def not_allowed(_: Translator, screen: str, capability: str) -> html.Div:
    names = role_names(_)
    return message_page("screen-denied", _("{screen} is not open to your role").format(screen=screen),
                        _("It is for: {roles}. Ask an administrator if you need it.").format(
                            roles=", ".join(names[role] for role in ROLES if role in holders(capability))))


def not_found(_: Translator) -> html.Div:
    return message_page("screen-not-found", _("There is no such page"),
                        _("The address may be mistyped or out of date: choose a screen above."))


def layout(_: Translator, user, timezone: str) -> dmc.MantineProvider:
    return dmc.MantineProvider(forceColorScheme="dark", theme=THEME, children=[
        html.Div(className="shell", lang="zh-Hans" if _.language == "zh_Hans" else "en", children=[
            header(_, user, timezone),
            *notices(_),
            html.Main(dash.page_container, className="shell-main"),
        ]),
    ])
