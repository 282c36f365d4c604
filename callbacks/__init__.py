"""Dash callbacks, one module per screen; thin: read inputs, call a backend service, shape the output."""
from callbacks import case_panel, dispatch, errors, hotline, shell, tasks, wall
from callbacks.common import Checked

__all__ = ["case_panel", "dispatch", "errors", "hotline", "register", "shell", "tasks", "wall"]


def register(app, screens) -> None:
    """The shell's callbacks, then each screen's (dashboard/screens.py); each checks what it is sent."""
    app = Checked(app)
    shell.register(app)
    for screen in screens:
        screen.register(app)
