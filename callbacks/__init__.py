"""Dash callbacks, one module per screen; thin: read inputs, call a backend service, shape the output."""
from callbacks import hotline, shell, wall


def register(app) -> None:
    shell.register(app)
    wall.register(app)
    hotline.register(app)
