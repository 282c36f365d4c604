"""What every callback needs from the request: the command centre, a session, the user.

The centre, sessions and clock are the API views' own (`dashboard.context`): one request context for both.
"""
from __future__ import annotations

from flask_login import current_user

from dashboard.context import centre, now, session

__all__ = ["centre", "now", "session", "user"]


def user():
    """The signed-in user (the auth gate has already refused anonymous callback requests)."""
    return current_user

