"""What every callback needs from the request: the command centre, a session, the user."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone

from flask import current_app
from flask_login import current_user


def centre():
    return current_app.extensions["command_centre"]


@contextmanager
def session():
    with centre().sessions() as s:
        yield s


def user():
    """The signed-in user (the auth gate has already refused anonymous callback requests)."""
    return current_user


def now() -> datetime:
    return datetime.now(timezone.utc)
