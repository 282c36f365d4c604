"""Signing in and out as a browser does: read the form for its CSRF token, then post it with the token, naming
the product's own page as its origin (dashboard/edge.py refuses a cookie's state change from anywhere else)."""
from __future__ import annotations

import re

import requests

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
TEST_CLIENT_ORIGIN = "http://localhost"  # where Flask's test client sends its requests


def browser(server):
    """A Flask test client that sends the product's own origin with every request, as a browser on its pages does."""
    client = server.test_client()
    client.environ_base["HTTP_ORIGIN"] = TEST_CLIENT_ORIGIN
    return client


def form_token(page: str) -> str:
    """The CSRF token of the sign-in page (or of any page holding the form)."""
    return CSRF_FIELD.search(page).group(1)


def sign_in(http: requests.Session, base: str, username: str, password: str, **fields) -> requests.Response:
    """Sign in over HTTP (requests); answers the form's answer, not followed (302 on success)."""
    token = form_token(http.get(f"{base}/login").text)
    return http.post(f"{base}/login", data={"username": username, "password": password, "csrf_token": token,
                                            **fields}, headers={"Origin": base}, allow_redirects=False)


def sign_in_client(client, username: str, password: str, **fields):
    """The same with Flask's test client."""
    token = form_token(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token, **fields})


def sign_out(http: requests.Session, base: str) -> requests.Response:
    """Post the header's sign-out form, with the token the signed-in session's pages carry."""
    token = form_token(http.get(f"{base}/login").text)
    return http.post(f"{base}/logout", data={"csrf_token": token}, headers={"Origin": base}, allow_redirects=False)
