"""The web edge (dashboard/edge.py): cross-site requests, JSON-only bodies, body limits, security headers, proxies
and the Origin check of live connections."""
from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
import requests
import socketio
from sqlalchemy import select

import dashboard.auth
from backend.accounts.tokens import issue_token
from backend.demo.seed import DEMO_PASSWORD
from backend.models import Case
from backend.platform.config import Config
from tests.conftest import NOW
from tests.signin import form_token, sign_in, sign_in_client

OWN = "http://localhost"  # the test client's own origin
FOREIGN = "https://evil.example"
PUBLIC = "https://grid.example.gov.cn"
MB = 2**20
RETRY = ("..shell-notice-database.hidden...shell-notice-error.hidden...shell-retry.disabled...shell-recovered.data"
         "...live-reload.data@")


@pytest.fixture
def make(city_url):
    """make(**settings): a command centre on the small city with these settings."""
    from dashboard.app import create_app

    made = []

    def build(**settings):
        centre = create_app(Config(database_url=city_url, demo=True, simulator=False, secret_key="test-secret",
                                   **settings))
        made.append(centre)
        return centre

    yield build
    for centre in made:
        centre.engine.dispose()


@pytest.fixture
def centre(make):
    return make()


def signed_in(centre, username: str = "dispatcher"):
    client = centre.server.test_client()
    assert sign_in_client(client, username, DEMO_PASSWORD).status_code == 302
    return client


def sign_in_form(client, password: str = DEMO_PASSWORD, **fields) -> dict:
    """The sign-in form's fields as the page gives them (its CSRF token among them)."""
    token = form_token(client.get("/login").get_data(as_text=True))
    return {"username": "dispatcher", "password": password, "csrf_token": token} | fields


def token(centre, username: str = "dispatcher") -> str:
    with centre.sessions() as session:
        issued = issue_token(session, username, "pytest", NOW)
        session.commit()
        return issued


def retry_call(centre) -> dict:
    """A real callback request (the shell's harmless database retry), as the screen sends it."""
    output = next(o for o in centre.dash.callback_map if o.startswith(RETRY))
    outputs = [dict(zip(("id", "property"), name.rsplit(".", 1))) for name in output.strip(".").split("...")]
    return {"output": output, "outputs": outputs, "changedPropIds": ["shell-retry.n_intervals"],
            "inputs": [{"id": "shell-retry", "property": "n_intervals", "value": 1}], "state": []}


def dash_post(client, body, **headers):
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                       headers=headers)


# -- cross-site requests ---------------------------------------------------------------------------------


def test_a_signed_in_browser_acts_only_from_the_products_own_page(centre):
    client, call = signed_in(centre), retry_call(centre)
    refused = dash_post(client, call, Origin=FOREIGN)
    assert refused.status_code == 403 and refused.get_json()["code"] == "foreign_origin"
    assert dash_post(client, call, Referer=f"{FOREIGN}/page").status_code == 403
    unnamed = dash_post(client, call)
    assert unnamed.status_code == 403 and unnamed.get_json()["code"] == "origin_required"
    assert dash_post(client, call, Origin=OWN).status_code == 200
    assert dash_post(client, call, Referer=f"{OWN}/wall?grid=3").status_code == 200


def test_a_cross_site_text_form_cannot_cancel_a_case(centre):
    with centre.sessions() as session:
        case_id = session.scalar(select(Case.id).where(Case.state == "collected").order_by(Case.id))
    client = signed_in(centre)
    form = {"data": '{"reason": "forged"}', "content_type": "text/plain"}
    assert client.post(f"/api/v1/cases/{case_id}/actions/cancel", headers={"Origin": FOREIGN}, **form).status_code == 403
    own = client.post(f"/api/v1/cases/{case_id}/actions/cancel", headers={"Origin": OWN}, **form)
    assert own.status_code == 415 and own.get_json()["code"] == "unsupported_media_type"
    with centre.sessions() as session:
        assert session.get(Case, case_id).state == "collected"


def test_a_bearer_token_needs_no_origin_but_json(centre):
    client = centre.server.test_client()
    bearer = {"Authorization": f"Bearer {token(centre)}"}
    as_text = client.post("/api/v1/reports", data="{}", content_type="text/plain", headers=bearer)
    assert as_text.status_code == 415 and as_text.get_json()["message"].startswith("body: send JSON")
    assert client.post("/api/v1/reports", json={}, headers=bearer | {"Origin": FOREIGN}).status_code == 422
    assert client.post("/api/v1/reports", json={}, headers=bearer).status_code == 422


def test_callback_requests_are_json_only(centre):
    client = signed_in(centre)
    response = client.post("/_dash-update-component", data=json.dumps(retry_call(centre)), content_type="text/plain",
                           headers={"Origin": OWN})
    assert response.status_code == 415 and response.get_json()["code"] == "unsupported_media_type"


