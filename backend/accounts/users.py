"""Users and passwords (argon2id, with parameters from argon2-cffi's RFC 9106 profile).

Changing a password or deactivating a user ends all of the user's browser sessions (backend.accounts.sessions):
whoever held one must sign in again, with the new password, if at all.
"""
from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.sessions import DEACTIVATED, PASSWORD_CHANGED, end_all
from backend.models import LANGUAGE_CODES, ROLES, Grid, User

_hasher = PasswordHasher()
# Minimum 8 characters: NIST SP 800-63B's floor for user-chosen passwords.
MIN_PASSWORD_LENGTH = 8


class UserError(ValueError):
    """Bad input for a user account; the message names the field."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password: at least {MIN_PASSWORD_LENGTH} characters")


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise UserError(f"username: no user {username!r}")
    return user


def set_password(session: Session, username: str, password: str, now: datetime) -> User:
    """A new password (not committed); every session of the user ends."""
    _check_password(password)
    user = find_user(session, username)
    user.password_hash = hash_password(password)
    end_all(session, user.id, now, PASSWORD_CHANGED)
    return user


def deactivate(session: Session, username: str, now: datetime) -> User:
    """The user can no longer sign in, and every session and token of theirs stops working (not committed)."""
    user = find_user(session, username)
    user.active = False
    end_all(session, user.id, now, DEACTIVATED)
    return user


def set_language(session: Session, user_id: int, language: str) -> None:
    """The language the user's screens speak (not committed)."""
    if language not in LANGUAGE_CODES:
        raise UserError(f"language: one of {', '.join(LANGUAGE_CODES)}")
    session.get(User, user_id).language = language


def reactivate(session: Session, username: str) -> User:
    """The user may sign in again (not committed); their tokens work again unless revoked or expired."""
    user = find_user(session, username)
    user.active = True
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Rehashes outdated hashes."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        # Spend the same time as a real check so timing does not reveal user names.
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.commit()
    return user


def create_user(session: Session, *, username: str, password: str, role: str, grid_code: str,
                display_name: str | None = None, language: str = "zh_Hans") -> User:
    """Add a user (not committed). Raises UserError naming the bad field."""
    username = username.strip()
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").isalnum():
        raise UserError("username: 1-64 letters, digits, '_' or '.'")
    _check_password(password)
    if role not in ROLES:
        raise UserError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    if language not in LANGUAGE_CODES:
        raise UserError(f"language: {language!r} is not one of {', '.join(LANGUAGE_CODES)}")
    grid = session.scalar(select(Grid).where(Grid.code == grid_code))
    if grid is None:
        raise UserError(f"grid: no grid has code {grid_code!r}")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"username: {username!r} is taken")
    user = User(username=username, password_hash=hash_password(password), role=role, grid_id=grid.id,
                display_name=display_name or username, language=language)
    session.add(user)
    return user
