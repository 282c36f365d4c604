"""The screens: one entry each, and every page is registered from this table.

A screen is a layout function `(translator, config, query) -> component tree` (query: the URL's parameters) and a
function registering its callbacks. The navigation lists the screens the user's role may open
(layouts/shell.py, from `dash.page_registry`); any other is answered with a notice instead of its layout.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import dash
from flask_login import current_user

import callbacks
import layouts
from backend.accounts.permissions import may
from backend.platform.i18n import Translator


@dataclass(frozen=True)
class Screen:
    name: str  # its key in dash.page_registry
    path: str
    capability: str  # what a role must be able to do to open it (backend.accounts.permissions)
    layout: Callable[..., object]  # (translator, config, query) -> its component tree
    register: Callable[[dash.Dash], None]
    label: Callable[[Translator], str]  # its link in the navigation


SCREENS = (
    Screen("wall", "/wall", "view_wall", layouts.wall.layout, callbacks.wall.register,
           lambda _: _("Wall display")),
    Screen("hotline", "/hotline", "take_hotline_calls", layouts.hotline.layout, callbacks.hotline.register,
           lambda _: _("Hotline")),
    Screen("dispatch", "/dispatch", "dispatch", layouts.dispatch.layout, callbacks.dispatch.register,
           lambda _: _("Dispatch")),
    Screen("tasks", "/tasks", "handle", layouts.tasks.layout, callbacks.tasks.register, lambda _: _("My tasks")),
)


def open_screen(screen: Screen, config, /, **query):
    """The screen's layout, or the notice that the user's role may not open it. (Positional-only: the URL's
    parameters may be called anything.)"""
    _ = current_user.translator
    if not may(current_user.role, screen.capability):
        return layouts.shell.not_allowed(_, screen.label(_), screen.capability)
    return screen.layout(_, config, query)


def page_title(label: Callable[[Translator], str]) -> Callable[..., str]:
    """The browser tab's title of a page, in the user's language (Dash calls it with the path's variables)."""
    def title(**_path) -> str:
        _ = current_user.translator
        return f"{label(_)} · {_('Grid Command Centre')}"
    return title


def title_of(path: str) -> str:
    """The title of the page at `path` as the first HTML carries it, before Dash sets the page's own."""
    screen = next((screen for screen in SCREENS if screen.path == path), None)
    if not current_user.is_authenticated:
        return "Grid Command Centre"
    return page_title(screen.label if screen else lambda _: _("There is no such page"))()


def register_pages(config) -> None:
    for order, screen in enumerate(SCREENS):
        dash.register_page(screen.name, path=screen.path, order=order, layout=partial(open_screen, screen, config),
                           capability=screen.capability, label=screen.label, title=page_title(screen.label))
    # Dash shows the page of a module named like this for any path no screen has.
    dash.register_page("not_found_404", layout=lambda **_: layouts.shell.not_found(current_user.translator),
                       title=page_title(lambda _: _("There is no such page")))
