"""The web edge: what every request passes and every answer carries, whichever part serves it (the pages, Dash,
the REST API, Open311, Socket.IO). README "Security", "The web edge", says what each rule defends against.

- Behind `PROXIES` reverse proxies, their X-Forwarded-For/-Proto/-Host are believed from that many hops.
- The own origin is `PUBLIC_URL`, or each request's own scheme and host when it is unset. A request that changes
  state on the strength of the session cookie must come from it (Origin, else Referer): a foreign page cannot
  make a signed-in browser act. Bearer-token requests carry no ambient credential and are exempt. Live
  connections (Socket.IO) are accepted from the own origin only.
- Dash's callback endpoint takes JSON of the shape its renderer sends, for a callback the server runs; anything
  else is a 4xx before Dash reads it.
- Every body has a limit (the REST API's endpoints keep their own), streamed bodies included.
- Every answer carries a Content-Security-Policy (Dash's inline scripts pass by their hashes), framing
  protection, `nosniff`, a referrer policy and `Cache-Control: no-store`.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import dash
from dash.exceptions import DependencyException
from flask import Flask, Request, Response, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_host

from backend.api.errors import error_response, too_large
from backend.api.registry import MAX_JSON_BYTES
from backend.platform.config import Config
from dashboard.auth import bearer_token

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SIGN_IN = "/login"
# The body limit of every route but the REST API's (each of its endpoints declares its own): Dash's callback
# requests carry a form's values, far below it.
MAX_BODY_BYTES = MAX_JSON_BYTES
# A form's fields held in memory, and its parts: the sign-in form has four short fields.
MAX_FORM_MEMORY_BYTES = 64 * 2**10
MAX_FORM_PARTS = 50
ONE_YEAR = 365 * 24 * 3600
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")


def origin_of(url: str | None) -> str | None:
    """`scheme://host[:port]` of a URL, lower-cased; None if it has none."""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def own_origin(config: Config, environ: dict) -> str:
    """The one origin trusted to act: PUBLIC_URL, else the request's own address (after ProxyFix)."""
    return config.public_url or f"{environ['wsgi.url_scheme']}://{get_host(environ)}".lower()


def allows_socket_origin(config: Config):
    """Socket.IO's `cors_allowed_origins`: a live connection from a browser comes from the own origin. (A client
    sending no Origin is no browser: it has no ambient cookie to abuse, and engine.io lets it through.)"""
    return lambda origin, environ: origin_of(origin) == own_origin(config, environ)


def _signed_in_by_cookie() -> bool:
    return bearer_token(request) is None and current_user.is_authenticated


def _foreign_origin(config: Config) -> Response | None:
    """Cross-site request forgery: a state change riding on the session cookie must come from the own origin.
    The sign-in form is checked too when the browser names a foreign page (a forged sign-in into the
    attacker's account)."""
    if request.method not in STATE_CHANGING:
        return None
    by_cookie = _signed_in_by_cookie()
    if not by_cookie and request.path != SIGN_IN:
        return None
    claimed = origin_of(request.headers.get("Origin")) or origin_of(request.headers.get("Referer"))
    if claimed is None:
        if not by_cookie:
            return None
        return error_response(403, "origin_required", "a signed-in browser's change must name its origin "
                                                      "(Origin or Referer header); send it, or use a bearer token")
    if claimed != own_origin(config, request.environ):
        return error_response(403, "foreign_origin", f"requests from {claimed} may not act here")
    return None


class _AtMost(LimitedStream):
    """A streamed body of at most `maximum` bytes. werkzeug's own stops quietly at the maximum, so a longer chunked
    body reads as cut off there (and then as invalid JSON): this one reads a byte further to tell, and refuses."""

    def __init__(self, stream, maximum: int):
        super().__init__(stream, maximum + 1, is_max=True)

    def readinto(self, buffer) -> int | None:
        size = super().readinto(buffer)
        if self.tell() >= self.limit:
            raise RequestEntityTooLarge()
        return size


class EdgeRequest(Request):
    """Flask's request, with a chunked body held to the route's limit (`max_content_length`, which the REST API
    sets per endpoint before reading), and a form over its limits refused to every reader: the first one may
    be an extension that swallows errors (the sign-in limiter's key), and the body is gone after it."""

    _form_refusal: RequestEntityTooLarge | None = None

    def _load_form_data(self) -> None:
        if self._form_refusal is not None:
            raise self._form_refusal
        try:
            super()._load_form_data()
        except RequestEntityTooLarge as refusal:
            self._form_refusal = refusal
            raise

    @cached_property
    def stream(self):
        if self.content_length is None and "wsgi.input_terminated" in self.environ \
                and self.max_content_length is not None:
            return _AtMost(self.environ["wsgi.input"], self.max_content_length)
        return super().stream


