"""Imports point one way: screens use the backend, never the reverse; layouts never touch the database."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREEN_PACKAGES = {"dash", "dash_ag_grid", "dash_leaflet", "dash_mantine_components", "dash_socketio", "layouts",
                   "callbacks", "flask_socketio"}
# The web edge of the backend (REST API, Open311) reaches the running command centre through this one module.
BACKEND_MAY_IMPORT_FROM_DASHBOARD = {"dashboard.context"}


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}  # `from dashboard import context`
    return names


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", modules("backend"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_backend_never_imports_screens_or_the_app(path):
    for name in imported(path):
        top = name.partition(".")[0]
        assert top not in SCREEN_PACKAGES, f"{name} imported by a backend module"
        assert top != "dashboard" or name in BACKEND_MAY_IMPORT_FROM_DASHBOARD, f"{name} imported by the backend"


@pytest.mark.parametrize("path", modules("layouts"), ids=lambda p: str(p.relative_to(ROOT)))
def test_layouts_neither_read_the_database_nor_register_callbacks(path):
    for name in imported(path):
        assert not name.startswith(("sqlalchemy", "backend.platform.db", "callbacks")), f"{name} in a layout"
