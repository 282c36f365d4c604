"""Every failure of the API as JSON `{"code", "message", ...}`; never an HTML page, never a traceback."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from backend.api.schemas import ErrorOut
from backend.geo.grids import OutOfScope
from backend.cases.intake import IntakeError
from backend.cases.workflow import WorkflowError

log = logging.getLogger("backend.api")

HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


class ApiError(Exception):
    """A refusal decided at the edge of the API."""

    def __init__(self, status: int, code: str, message: str, **details):
        super().__init__(message)
        self.status, self.code, self.details = status, code, details


def field_errors(errors: list[dict], prefix: tuple[str, ...] = ()) -> list[dict]:
    """Pydantic's errors as `{field, message, type}`, the field as a dotted path."""
    return [{"field": ".".join(map(str, (*prefix, *e["loc"]))) or "body", "message": e["msg"], "type": e["type"]}
            for e in errors]


def invalid(error: ValidationError) -> ApiError:
    """422 naming every field at fault; the message names the first."""
    errors = field_errors(error.errors(include_url=False))
    return ApiError(422, "invalid", f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)


def error_response(status: int, code: str, message: str, **details) -> Response:
    body = ErrorOut(code=code, message=message, **details)
    return current_app.response_class(body.model_dump_json(exclude_none=True), status=status,
                                      mimetype="application/json")


def _api_error(error: ApiError) -> Response:
    return error_response(error.status, error.code, str(error), **error.details)


def _workflow_error(error: WorkflowError) -> Response:
    details = dict(error.details)
    if "errors" in details:  # the workflow's own parameter check: the same shape as the edge's
        details["errors"] = field_errors(details["errors"], ("params",))
    return error_response(error.status, error.code, str(error), **details)


def _intake_error(error: IntakeError) -> Response:
    message = str(error).partition(": ")[2]
    return error_response(422, "invalid", str(error), field=error.field,
                          errors=[{"field": error.field, "message": message, "type": "intake"}])


def _out_of_scope(error: OutOfScope) -> Response:
    return error_response(404, "not_found", str(error))


def too_large(_error: HTTPException | None = None) -> Response:
    """413, naming the limit of this request's route."""
    return error_response(413, "too_large", f"the request body exceeds the limit of {request.max_content_length} bytes")


def _http_error(error: HTTPException) -> Response:
    if error.code == 413:
        return too_large()
    if error.code == 400:  # e.g. a malformed multipart body: a bad body, like any other
        return error_response(422, "invalid", f"body: {error.description}", errors=[
            {"field": "body", "message": error.description, "type": "malformed"}])
    return error_response(error.code or 500, HTTP_CODES.get(error.code, "http_error"), error.description)


def _no_endpoint(**_) -> Response:
    return error_response(404, "not_found", f"no endpoint {request.method} {request.path}; "
                                            "the endpoints are listed in GET /api/v1/openapi.json")


def _database_unavailable(error: OperationalError) -> Response:
    """The database cannot be reached or refuses to work: a passing condition, not a bug in the request, so
    503 and one log line without a traceback. The driver's words (hosts, names) stay in the log."""
    reason = str(error.orig or error).strip().splitlines()[0]
    log.error("database unavailable on %s %s: %s", request.method, request.path, reason)
    response = error_response(503, "database_unavailable", "the database is unavailable; try again in a moment")
    response.headers["Retry-After"] = "5"
    return response


def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal", "an unexpected error occurred; it has been logged. Try again, and "
                                           "report it if it persists")


def install(blueprint: Blueprint) -> None:
    for kind, handler in ((ApiError, _api_error), (WorkflowError, _workflow_error), (IntakeError, _intake_error),
                          (OutOfScope, _out_of_scope), (HTTPException, _http_error),
                          (OperationalError, _database_unavailable), (Exception, _unexpected)):
        blueprint.register_error_handler(kind, handler)
    # Without this, the Dash pages' catch-all route would answer unknown API paths with HTML.
    blueprint.add_url_rule("/<path:unknown>", "no_endpoint", _no_endpoint,
                           methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
