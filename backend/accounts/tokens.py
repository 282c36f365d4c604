"""Bearer tokens for devices and other systems; a token acts as its user (role and scope).

Only a SHA-256 of each token is stored: tokens are long random strings, so
a fast hash is enough, and a stolen database does not yield usable tokens.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.users import UserError
from backend.models import ApiToken, User


def digest(token: str) -> str:
    """What is stored of a token, and what a cache of tokens may key by."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, username: str, name: str, now: datetime) -> str:
    """A new token for the user (added, not committed); shown once, never stored in clear."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserError(f"username: no user {username!r}")
    if not name.strip() or len(name) > 100:
        raise UserError("name: 1-100 characters, e.g. the device or system using the token")
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(name=name.strip(), token_hash=digest(token), user_id=user.id, created_at=now))
    return token


def user_for_token(session: Session, token: str, options=()) -> User | None:
    """The active user a valid, unrevoked token belongs to (`options`: loader options for the user)."""
    if not token or len(token) > 200:
        return None
    user = session.scalar(select(User).join(ApiToken, ApiToken.user_id == User.id).options(*options)
                          .where(ApiToken.token_hash == digest(token), ApiToken.revoked.is_(False)))
    return user if user is not None and user.active else None
