"""What a view or a callback needs from the running command centre and the signed-in user.

The REST API, Open311, the sign-in pages and the Dash callbacks share this one request context. It imports no
Dash: the backend's views use it too.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy.orm import Session

from backend.platform.config import Config
from backend.cases.batcher import IntakeBatcher
from backend.geo.locator import GridLocator
from backend.cases.workflow import Actor

if TYPE_CHECKING:
    from dashboard.app import CommandCentre

EXTENSION = "command_centre"  # the key of the running centre in the Flask app's `extensions`


def attach(server: Flask, command_centre: CommandCentre) -> None:
    """Make `command_centre` what `centre()` returns in the requests `server` handles."""
    server.extensions[EXTENSION] = command_centre


def centre() -> CommandCentre:
    return current_app.extensions[EXTENSION]


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
                 person_id=user.person_id, department_id=user.department_id, address=request.remote_addr)


def now() -> datetime:
    return datetime.now(timezone.utc)
