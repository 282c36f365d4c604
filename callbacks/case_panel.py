"""The case panel's callbacks (layouts/case_panel.py): registered by the dispatcher console."""
from __future__ import annotations


def register(app) -> None:
    """A stub until the case panel lands."""
