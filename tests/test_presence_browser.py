"""In Debian Chromium: the header's list of who is online names each person's role in the user's language, and a
missing page (and its tab) speaks it too."""
from __future__ import annotations

from playwright.sync_api import expect

from backend.accounts.permissions import role_names
from backend.platform.i18n import Translator
from tests.test_hotline_browser import log_in

ZH = Translator("zh_Hans")  # the demo users' language


def test_the_online_list_names_roles_in_the_users_language_not_by_identifier(live_server, chromium, page):
    others = []
    for username in ("gridworker", "warning"):  # roles with an underscore in their identifier
        context = chromium.new_context()
        other = context.new_page()
        log_in(other, live_server, username)
        others.append(context)
    log_in(page, live_server, "duty")
    names = role_names(ZH)
    presence = page.locator("#live-presence")
    expect(presence).to_have_attribute("title", f"duty · {names['duty_officer']}\n"
                                                f"gridworker · {names['grid_worker']}\n"
                                                f"warning · {names['warning_officer']}")
    assert "grid_worker" not in presence.get_attribute("title")
    for context in others:
        context.close()
    assert not page.console_errors


def test_a_missing_page_speaks_the_users_language(live_server, page):
    log_in(page, live_server, "dispatcher")
    page.goto(f"{live_server}/no-such-screen")
    expect(page.locator(".screen-not-found")).to_contain_text(ZH("There is no such page"))
    expect(page.locator(".shell-message-page")).not_to_contain_text("404")
    expect(page).to_have_title(f"{ZH('There is no such page')} · {ZH('Grid Command Centre')}")  # the tab too
    assert not page.console_errors
