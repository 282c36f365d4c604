"""What a view needs from the running command centre and the signed-in user."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app
from flask_login import current_user
from sqlalchemy.orm import Session

from backend.platform.config import Config
from backend.cases.batcher import IntakeBatcher
from backend.geo.locator import GridLocator
from backend.cases.workflow import Actor


def centre():
    return current_app.extensions["command_centre"]


def config() -> Config:
    return centre().config


def locator() -> GridLocator:
    return centre().locator


def intake() -> IntakeBatcher:
    """Where single reports are submitted (written together with those arriving at the same time)."""
    return centre().intake


def session() -> Session:
    """A new session; the caller commits what it wrote (closing it rolls back the rest)."""
    return centre().sessions()


def actor() -> Actor:
    """The signed-in user (session cookie or bearer token) as the workflow's actor."""
    user = current_user
    return Actor(name=user.display_name, role=user.role, scope=user.scope, user_id=user.id,
                 person_id=user.person_id, department_id=user.department_id)


def now() -> datetime:
    return datetime.now(timezone.utc)
