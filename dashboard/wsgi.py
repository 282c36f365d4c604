"""WSGI entry point for production servers (see README, "Production"):

    gunicorn --worker-class gthread --workers 1 --threads 100 --no-control-socket \
        --bind 127.0.0.1:8051 dashboard.wsgi:app

One worker per process (Socket.IO keeps per-connection state in the
process); run several such processes behind a proxy with sticky sessions,
all sharing REDIS_URL.
"""
import sys

from backend.platform.config import Config, kept_secret
from dashboard import background
from dashboard.app import create_app
from dashboard.cli import KNOWN_ERRORS, prepare

try:
    _config = kept_secret(Config.from_env())
    prepare(_config)
except KNOWN_ERRORS as error:
    sys.exit(f"error: {error}")

_centre = create_app(_config)
background.start(_centre)
app = _centre.server
