"""What every callback needs from the request: the command centre, a session, the user; and the check of what
the browser sent.

The centre, sessions and clock are the API views' own (`dashboard.context`): one request context for both.
Every server callback is registered through `Checked` (callbacks/__init__.py): each of its parameters is
annotated, and a request whose values its annotations do not admit is refused with 400 (`BadInput`) before the
callback runs. Dash hands a callback whatever the request says: the browser's own values are never trusted.
"""
from __future__ import annotations

import inspect
import math
from functools import wraps
from typing import Annotated, Any

from flask_login import current_user
from pydantic import AfterValidator, Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict
from werkzeug.exceptions import BadRequest

from backend.platform.schemas import Id
from dashboard.context import centre, now, session

__all__ = [
    "BadInput",
    "Checked",
    "Clicks",
    "GridId",
    "LatLng",
    "Number",
    "centre",
    "checked",
    "now",
    "session",
    "user",
]


def user():
    """The signed-in user (the auth gate has already refused anonymous callback requests)."""
    return current_user


class BadInput(BadRequest):
    """A callback's input or state is not of the kind its component sends (answered 400, callbacks/errors.py)."""


def _refusal(callback: str, parameter: str, error: ValidationError) -> BadInput:
    problem = error.errors(include_url=False)[0]
    where = ".".join(map(str, (parameter, *problem["loc"])))
    return BadInput(f"{callback}: {where}: {problem['msg']}")


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


# The kinds of values components send.
GridId = Id  # a grid as the wall's store holds it
Clicks = Annotated[int, Field(ge=0)] | None  # n_clicks, n_submit, n_intervals
Number = Annotated[float, AfterValidator(_finite)]


class LatLng(TypedDict):
    lat: Annotated[Number, Field(ge=-90, le=90)]
    lng: Annotated[Number, Field(ge=-180, le=180)]


def checked(function):
    """`function`, refusing (BadInput) arguments its annotations do not admit, strictly (no "7" for 7)."""
    signature = inspect.signature(function)
    hints = inspect.get_annotations(function, eval_str=True)
    unannotated = [name for name in signature.parameters if name not in hints]
    if unannotated:
        raise TypeError(f"{function.__qualname__}: annotate {', '.join(unannotated)}: a callback's inputs are "
                        "checked against its annotations")
    adapters = {name: TypeAdapter(hints[name]) for name in signature.parameters}

    @wraps(function)
    def run(*args: Any, **kwargs: Any):
        bound = signature.bind(*args, **kwargs)
        for name, value in bound.arguments.items():
            try:
                bound.arguments[name] = adapters[name].validate_python(value, strict=True)
            except ValidationError as error:
                raise _refusal(function.__qualname__, name, error) from None
        return function(*bound.args, **bound.kwargs)

    run.checks = adapters  # what each parameter admits (tests/test_callback_input.py looks for it)
    return run


class Checked:
    """The Dash app as the screens register on it: every server callback is `checked`."""

    def __init__(self, app):
        self._app = app

    def callback(self, *args: Any, **kwargs: Any):
        register = self._app.callback(*args, **kwargs)
        return lambda function: register(checked(function))

    def __getattr__(self, name: str):
        return getattr(self._app, name)
