"""The REST API under /api/v1 (a Flask blueprint; no Dash here)."""
from flask import Blueprint

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
