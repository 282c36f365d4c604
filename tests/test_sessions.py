"""Browser sessions live on the server: sign-out, a password change or a deactivation ends them everywhere (a copied
cookie stops working), an idle one ends, the forms carry a CSRF token, and sign-ins are in the audit log."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from backend.accounts.keys import digest
from backend.accounts.sessions import TOUCH_SECONDS
from backend.accounts.tokens import issue_token
from backend.accounts.users import create_user, deactivate, reactivate, set_password
from backend.demo.seed import DEMO_PASSWORD
from backend.models import AuditEntry, User, UserSession
from backend.platform.config import Config
from backend.platform.i18n import Translator
from tests.signin import browser, form_token, sign_in_client
from tests.test_screens import components

ZH = Translator("zh_Hans")


@pytest.fixture
def centre(city_url):
    from dashboard.app import create_app

    centre = create_app(Config(database_url=city_url, demo=True, simulator=False, secret_key="test-secret",
                               idle_timeout_minutes=30))
    yield centre
    centre.engine.dispose()


def signed_in(centre, username: str = "duty", password: str = DEMO_PASSWORD):
    client = browser(centre.server)
    assert sign_in_client(client, username, password).status_code == 302
    return client


def works(client) -> bool:
    return client.get("/_dash-layout").status_code == 200


def copy_of(centre, client):
    """Another browser holding the same cookie, as a thief who copied it would."""
    thief = browser(centre.server)
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def sign_out(client):
    return client.post("/logout", data={"csrf_token": form_token(client.get("/logout").get_data(as_text=True))})


def only_session(centre, username: str = "duty") -> UserSession:
    with centre.sessions() as session:
        return session.scalars(select(UserSession).join(User, User.id == UserSession.user_id)
                               .where(User.username == username)).one()


def actions(centre) -> list[tuple[str, str, str | None]]:
    with centre.sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.actor_name, e.address) for e in entries]


def test_a_copied_cookie_stops_working_when_its_user_signs_out(centre):
    client = signed_in(centre)
    thief = copy_of(centre, client)
    assert works(thief)
    assert sign_out(client).headers["Location"] == "/login"
    assert not works(client) and not works(thief)
    row = only_session(centre)
    assert row.ended_reason == "sign_out" and row.ended_at is not None


def test_the_cookie_holds_a_random_key_and_the_database_only_its_hash(centre):
    client = signed_in(centre)
    serializer = centre.server.session_interface.get_signing_serializer(centre.server)
    key = serializer.loads(client.get_cookie("session").value)["_user_id"]
    row = only_session(centre)
    assert len(key) >= 40 and row.key_hash == digest(key) and key not in row.key_hash
    with centre.sessions() as session:
        assert key != str(session.scalar(select(User.id).where(User.username == "duty")))


def test_each_sign_in_is_a_session_of_its_own(centre):
    first, second = signed_in(centre), signed_in(centre)
    sign_out(first)
    assert not works(first) and works(second)


def test_sign_out_is_a_post_with_the_form_token(centre):
    client = signed_in(centre)
    page = client.get("/logout")  # an old link: a page offering the button, nothing ended
    assert page.status_code == 200 and 'action="/logout"' in page.get_data(as_text=True) and works(client)
    refused = client.post("/logout")
    assert refused.status_code == 400
    assert ZH("The form had expired (or came from another site). Please try again.") in refused.get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert works(client)
    assert sign_out(client).status_code == 302 and not works(client)


def test_the_header_signs_out_with_a_form_carrying_the_token(centre):
    client = signed_in(centre)
    header = list(components(client.get("/_dash-layout").get_json()))
    form = next(c for c in header if c["type"] == "Form")
    assert form["props"]["action"] == "/logout" and form["props"]["method"] == "POST"
    token = next(c["props"]["value"] for c in components(form) if c["props"].get("name") == "csrf_token")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302 and not works(client)


def test_sign_in_without_the_form_token_is_refused(centre):
    client = browser(centre.server)
    client.get("/login")
    answer = client.post("/login", data={"username": "duty", "password": DEMO_PASSWORD})
    assert answer.status_code == 400
    assert ZH("The form had expired (or came from another site). Please try again.") in answer.get_data(as_text=True)
    assert not works(client)
    with centre.sessions() as session:
        assert session.scalar(select(UserSession)) is None


def test_a_password_change_ends_every_session_of_the_user(centre):
    client, other = signed_in(centre), signed_in(centre, "dispatcher")
    with centre.sessions() as session:
        set_password(session, "duty", "a-brand-new-password", datetime.now(timezone.utc))
        session.commit()
    assert not works(client) and works(other)
    assert only_session(centre).ended_reason == "password_changed"
    assert works(signed_in(centre, "duty", "a-brand-new-password"))


def test_a_deactivation_ends_every_session_and_a_reactivation_allows_signing_in_again(centre):
    client = signed_in(centre)
    with centre.sessions() as session:
        deactivate(session, "duty", datetime.now(timezone.utc))
        session.commit()
    assert not works(client) and only_session(centre).ended_reason == "deactivated"
    assert sign_in_client(browser(centre.server), "duty", DEMO_PASSWORD).status_code == 401
    with centre.sessions() as session:
        reactivate(session, "duty")
        session.commit()
    assert not works(client)  # the old session stays ended
    assert works(signed_in(centre))


def age(centre, username: str, minutes: float) -> None:
    """Make the user's session last seen `minutes` ago (as if that much time had passed)."""
    with centre.sessions() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        session.execute(update(UserSession).where(UserSession.user_id == user_id).values(
            last_seen_at=datetime.now(timezone.utc) - timedelta(minutes=minutes)))
        session.commit()


