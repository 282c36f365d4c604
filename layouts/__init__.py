"""Component trees, one module per screen plus shared widgets; no database access, no callbacks.

Every function takes the user's translator as `_` so each UI string is extractable.
"""
from pathlib import Path

from layouts import case_panel, dispatch, hotline, shell, tasks, wall, widgets

ASSETS = Path(__file__).resolve().parent.parent / "assets"

__all__ = ["ASSETS", "case_panel", "dispatch", "hotline", "shell", "tasks", "wall", "widgets"]
