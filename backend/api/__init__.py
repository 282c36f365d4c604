"""The REST API under /api/v1 (a Flask blueprint; no Dash here).

Each module declares its routes with `registry.endpoint`; importing them fills the
registry, from which both the Flask rules and the OpenAPI document are made.
"""
from flask import Blueprint

from backend.api import (attachments, audit, cases, errors, events, handheld, reference, reports, spec,  # noqa: F401
                         warnings)  # (declare routes)
from backend.api.registry import register_all

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
register_all(blueprint)
errors.install(blueprint)