def test_an_idle_session_ends_and_the_page_goes_to_sign_in(centre):
    client = signed_in(centre)
    age(centre, "duty", 29)
    assert works(client)  # within the timeout, and the request counts as activity
    age(centre, "duty", 31)
    page = client.get("/wall", headers={"Accept": "text/html"})
    location = page.headers["Location"]
    assert page.status_code == 302 and location.startswith("/login?") and "idle=1" in location
    assert ZH("You were signed out after a while without activity.") in client.get(location).get_data(as_text=True)
    assert not works(client) and only_session(centre).ended_reason == "idle"
    assert ("session_idle", "duty", "127.0.0.1") in actions(centre)


def test_a_wall_display_never_goes_idle(centre):
    with centre.sessions() as session:
        create_user(session, username="wall1", password="wall-password", role="wall", grid_code="410100")
        session.commit()
    client = signed_in(centre, "wall1", "wall-password")
    age(centre, "wall1", 24 * 60)
    assert works(client)


def test_the_last_seen_time_is_written_at_most_once_a_minute(centre):
    client = signed_in(centre)
    first = only_session(centre).last_seen_at
    assert works(client) and only_session(centre).last_seen_at == first  # just seen: not written again
    age(centre, "duty", 2)
    aged = only_session(centre).last_seen_at
    assert client.get("/api/v1/events").status_code in (200, 422)  # the live link's catch-up is not activity
    assert only_session(centre).last_seen_at == aged
    assert works(client)
    assert only_session(centre).last_seen_at - aged > timedelta(seconds=TOUCH_SECONDS)


def test_sign_ins_failures_and_sign_outs_are_in_the_audit_log(centre):
    assert sign_in_client(browser(centre.server), "duty", "wrong-password").status_code == 401
    assert sign_in_client(browser(centre.server), "x" * 300, "wrong-password").status_code == 401
    sign_out(signed_in(centre))
    assert actions(centre) == [("sign_in_failed", "duty", "127.0.0.1"), ("sign_in_failed", "x" * 64, "127.0.0.1"),
                               ("sign_in", "duty", "127.0.0.1"), ("sign_out", "duty", "127.0.0.1")]
    with centre.sessions() as session:
        assert all(DEMO_PASSWORD not in (e.detail or "") and "wrong-password" not in (e.detail or "")
                   for e in session.scalars(select(AuditEntry)))


@pytest.mark.parametrize("secure", [True, False])
def test_the_session_cookie_is_secure_when_configured(city_url, secure):
    from dashboard.app import create_app

    centre = create_app(Config(database_url=city_url, demo=True, simulator=False, secret_key="test-secret",
                               secure_cookies=secure))
    client = browser(centre.server)
    token = form_token(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"username": "duty", "password": DEMO_PASSWORD, "csrf_token": token})
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert ("; Secure" in cookie) is secure and "HttpOnly" in cookie
    centre.engine.dispose()


def test_the_headers_sign_out_button_signs_out_in_the_browser(live_server, page):
    from playwright.sync_api import expect

    from tests.test_wall_browser import log_in

    log_in(page, live_server, "duty")
    button = page.locator("form.shell-logout-form button.shell-logout")
    expect(button).to_have_text(ZH("Sign out"))
    button.click()
    page.wait_for_url(f"{live_server}/login")
    page.goto(f"{live_server}/wall")
    page.wait_for_url(re.compile(r".*/login\?next=/wall$"))
    assert page.console_errors == []


def test_a_bearer_token_works_beside_a_cookie_from_the_sign_in_page(centre):
    """Visiting the sign-in page leaves a session holding only the form's token: no user to protect, so a
    device's bearer token beside it still acts (Flask-Login's strong protection refused it every time)."""
    with centre.sessions() as session:
        token = issue_token(session, "admin", "probe", datetime.now(timezone.utc))
        session.commit()
    client = browser(centre.server)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases?limit=1", headers=bearer).status_code == 200
    client.get("/login")
    assert client.get("/api/v1/cases?limit=1", headers=bearer).status_code == 200
    assert client.get("/api/v1/cases?limit=1").status_code == 401
