"""The dispatcher console's callbacks (a stub until the console lands); the case panel's are registered with them."""
from __future__ import annotations

from callbacks import case_panel


def register(app) -> None:
    case_panel.register(app)
