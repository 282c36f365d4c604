"""Passwords are argon2 hashes; only signed-in users reach screens and data."""
import re

import pytest
import requests
from sqlalchemy import select

from backend.accounts.users import UserError, authenticate, create_user
from backend.models import User
from backend.platform.db import make_engine, session_factory
from backend.demo.seed import DEMO_PASSWORD
from tests.signin import sign_in, sign_out


def test_passwords_are_stored_as_argon2id_hashes(city_sessions):
    with city_sessions() as session:
        hashes = session.scalars(select(User.password_hash)).all()
    assert hashes and all(h.startswith("$argon2id$") and DEMO_PASSWORD not in h for h in hashes)


def test_authenticate_accepts_only_the_right_password_of_an_active_user(city_sessions):
    with city_sessions() as session:
        assert authenticate(session, "duty", DEMO_PASSWORD).username == "duty"
        assert authenticate(session, "duty", "wrong-password") is None
        assert authenticate(session, "nobody", DEMO_PASSWORD) is None
        session.scalar(select(User).where(User.username == "duty")).active = False
        session.commit()
        assert authenticate(session, "duty", DEMO_PASSWORD) is None


@pytest.mark.parametrize("fields, culprit", [
    ({"username": "bad name!"}, "username"), ({"password": "short"}, "password"),
    ({"role": "king"}, "role"), ({"grid_code": "999"}, "grid"), ({"username": "duty"}, "username"),
])
def test_create_user_names_the_bad_field(city_sessions, fields, culprit):
    good = {"username": "newuser", "password": "long-enough-1", "role": "dispatcher", "grid_code": "410100"}
    with city_sessions() as session:
        with pytest.raises(UserError, match=f"^{culprit}:"):
            create_user(session, **(good | fields))


def _login(base: str, username: str, password: str) -> tuple[requests.Session, requests.Response]:
    http = requests.Session()
    return http, sign_in(http, base, username, password, next="/wall")


