"""The OpenAPI 3.1 document, generated from the endpoint declarations and their pydantic models."""
from __future__ import annotations

from functools import cache
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from backend.api.registry import ENDPOINTS, Endpoint, endpoint
from backend.api.schemas import BatchOut, ErrorOut, GridTree, OpenApiDocument, ReportCreated
from backend.cases.schemas import AttachmentOut, CaseDetail, CasePage

REF = "#/components/schemas/{model}"
DESCRIPTION = """The command centre's REST API. JSON in and out; times are ISO 8601 in UTC (`Z`).

* Authenticate with a session cookie (POST /login) or `Authorization: Bearer <token>`.
* Every answer is limited to your scope: the grid of your account and everything under it.
* Workflow actions: `POST /cases/{case_id}/actions/{action}` with `{"version": <the version you saw>,
  "params": {...}}`; both are optional, `params` depends on the action.
* Errors are `{"code", "message", ...}`: 422 `invalid` names the field, 409 `not_allowed` lists what is
  `allowed`, 409 `conflict` says who changed the case and when.
"""


# What an answer of each model gives the next request (OpenAPI links): a parameter name, path or query, and
# where the answer holds its value (a JSON pointer). Every operation taking that parameter is linked from every
# operation answering the model, so a new endpoint is linked by the models it uses, not by a line of its own.
LINKS: dict[type[BaseModel], dict[str, str]] = {
    ReportCreated: {"case_id": "/id"},
    BatchOut: {"case_id": "/items/0/case_id"},
    CaseDetail: {"case_id": "/id", "attachment_id": "/attachments/0/id"},
    CasePage: {"case_id": "/items/0/id"},
    AttachmentOut: {"attachment_id": "/id"},
    GridTree: {"parent_id": "/children/0/id", "grid_id": "/children/0/id"},
}


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


def _parameter_places(ep: Endpoint) -> dict[str, str]:
    """Each parameter of the operation and where it goes: `path` or `query`."""
    return {name: where for model, where in ((ep.query, "query"), (ep.path_model, "path")) if model
            for name in model.model_fields}


def _links(ep: Endpoint) -> dict[str, dict]:
    """The operations this one's answer leads to: those whose path parameters it all gives (at least one
    parameter), each with the values taken from the answer."""
    given = LINKS.get(ep.response, {})
    links = {}
    for target in ENDPOINTS:
        places = _parameter_places(target)
        taken = {name: pointer for name, pointer in given.items() if name in places}
        if taken and {name for name, where in places.items() if where == "path"} <= set(taken):
            links[target.operation_id] = {
                "operationId": target.operation_id,
                "parameters": {f"{places[name]}.{name}": f"$response.body#{pointer}" for name, pointer in taken.items()},
                "description": f"{target.method} {target.path} with " + ", ".join(
                    f"{name} from {pointer}" for name, pointer in taken.items()),
            }
    return links


def _success(ep: Endpoint, refs: dict) -> dict:
    if ep.response is None:
        content = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in ep.files}
    else:
        content = {"application/json": {"schema": refs[(ep.response, "serialization")]}}
    links = _links(ep)
    return {"description": HTTPStatus(ep.status).phrase, "content": content} | ({"links": links} if links else {})


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