def _streamed_body_unbounded() -> Response | None:
    """A chunked body the server does not terminate would read as empty (werkzeug's safe fallback), so a too large
    one would be taken for a missing one: refuse it rather than answer about the wrong body."""
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if chunked and not request.environ.get("wsgi.input_terminated"):
        return error_response(411, "length_required", "send the body with a Content-Length")
    return None


class DashInput(BaseModel):
    """One input or state of a callback request, as Dash's renderer sends it."""

    model_config = ConfigDict(extra="allow")
    id: StrictStr | dict[StrictStr, Any]
    property: StrictStr


class DashCall(BaseModel):
    """The body of `/_dash-update-component`."""

    output: StrictStr
    outputs: list[dict[str, Any]] | dict[str, Any]
    inputs: list[DashInput | list[DashInput]]
    state: list[DashInput | list[DashInput]] = Field(default_factory=list)
    changedPropIds: list[StrictStr] = Field(default_factory=list)


# A dcc.Location's properties (Dash's page router reads them) are text, its path an absolute one.
LOCATION_PROPERTIES = frozenset({"pathname", "search", "hash", "href"})


def _bad_location(call: DashCall) -> str | None:
    for item in (i for group in (*call.inputs, *call.state) for i in (group if isinstance(group, list) else [group])):
        value = getattr(item, "value", None)
        if item.property not in LOCATION_PROPERTIES or value is None:
            continue
        if not isinstance(value, str) or (item.property == "pathname" and not value.startswith("/")):
            return f"{item.id}.{item.property}: not a location"
    return None


def _outputs(call: DashCall) -> list[tuple[str, Any]]:
    """Each output the callback declares (its id) with what the request says of it."""
    names = call.output.strip(".").split("...") if call.output.startswith("..") else [call.output]
    specs = call.outputs if call.output.startswith("..") else [call.outputs]
    return list(zip((name.rsplit(".", 1)[0] for name in names), specs if isinstance(specs, list) else []))


def _bad_outputs(call: DashCall) -> str | None:
    """Outputs naming components the callback does not declare (Dash fails on them, a 500)."""
    outputs = _outputs(call)
    expected = len(call.output.strip(".").split("...")) if call.output.startswith("..") else 1
    if len(outputs) != expected:
        return f"outputs: the callback has {expected}"
    for pattern, spec in outputs:
        if pattern.startswith("{"):
            fits = isinstance(spec, list) and all(isinstance(o, dict) and _matches(pattern, o.get("id")) for o in spec)
        else:
            fits = isinstance(spec, dict) and spec.get("id") == pattern
        if not fits:
            return f"outputs: {pattern}: not the callback's"
    return None


def _ids(items: list[DashInput] | list[dict]) -> list[str]:
    """The components named (inputs, or outputs already found to be `{"id", "property"}`), comparable."""
    return sorted(json.dumps(item.id if isinstance(item, DashInput) else item["id"], sort_keys=True) for item in items)


def _matches(pattern: str, component_id: Any) -> bool:
    """Whether a component id is one of a wildcard id's (`{"type": "x", "grid": ["ALL"]}`): the same keys, the
    same fixed values (Dash fails on others, a 500)."""
    wanted = json.loads(pattern)
    return isinstance(component_id, dict) and component_id.keys() == wanted.keys() and all(
        isinstance(part, list) or component_id[key] == part for key, part in wanted.items())


def _not_as_declared(call: DashCall, declared: dict) -> str | None:
    """Values where the callback declares them: as many inputs and states; a list for a wildcard id (ALL), one
    value otherwise; and for a wildcard id the callback also writes to, the very components it writes (Dash's
    renderer resolves both against the same page)."""
    outputs = {pattern: _ids(spec) for pattern, spec in _outputs(call) if pattern.startswith("{")}
    for kind, sent, wanted in (("inputs", call.inputs, declared["inputs"]), ("state", call.state, declared["state"])):
        if len(sent) != len(wanted):
            return f"{kind}: the callback takes {len(wanted)}, not {len(sent)}"
        for given, dependency in zip(sent, wanted):
            pattern, where = dependency["id"], f"{kind}: {dependency['id']}.{dependency['property']}"
            if pattern.startswith("{") != isinstance(given, list):
                return f"{where}: a list for a wildcard id, one value otherwise"
            if pattern.startswith("{") and not all(_matches(pattern, item.id) for item in given):
                return f"{where}: a component id of another kind"
            if pattern in outputs and _ids(given) != outputs[pattern]:
                return f"{where}: not the components the callback writes to"
    return None


