"""Bearer tokens for devices and other systems; a token acts as its user (role and scope).

Only a SHA-256 of each token is stored (backend.accounts.keys). A token works until it is revoked or, if it
was issued with one, its expiry; and only while its user is active. Tokens are read from request headers
(or a POST body), never from a URL: URLs end up in logs.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from backend.accounts.keys import digest, new_key
from backend.accounts.users import UserError, find_user
from backend.models import ApiToken, User

__all__ = ["digest", "issue_token", "list_tokens", "new_token", "revoke_token", "still_valid", "user_for_token"]
# How many digests one query asks about.
CHUNK = 500


def new_token(session: Session, username: str, name: str, now: datetime,
              expires_days: float | None = None) -> tuple[ApiToken, str]:
    """A new token for the user (added and flushed, so it has an id; not committed) and the token itself,
    shown once and never stored in clear. `expires_days`: it stops working that long after `now`."""
    user = find_user(session, username)
    if not name.strip() or len(name) > 100:
        raise UserError("name: 1-100 characters, e.g. the device or system using the token")
    if expires_days is not None and not 0 < expires_days <= 3660:
        raise UserError("expires-days: more than 0 and at most 3660 (ten years)")
    token = new_key()
    row = ApiToken(name=name.strip(), token_hash=digest(token), user_id=user.id, created_at=now,
                   expires_at=now + timedelta(days=expires_days) if expires_days is not None else None)
    session.add(row)
    session.flush()
    return row, token


def issue_token(session: Session, username: str, name: str, now: datetime, expires_days: float | None = None) -> str:
    """A new token for the user (added, not committed); shown once, never stored in clear."""
    return new_token(session, username, name, now, expires_days)[1]


def _usable(now: datetime) -> ColumnElement[bool]:
    """Tokens that work at `now`: not revoked, not expired, their user active."""
    return (ApiToken.revoked.is_(False)) & or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now) \
        & User.active.is_(True)


def user_for_token(session: Session, token: str, options=(), now: datetime | None = None) -> User | None:
    """The active user a valid token belongs to (`options`: loader options for the user)."""
    if not token or len(token) > 200:
        return None
    return session.scalar(select(User).join(ApiToken, ApiToken.user_id == User.id).options(*options)
                          .where(ApiToken.token_hash == digest(token), _usable(now or datetime.now(timezone.utc))))


def still_valid(session: Session, digests: Iterable[str], now: datetime) -> set[str]:
    """Of these tokens (by digest), the ones that still work."""
    wanted = list(set(digests))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(session.scalars(select(ApiToken.token_hash).join(User, User.id == ApiToken.user_id)
                                     .where(ApiToken.token_hash.in_(wanted[start:start + CHUNK]), _usable(now))))
    return found


def list_tokens(session: Session, username: str | None = None) -> list[tuple[ApiToken, str]]:
    """Every token (with its user's name), oldest first; only the user's with `username`."""
    query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if username is not None:
        query = query.where(User.id == find_user(session, username).id)
    return [(token, name) for token, name in session.execute(query).all()]


def revoke_token(session: Session, token_id: int) -> ApiToken:
    """Revoke a token by id (not committed); it stops working at once (processes that remember tokens
    for a few seconds stop within `Config.token_recheck_seconds`)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise UserError(f"id: no token has id {token_id}")
    token.revoked = True
    return token
