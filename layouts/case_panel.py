"""The dispatcher console's case panel and its bar for several selected cases (owned by the case panel work:
a stub until it lands). The console (layouts/dispatch.py) places both; they read `dispatch-current` and
`dispatch-selection`."""
from __future__ import annotations

from dash import html

from backend.platform.i18n import Translator


def case_panel(_: Translator, config) -> html.Aside:
    return html.Aside(id="case-panel", className="case-panel")


def batch_bar(_: Translator) -> html.Div:
    return html.Div(id="case-batch", className="case-batch")
