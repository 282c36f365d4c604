"""What the screen shows when a callback fails: the one error path of every Dash callback (`Dash(on_error=)`).

While the database cannot be reached, the shell's notice says so and its timer retries every few seconds
(callbacks/shell.py, `retry`); when the database answers, the notice goes and the screens read themselves afresh.
A refused request (an HTTP error: values a callback does not take, callbacks/common.py) is answered as such, a 4xx.
Any other error is logged with its traceback and shown as a generic notice; the screen keeps what it showed, and
reads itself afresh at the next retry. The notices are in the shell already, in the user's language
(layouts/shell.py, `notices`): an error only shows one.
"""
from __future__ import annotations

import logging

from dash import ctx, set_props
from flask import Response, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from backend.api.errors import error_response

log = logging.getLogger(__name__)
DATABASE, OTHER = "shell-notice-database", "shell-notice-error"


def showing(notice: str) -> dict[str, dict]:
    """The component properties that show a notice and start the retries."""
    return {notice: {"hidden": False}, "shell-retry": {"disabled": False}}


def reason(error: OperationalError) -> str:
    """The driver's first line, for the log only (it may name hosts and databases)."""
    return str(error.orig or error).strip().partition("\n")[0]


def on_error(error: Exception) -> None:
    if isinstance(error, HTTPException):
        raise error
    if isinstance(error, OperationalError):
        log.error("database unavailable in a callback triggered by %s: %s", ctx.triggered_id, reason(error))
        notice = DATABASE
    else:
        log.error("callback triggered by %s failed", ctx.triggered_id, exc_info=error)
        notice = OTHER
    for component, props in showing(notice).items():
        set_props(component, props)


def database_unavailable(error: OperationalError) -> Response:
    """Before any callback runs, the sign-in check reads the user: with the database down it fails there, and
    the callback's answer is the notice all the same. Anything else answers 503, as the API does."""
    log.error("database unavailable on %s %s: %s", request.method, request.path, reason(error))
    if request.path.endswith("/_dash-update-component"):
        return jsonify(multi=True, response={}, sideUpdate=showing(DATABASE))
    response = Response("The database cannot be reached; try again in a moment.", status=503, mimetype="text/plain")
    response.headers["Retry-After"] = "5"
    return response


def refused(error: HTTPException) -> Response:
    """A callback request refused before its callback ran: JSON, as the API's refusals."""
    return error_response(error.code, "invalid", error.description)
