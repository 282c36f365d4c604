"""Each route declares its models once, with `@endpoint`; validation and the OpenAPI document both read that.

A view receives what it declared, already validated, as keyword arguments
(`path`, `query`, `body`, `form`) and returns an instance of its response
model (or a Flask response, for a file). The edge turns any validation
failure into a 422 naming the field, and a path that names no row into 404.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_origin

from flask import Blueprint, Response, current_app, request
from pydantic import BaseModel, ValidationError

from backend.api.errors import ApiError, invalid
from backend.platform.text import has_control_characters

# A JSON body larger than this is refused (413) before it is read: a full offline
# batch (500 reports of at most ~4.5 kB each) stays well under it.
MAX_JSON_BYTES = 4 * 2**20
# Every integer in a body is an id, a version or a count: PostgreSQL's 32-bit integer columns hold
# them, and a larger bound parameter is a database error there, not "no such row".
MAX_JSON_INT = 2**31 - 1


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # an OpenAPI path template: /cases/{case_id}
    view: Callable[..., Any]
    tag: str
    response: type[BaseModel] | None  # None: the view answers a file
    status: int = 200
    path_model: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    form: type[BaseModel] | None = None  # multipart/form-data
    errors: tuple[int, ...] = ()  # statuses besides 401, 422, 500 (and 415 with a body) that the view may answer
    files: tuple[str, ...] = ()  # media types of a file answer (when `response` is None)
    max_body: int = MAX_JSON_BYTES
    operation_id: str = ""
    summary: str = ""

    @property
    def rule(self) -> str:
        """The Flask rule: `{case_id}` becomes `<int:case_id>` for integer path fields."""
        rule = self.path
        for name, field in (self.path_model.model_fields.items() if self.path_model else ()):
            converter = "int:" if field.annotation is int else ""
            rule = rule.replace(f"{{{name}}}", f"<{converter}{name}>")
        return rule

    def handle(self, **path_values: Any) -> Response:
        request.max_content_length = self.max_body
        result = self.view(**self._arguments(path_values))
        if isinstance(result, Response):
            return result
        return current_app.response_class(result.model_dump_json(), status=self.status, mimetype="application/json")

    def _arguments(self, path_values: dict[str, Any]) -> dict[str, BaseModel]:
        arguments = {}
        if self.path_model:
            try:
                arguments["path"] = self.path_model.model_validate(path_values)
            except ValidationError:
                raise ApiError(404, "not_found", f"nothing at {request.path}") from None
        for name, model, read in (("query", self.query, _query_values), ("body", self.body, _json_body),
                                  ("form", self.form, _form_values)):
            if model is not None:
                arguments[name] = _validate(model, read(model))
        return arguments


ENDPOINTS: list[Endpoint] = []


def endpoint(method: str, path: str, *, tag: str, response: type[BaseModel] | None, **declared: Any):
    """Declare a view: its path, its models and the statuses it may answer; the docstring is its summary."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        declared.setdefault("operation_id", view.__name__)
        declared.setdefault("summary", (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else "")
        ENDPOINTS.append(Endpoint(method=method, path=path, view=view, tag=tag, response=response, **declared))
        return view

    return register


def register_all(blueprint: Blueprint) -> None:
    for ep in ENDPOINTS:
        blueprint.add_url_rule(ep.rule, endpoint=ep.operation_id, view_func=ep.handle, methods=[ep.method])


def _validate(model: type[BaseModel], values: Any) -> BaseModel:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise invalid(error) from None


def _is_list(annotation: Any) -> bool:
    return get_origin(annotation) is list


def _query_values(model: type[BaseModel]) -> dict[str, Any]:
    """Query parameters by the model's fields; a list field may be repeated or comma-separated."""
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name not in request.args:
            continue
        if _is_list(field.annotation):
            values[name] = [part for raw in request.args.getlist(name) for part in raw.split(",") if part]
        else:
            values[name] = request.args[name]
    return _refuse_control_characters("query", values)


def _bounded_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_JSON_INT:
        raise ValueError(f"integer {text[:20]} is beyond ±{MAX_JSON_INT}")
    return value


def _refuse_control_characters(where: str, value: Any) -> Any:
    if has_control_characters(value):
        raise ApiError(422, "invalid", f"{where}: text may not contain NUL or other control characters",
                       errors=[{"field": where, "message": "contains a control character",
                                "type": "control_character"}])
    return value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _json_body(model: type[BaseModel]) -> Any:
    """The body as JSON. It must say it is (a browser's cross-site form can send text/plain, never JSON)."""
    raw = request.get_data()
    if not raw.strip():
        return {}
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", f"body: send JSON with Content-Type: application/json, "
                                                      f"not {request.mimetype or 'none'}")
    try:
        value = json.loads(raw, parse_int=_bounded_int, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise ApiError(422, "invalid", f"body: not valid JSON ({str(error)[:200]})",
                       errors=[{"field": "body", "message": "not valid JSON", "type": "json_invalid"}]) from None
    return _refuse_control_characters("body", value)


def _form_values(model: type[BaseModel]) -> dict[str, Any]:
    files = {name: storage.read() for name, storage in request.files.items()}
    return _refuse_control_characters("form", request.form.to_dict()) | files