def test_signing_in_from_a_foreign_page_is_refused(centre):
    client = centre.server.test_client()
    form = sign_in_form(client)
    assert client.post("/login", data=form, headers={"Origin": FOREIGN}).status_code == 403
    assert client.get("/api/v1/cases").status_code == 401  # not signed in
    assert client.post("/login", data=form, headers={"Origin": OWN}).status_code == 302


def test_with_a_public_url_only_that_origin_may_act(make):
    centre = make(public_url=PUBLIC)
    client, call = signed_in(centre), retry_call(centre)
    assert dash_post(client, call, Origin=OWN).status_code == 403  # the request's own host is not trusted then
    assert dash_post(client, call, Origin=PUBLIC).status_code == 200


@pytest.mark.parametrize("proxies, trusted", [(0, False), (1, True)])
def test_the_proxys_forwarded_host_and_scheme_are_believed_only_with_proxies(make, proxies, trusted):
    centre = make(proxies=proxies)
    client, call = signed_in(centre), retry_call(centre)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "grid.example"}
    response = dash_post(client, call, Origin="https://grid.example", **forwarded)
    assert (response.status_code == 200) is trusted
    assert ("Strict-Transport-Security" in response.headers) is trusted


# -- body limits -----------------------------------------------------------------------------------------


def test_a_huge_sign_in_is_refused_before_the_password_is_hashed(centre, monkeypatch):
    checked = []
    real = dashboard.auth.authenticate
    monkeypatch.setattr(dashboard.auth, "authenticate", lambda *a: checked.append(a) or real(*a))
    client = centre.server.test_client()
    response = client.post("/login", data=sign_in_form(client, "x" * (20 * MB)))
    assert response.status_code == 413 and checked == []
    assert client.post("/login", data=sign_in_form(client, "wrong")).status_code == 401
    assert len(checked) == 1  # the spy does see a sign-in that is read


def test_a_sign_in_form_of_many_parts_is_refused(centre):
    client = centre.server.test_client()
    fields = {f"field{i}": "x" for i in range(200)} | sign_in_form(client)
    response = client.post("/login", data=fields, content_type="multipart/form-data")
    assert response.status_code == 413


def test_a_chunked_body_the_server_does_not_delimit_is_refused(centre):
    """Without `wsgi.input_terminated` werkzeug would read such a body as empty: refused rather than misread."""
    response = centre.server.test_client().post(
        "/api/v1/reports", data="{}", content_type="application/json",
        headers={"Authorization": f"Bearer {token(centre)}", "Transfer-Encoding": "chunked"})
    assert response.status_code == 411 and response.get_json()["code"] == "length_required"


def test_a_huge_callback_request_is_refused(centre):
    call = retry_call(centre) | {"padding": "x" * (20 * MB)}
    response = dash_post(signed_in(centre), call, Origin=OWN)
    assert response.status_code == 413 and response.get_json()["code"] == "too_large"


def test_the_apis_own_limits_are_kept(centre):
    """The photo upload takes more than the edge's general limit; the API's JSON endpoints take less."""
    client, bearer = centre.server.test_client(), {"Authorization": f"Bearer {token(centre, 'gridworker')}"}
    photo = client.post("/api/v1/attachments", headers=bearer,
                        data={"file": (bytearray(b"\xff\xd8\xff") + bytearray(int(4.5 * MB)), "big.jpg")})
    assert photo.status_code not in (413, 500)  # read and judged (not an image), not refused for its size
    report = client.post("/api/v1/reports", data=b" " * (5 * MB) + b"{}", content_type="application/json",
                         headers=bearer)
    assert report.status_code == 413 and report.get_json()["code"] == "too_large"


