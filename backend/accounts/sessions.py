"""Browser sessions kept on the server: the cookie carries a random key, the database says whether it still opens.

A sign-in starts a `UserSession`; only a SHA-256 of its key is stored (as for API tokens), so a stolen database
yields no usable cookie. Every request reads its session: an ended one (signed out, the password changed, the
user deactivated, idle too long) opens nothing any more, in every process at once. `last_seen_at` is written at
most once a `TOUCH_SECONDS` per session, not on every request; a session untouched for the idle timeout ends,
except for the roles in `NEVER_IDLE` (a wall display is watched, not touched).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.accounts.audit import record
from backend.accounts.permissions import NEVER_IDLE
from backend.accounts.keys import digest, new_key
from backend.models import User, UserSession

TOUCH_SECONDS = 60
# Ending reasons (UserSession.ended_reason).
SIGN_OUT, PASSWORD_CHANGED, DEACTIVATED, IDLE = "sign_out", "password_changed", "deactivated", "idle"
# How many keys one query asks about (an IN list stays well inside every database's limits).
CHUNK = 500


def start_session(session: Session, user_id: int, now: datetime, address: str | None,
                  user_agent: str | None) -> str:
    """A new session for the user (added, not committed); answers its key, which only the cookie holds."""
    key = new_key()
    session.add(UserSession(key_hash=digest(key), user_id=user_id, created_at=now, last_seen_at=now,
                            address=(address or None) and address[:45], user_agent=(user_agent or None)
                            and user_agent[:200]))
    return key


def is_idle(last_seen_at: datetime, role: str, now: datetime, idle_minutes: float) -> bool:
    return role not in NEVER_IDLE and now - last_seen_at > timedelta(minutes=idle_minutes)


def find_open(session: Session, key: str, options=()) -> tuple[UserSession, User] | None:
    """The open session of `key` and its active user (`options`: loader options for the user), if any."""
    if not key or len(key) > 100:
        return None
    row = session.execute(select(UserSession, User).join(User, User.id == UserSession.user_id).options(*options)
                          .where(UserSession.key_hash == digest(key), UserSession.ended_at.is_(None),
                                 User.active.is_(True))).first()
    return (row.UserSession, row.User) if row else None


def touch_due(row: UserSession, now: datetime) -> bool:
    """Whether to note that the session is in use: last noted over TOUCH_SECONDS ago."""
    return now - row.last_seen_at >= timedelta(seconds=TOUCH_SECONDS)


def touch(session: Session, session_id: int, now: datetime) -> None:
    """Note that the session is in use now (not committed)."""
    session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))


def end(row: UserSession, now: datetime, reason: str) -> None:
    row.ended_at, row.ended_reason = now, reason


def end_idle(session: Session, session_ids: Iterable[int], now: datetime) -> None:
    """End these sessions for being idle, each with its audit entry (not committed); any ended meanwhile stay
    as they are."""
    ids = list(session_ids)
    rows = session.execute(select(UserSession, User.username).join(User, User.id == UserSession.user_id)
                           .where(UserSession.id.in_(ids), UserSession.ended_at.is_(None))).all() if ids else []
    for row, username in rows:
        end(row, now, IDLE)
        record(session, at=now, action="session_idle", actor_name=username, actor_user_id=row.user_id,
               address=row.address, target=f"session:{row.id}")


def end_session(session: Session, key: str, now: datetime, reason: str = SIGN_OUT) -> UserSession | None:
    """End the open session of `key` (not committed); answers it, or None if there was none open."""
    row = session.scalar(select(UserSession).where(UserSession.key_hash == digest(key or ""),
                                                   UserSession.ended_at.is_(None)))
    if row is not None:
        end(row, now, reason)
    return row


def end_all(session: Session, user_id: int, now: datetime, reason: str) -> int:
    """End every open session of the user (not committed); answers how many."""
    return session.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                           .values(ended_at=now, ended_reason=reason)).rowcount


def still_open(session: Session, key_hashes: Iterable[str], now: datetime,
               idle_minutes: float) -> tuple[set[str], dict[int, str]]:
    """Of these sessions (by key hash): the hashes of those still open, and those now idle, by id (to end
    with `end_idle`)."""
    hashes = list(set(key_hashes))
    found: set[str] = set()
    idle: dict[int, str] = {}
    for start in range(0, len(hashes), CHUNK):
        rows = session.execute(select(UserSession.id, UserSession.key_hash, UserSession.last_seen_at, User.role)
                               .join(User, User.id == UserSession.user_id)
                               .where(UserSession.key_hash.in_(hashes[start:start + CHUNK]),
                                      UserSession.ended_at.is_(None), User.active.is_(True))).all()
        for session_id, key_hash, last_seen_at, role in rows:
            if is_idle(last_seen_at, role, now, idle_minutes):
                idle[session_id] = key_hash
            else:
                found.add(key_hash)
    return found, idle


def ended_idle(session: Session, key_hashes: Iterable[str]) -> set[str]:
    """Of these sessions (by key hash), those that were ended for being idle (by whichever request saw it)."""
    hashes = list(set(key_hashes))
    return {key_hash for start in range(0, len(hashes), CHUNK)
            for key_hash in session.scalars(select(UserSession.key_hash).where(
                UserSession.key_hash.in_(hashes[start:start + CHUNK]), UserSession.ended_reason == IDLE))}