def test_wrong_password_is_refused_with_a_message(live_server):
    _, response = _login(live_server, "duty", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text or "Wrong user name or password" in response.text


def test_right_password_signs_in_and_opens_the_wall(live_server):
    http, response = _login(live_server, "duty", DEMO_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/wall"
    assert http.get(f"{live_server}/_dash-layout").status_code == 200


def test_login_never_redirects_off_site(live_server):
    response = sign_in(requests.Session(), live_server, "duty", DEMO_PASSWORD, next="https://evil.example/")
    assert response.headers["Location"] == "/wall"


def test_dash_data_calls_need_a_session(live_server):
    for path in ("/_dash-layout", "/_dash-dependencies"):
        response = requests.get(f"{live_server}{path}")
        assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    assert requests.post(f"{live_server}/_dash-update-component", json={}).status_code == 401


def test_pages_redirect_to_login_and_back(live_server):
    response = requests.get(f"{live_server}/wall", headers={"Accept": "text/html"}, allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login?next=/wall")


def test_signing_out_ends_the_session(live_server):
    http, _ = _login(live_server, "duty", DEMO_PASSWORD)
    assert sign_out(http, live_server).status_code == 302
    assert http.get(f"{live_server}/_dash-layout").status_code == 401


def test_a_bearer_token_acts_as_its_user_until_revoked(live_server, city_url):
    from datetime import datetime, timezone

    from backend.platform.db import make_engine, session_factory
    from backend.models import ApiToken
    from backend.accounts.tokens import issue_token

    sessions = session_factory(make_engine(city_url))
    with sessions() as session:
        token = issue_token(session, "gridworker", "handheld 0042", datetime.now(timezone.utc))
        session.commit()
        assert token not in session.scalar(select(ApiToken.token_hash))
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{live_server}/_dash-dependencies", headers=bearer).status_code == 200
    assert requests.get(f"{live_server}/_dash-dependencies",
                        headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    with sessions() as session:
        session.scalar(select(ApiToken)).revoked = True
        session.commit()
    assert requests.get(f"{live_server}/_dash-dependencies", headers=bearer).status_code == 401


def test_a_device_is_given_no_session_cookie_even_as_the_servers_first_request(live_server, city_url):
    """Dash builds its layout on a server's first request, whichever it is: a device's must not come back with a
    session cookie (a cookie without a signed-in session makes the device's next requests anonymous)."""
    from datetime import datetime, timezone

    from backend.accounts.tokens import issue_token
    from backend.platform.db import make_engine, session_factory

    with session_factory(make_engine(city_url))() as session:
        token = issue_token(session, "dispatcher", "handheld", datetime.now(timezone.utc))
        session.commit()
    device = requests.Session()
    device.headers["Authorization"] = f"Bearer {token}"
    first = device.get(f"{live_server}/api/v1/cases", params={"limit": 1})
    assert first.status_code == 200 and "Set-Cookie" not in first.headers
    assert device.get(f"{live_server}/api/v1/cases", params={"limit": 1}).status_code == 200


def test_a_token_is_remembered_for_the_recheck_time_then_read_again():
    from dashboard.auth import RecentTokens

    clock = [100.0]
    reads: list[str] = []
    answers = {"good": "user of good"}

    def load(token):
        reads.append(token)
        return answers.get(token)

    tokens = RecentTokens(5.0, clock=lambda: clock[0])
    assert [tokens.user("good", load) for _ in range(3)] == ["user of good"] * 3 and reads == ["good"]
    assert tokens.user("bad", load) is None and tokens.user("bad", load) is None
    assert reads == ["good", "bad", "bad"]  # unknown tokens are not remembered: a new token works at once
    del answers["good"]  # revoked
    clock[0] += 4.9
    assert tokens.user("good", load) == "user of good"
    clock[0] += 0.2
    assert tokens.user("good", load) is None  # refused once the memory has expired


def test_an_expired_token_is_refused(city_sessions):
    from datetime import datetime, timedelta, timezone

    from backend.accounts.tokens import issue_token, user_for_token

    now = datetime.now(timezone.utc)
    with city_sessions() as session:
        token = issue_token(session, "gridworker", "a week", now, expires_days=7)
        session.commit()
        assert user_for_token(session, token, now=now + timedelta(days=6)).username == "gridworker"
        assert user_for_token(session, token, now=now + timedelta(days=7, seconds=1)) is None


def test_no_token_or_password_is_written_to_the_log(live_server, city_url, caplog):
    import logging
    from datetime import datetime, timezone

    from backend.accounts.tokens import issue_token
    from backend.platform.db import make_engine, session_factory

    with session_factory(make_engine(city_url))() as session:
        token = issue_token(session, "gridworker", "handheld", datetime.now(timezone.utc))
        session.commit()
    caplog.set_level(logging.DEBUG)
    assert requests.get(f"{live_server}/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).ok
    for parameter in ("api_key", "access_token", "token"):  # never accepted in a URL, and blanked from the log
        assert requests.get(f"{live_server}/api/v1/cases", params={parameter: token}).status_code == 401
    _login(live_server, "duty", DEMO_PASSWORD)
    _login(live_server, "duty", "wrong-password")
    # Every logger's records but those of this test's own HTTP client (which logs the URLs it asks for).
    logged = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("urllib3"))
    assert "GET /api/v1/cases?api_key=[redacted]" in logged  # the request log is there
    assert token not in logged and DEMO_PASSWORD not in logged and "wrong-password" not in logged


def _language_of(city_url: str, username: str) -> str:
    engine = make_engine(city_url)
    with session_factory(engine)() as session:
        language = session.scalar(select(User.language).where(User.username == username))
    engine.dispose()
    return language


def test_the_language_picked_on_the_sign_in_page_becomes_the_users(live_server, city_url):
    http = requests.Session()
    page = http.get(f"{live_server}/login?lang=en&next=/hotline").text
    assert 'name="lang" value="en"' in page and "next=/hotline" in page  # the picker keeps where to go next
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    response = http.post(f"{live_server}/login", data=fields | {"username": "dispatcher", "password": DEMO_PASSWORD},
                         headers={"Origin": live_server}, allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("/hotline")
    assert _language_of(city_url, "dispatcher") == "en"
    assert "Sign out" in http.get(f"{live_server}/_dash-layout").text


def test_signing_in_without_picking_a_language_keeps_the_users(live_server, city_url):
    assert 'name="lang"' not in requests.get(f"{live_server}/login").text
    engine = make_engine(city_url)
    with session_factory(engine)() as session:
        session.scalar(select(User).where(User.username == "leader")).language = "en"
        session.commit()
    engine.dispose()
    http = requests.Session()
    assert sign_in(http, live_server, "leader", DEMO_PASSWORD).status_code == 302
    assert _language_of(city_url, "leader") == "en"
