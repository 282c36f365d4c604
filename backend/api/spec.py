"""The OpenAPI 3.1 document, generated from the endpoint declarations and their pydantic models."""
from __future__ import annotations

from functools import cache
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from backend.api.registry import ENDPOINTS, Endpoint, endpoint
from backend.api.schemas import ErrorOut, OpenApiDocument

REF = "#/components/schemas/{model}"
DESCRIPTION = """The command centre's REST API. JSON in and out; times are ISO 8601 in UTC (`Z`).

* Authenticate with a session cookie (POST /login) or `Authorization: Bearer <token>`.
* Every answer is limited to your scope: the grid of your account and everything under it.
* Workflow actions: `POST /cases/{case_id}/actions/{action}` with `{"version": <the version you saw>,
  "params": {...}}`; both are optional, `params` depends on the action.
* Errors are `{"code", "message", ...}`: 422 `invalid` names the field, 409 `not_allowed` lists what is
  `allowed`, 409 `conflict` says who changed the case and when.
"""


def _model_uses(ep: Endpoint) -> list[tuple[type[BaseModel], str]]:
    uses = [(model, "validation") for model in (ep.path_model, ep.query, ep.body, ep.form) if model]
    return uses + ([(ep.response, "serialization")] if ep.response else [])


def _without_null(schema: dict) -> dict:
    """A parameter is left out to mean "none"; `null` is not a value a query string can carry."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if not options or len(options) == len(schema["anyOf"]):
        return schema
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return rest | (options[0] if len(options) == 1 else {"anyOf": options})


def _parameters(model: type[BaseModel] | None, where: str, refs: dict, definitions: dict) -> list[dict]:
    if model is None:
        return []
    schema = definitions[refs[(model, "validation")]["$ref"].rpartition("/")[2]]
    required = set(schema.get("required", ()))
    return [{"name": name, "in": where, "required": where == "path" or name in required,
             "schema": _without_null(prop)} | ({"description": prop["description"]} if "description" in prop else {})
            for name, prop in schema["properties"].items()]


def _error(status: int, ref: dict) -> dict:
    return {"description": HTTPStatus(status).phrase, "content": {"application/json": {"schema": ref}}}


def _success(ep: Endpoint, refs: dict) -> dict:
    if ep.response is None:
        content = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in ep.files}
    else:
        content = {"application/json": {"schema": refs[(ep.response, "serialization")]}}
    return {"description": HTTPStatus(ep.status).phrase, "content": content}


def _operation(ep: Endpoint, refs: dict, definitions: dict) -> dict:
    has_input = any((ep.path_model, ep.query, ep.body, ep.form))
    statuses = {401, 500, *ep.errors} | ({422} if has_input else set()) | ({415} if ep.body else set())
    operation: dict[str, Any] = {
        "operationId": ep.operation_id, "summary": ep.summary, "tags": [ep.tag],
        "description": (ep.view.__doc__ or "").strip(),
        "parameters": (_parameters(ep.path_model, "path", refs, definitions)
                       + _parameters(ep.query, "query", refs, definitions)),
        "responses": {str(ep.status): _success(ep, refs)} |
                     {str(s): _error(s, refs[(ErrorOut, "serialization")]) for s in sorted(statuses)},
    }
    for model, media_type in ((ep.body, "application/json"), (ep.form, "multipart/form-data")):
        if model:
            operation["requestBody"] = {"required": True,
                                        "content": {media_type: {"schema": refs[(model, "validation")]}}}
    return operation


@cache
def document() -> dict:
    uses = list(dict.fromkeys([(ErrorOut, "serialization")] + [u for ep in ENDPOINTS for u in _model_uses(ep)]))
    refs, schemas = models_json_schema(uses, ref_template=REF)
    definitions = schemas.get("$defs", {})
    paths: dict[str, dict] = {}
    for ep in ENDPOINTS:
        paths.setdefault(ep.path, {})[ep.method.lower()] = _operation(ep, refs, definitions)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Grid Command Centre API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": definitions,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a token from `python -m dashboard create-token USER --name DEVICE`"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session", "description": "after POST /login"},
            },
        },
    }


@endpoint("GET", "/openapi.json", tag="meta", response=OpenApiDocument)
def openapi() -> OpenApiDocument:
    """This document."""
    return OpenApiDocument(document())