def chunked_post(base: str, path: str, size: int, headers: dict) -> tuple[int, dict]:
    """POST a JSON body of about `size` bytes in chunks, with no Content-Length."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    payload = json.dumps({"channel": "handheld", "description": "x" * size}).encode()
    chunks = (payload[i:i + 65536] for i in range(0, len(payload), 65536))
    try:
        connection.request("POST", path, body=chunks, encode_chunked=True,
                           headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"} | headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def test_a_chunked_body_over_the_limit_is_refused_not_truncated(live):
    base, centre = live
    bearer = {"Authorization": f"Bearer {token(centre)}"}
    status, answer = chunked_post(base, "/api/v1/reports", 5 * MB, bearer)
    assert status == 413, answer
    assert status == 413 and answer["code"] == "too_large"
    status, answer = chunked_post(base, "/api/v1/reports", 1000, bearer)
    assert status == 422 and "category_code" in answer["message"]  # read whole: the body's own fault is named


@pytest.fixture
def gunicorn_server(city_url):
    """The production entry point (dashboard/wsgi.py) under gunicorn, on the small city; yields its base URL. The
    socket is bound here and handed over, so requests wait for the worker rather than finding no server."""
    import os
    import socket
    import subprocess
    import sys

    listener = socket.create_server(("127.0.0.1", 0))
    env = os.environ | {"DATABASE_URL": city_url, "DEMO": "1", "SIMULATOR": "0", "SECRET_KEY": "test-secret"}
    env.pop("REDIS_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1",
                                "--threads", "4", "--no-control-socket", "--bind", f"fd://{listener.fileno()}",
                                "dashboard.wsgi:app"], env=env, pass_fds=[listener.fileno()],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        listener.close()


def test_under_gunicorn_too_a_chunked_body_over_the_limit_is_refused(gunicorn_server, city_sessions):
    with city_sessions() as session:
        bearer = {"Authorization": f"Bearer {issue_token(session, 'dispatcher', 'pytest', NOW)}"}
        session.commit()
    status, answer = chunked_post(gunicorn_server, "/api/v1/reports", 5 * MB, bearer)
    assert status == 413 and answer["code"] == "too_large"
    status, answer = chunked_post(gunicorn_server, "/api/v1/reports", 1000, bearer)
    assert status == 422 and "category_code" in answer["message"]


# -- headers ---------------------------------------------------------------------------------------------


def policy(response) -> dict[str, str]:
    return {name: value.strip() for name, _, value in
            (part.strip().partition(" ") for part in response.headers["Content-Security-Policy"].split(";"))}


def test_every_answer_carries_the_security_headers(centre):
    client = signed_in(centre)
    bearer = {"Authorization": f"Bearer {token(centre)}"}
    answers = {"page": client.get("/wall"), "sign-in": client.get("/login"), "layout": client.get("/_dash-layout"),
               "api": client.get("/api/v1/cases", headers=bearer), "api error": client.get("/api/v1/nothing"),
               "redirect": client.get("/"), "asset": client.get("/assets/theme.css")}
    for name, response in answers.items():
        assert response.headers["X-Frame-Options"] == "DENY", name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Referrer-Policy"] == "same-origin", name
        assert policy(response)["frame-ancestors"] == "'none'", name
        assert "Strict-Transport-Security" not in response.headers  # plain http here
    for name in ("page", "layout", "api", "api error"):
        assert answers[name].headers["Cache-Control"] == "no-store", name
    assert "no-store" not in answers["asset"].headers.get("Cache-Control", "")


def test_live_connection_answers_carry_them_too(centre):
    response = centre.server.test_client().get("/socket.io/?EIO=4&transport=polling")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY" and policy(response)["default-src"] == "'none'"


def test_a_pages_policy_runs_only_the_products_scripts(centre):
    page = policy(signed_in(centre).get("/wall"))
    scripts = page["script-src"].split()
    assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:])
    assert "'unsafe-eval'" not in page["script-src"] and page["object-src"] == "'none'"
    assert page["img-src"] == "'self' data:" and page["connect-src"] == "'self'"


def test_the_basemaps_tiles_are_allowed_when_configured(make):
    centre = make(tile_url="https://{s}.tiles.example.gov:8443/{z}/{x}/{y}.png")
    page = policy(signed_in(centre).get("/wall"))
    assert page["img-src"] == "'self' data: https://a.tiles.example.gov:8443"


# -- live connections ------------------------------------------------------------------------------------


def session_cookie(base: str) -> str:
    http_session = requests.Session()
    assert sign_in(http_session, base, "duty", DEMO_PASSWORD).status_code == 302
    return "; ".join(f"{k}={v}" for k, v in http_session.cookies.items())


@pytest.mark.parametrize("origin, accepted", [(FOREIGN, False), ("http://127.0.0.1:1", False), ("own", True)],
                         ids=["foreign", "another port", "own"])
def test_a_live_connection_is_accepted_from_the_own_origin_only(live, origin, accepted):
    base, _ = live
    client = socketio.Client(reconnection=False)
    headers = {"Cookie": session_cookie(base), "Origin": base if origin == "own" else origin}
    try:
        client.connect(base, headers=headers, transports=["polling"], wait_timeout=10)
        connected = client.connected
    except socketio.exceptions.ConnectionError:
        connected = False
    finally:
        client.disconnect()
    assert connected is accepted


def socket_handshake(client, origin: str, **headers) -> int:
    """The status of engine.io's first request, which is where it checks the Origin."""
    return client.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": origin} | headers).status_code


def test_behind_a_proxy_live_connections_are_accepted_from_the_forwarded_origin(make):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "grid.example"}
    assert socket_handshake(make(proxies=1).server.test_client(), "https://grid.example", **forwarded) == 200
    assert socket_handshake(make(proxies=0).server.test_client(), "https://grid.example", **forwarded) == 400


def test_with_a_public_url_live_connections_come_from_it_only(make):
    client = make(public_url=PUBLIC).server.test_client()
    assert socket_handshake(client, PUBLIC) == 200
    assert socket_handshake(client, OWN) == 400