def _bad_callback_call(app: dash.Dash) -> Response | None:
    """Dash reads its body without looking: a body of another shape, or naming a callback that runs in the browser
    or not at all, would fail inside it (a 500). Each callback then checks its own values (callbacks/common.py)."""
    if request.mimetype != "application/json":
        return error_response(415, "unsupported_media_type",
                              "callback requests are JSON: send Content-Type: application/json")
    try:
        call = DashCall.model_validate_json(request.get_data())
    except ValidationError as error:
        problem = error.errors(include_url=False)[0]
        where = ".".join(map(str, problem["loc"])) or "body"
        return error_response(400, "invalid", f"not a callback request: {where}: {problem['msg']}")
    declared = app.callback_map.get(call.output, {})
    if "callback" not in declared:  # none, or one that runs in the browser
        return error_response(404, "not_found", "no callback on the server has this output")
    problem = _bad_outputs(call) or _not_as_declared(call, declared) or _bad_location(call)
    return error_response(400, "invalid", problem) if problem else None


def _before(config: Config, app: dash.Dash):
    update_path = app.config.routes_pathname_prefix + "_dash-update-component"

    def check() -> Response | None:
        refusal = _streamed_body_unbounded() or _foreign_origin(config)
        if refusal is None and request.path == update_path and request.method == "POST":
            refusal = _bad_callback_call(app)
        return refusal

    return check


def content_security_policy(app: dash.Dash, config: Config) -> str:
    """Scripts from the product itself and Dash's inline ones by hash; nothing from elsewhere but the
    basemap's tiles. Styles may be inline: Mantine and Leaflet write `<style>` elements and style attributes."""
    tiles = origin_of(config.tile_url.replace("{s}", "a")) if config.tile_url else None
    sources = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *app.csp_hashes()],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *([tiles] if tiles else [])],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in sources.items())


# Answers other than pages load nothing and run nothing.
NOT_A_PAGE_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def _after(config: Config, app: dash.Dash):
    def secure(response: Response) -> Response:
        if "Content-Security-Policy" not in response.headers:  # an answer's own is stricter (a photo's sandbox)
            page = response.mimetype == "text/html"
            response.headers["Content-Security-Policy"] = content_security_policy(app, config) if page \
                else NOT_A_PAGE_POLICY
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        # Scripts, styles and icons may be kept (Dash fingerprints its own); the rest may hold residents' data.
        if not request.path.startswith(STATIC_PREFIXES):
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = f"max-age={ONE_YEAR}"
        return response

    return secure


SOCKET_PATH = "/socket.io/"
SOCKET_HEADERS = {**HEADERS, "Content-Security-Policy": NOT_A_PAGE_POLICY, "Cache-Control": "no-store"}


def _socket_answers_secured(wsgi_app):
    """engine.io answers its own path before Flask sees the request: its answers get the same headers here."""
    def secured(environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(SOCKET_PATH):
            return wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            extra = [(name, value) for name, value in SOCKET_HEADERS.items() if name.lower() not in present]
            return start_response(status, [*headers, *extra], exc_info)

        return wsgi_app(environ, start)

    return secured


def _unknown_resource(_error: DependencyException) -> Response:
    """A `/_dash-component-suites/` path naming no file Dash serves (Dash's own message lists them all)."""
    return Response("Not found", status=404, mimetype="text/plain")


def install(server: Flask, app: dash.Dash, config: Config) -> None:
    """The edge's rules on `server`. Install after Socket.IO, so that ProxyFix corrects what engine.io reads."""
    server.request_class = EdgeRequest
    server.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, MAX_FORM_MEMORY_SIZE=MAX_FORM_MEMORY_BYTES,
                         MAX_FORM_PARTS=MAX_FORM_PARTS)
    server.wsgi_app = _socket_answers_secured(server.wsgi_app)  # Socket.IO's middleware, wrapped
    if config.proxies:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=config.proxies, x_proto=config.proxies,
                                   x_host=config.proxies)
    server.before_request(_before(config, app))  # after the sign-in gate: anonymous callers are told to sign in
    server.after_request(_after(config, app))
    server.register_error_handler(DependencyException, _unknown_resource)
    server.register_error_handler(413, too_large)
