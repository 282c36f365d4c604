"""Open311 GeoReport v2 under /open311/v2, with mySociety's `servicerequestupdates` extension.

Services are the minor categories; a service request is a case, known by its
case number (the numeric id is accepted on lookup too). GET endpoints are
public (the GeoReport convention, see dashboard.auth) and show the public
what a resident may see (README "Open311"): no staff note, free text only
from public channels and masked (backend.open311.privacy). An `api_key` (an
API token, backend.accounts.tokens, acting as its user) shows the cases of
its user's scope as the centre sees them; POST requests needs one, in the
body. Every input is checked here, at the edge: a bad one gets the spec's
error list with 400, 403 or 404, never a 500.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import Blueprint, Response, g, request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, NotFound

from dashboard import context
from backend.cases.intake import ReportIn
from backend.geo.scope import Scope
from backend.models import (OPEN_STATES, PLACEMENT_COLUMNS, Case, CaseEvent, Category, Department, User,
                            case_id_from_number, case_number)
from backend.platform.schemas import MAX_ID  # larger numbers cannot name a case
from backend.open311.formats import CONTENT_TYPES, Body, render, w3c
from backend.open311.privacy import PUBLIC_CHANNELS, mask_personal_data
from backend.platform.text import has_control_characters
from backend.platform.i18n import Translator
from backend.accounts.tokens import user_for_token

blueprint = Blueprint("open311", __name__, url_prefix="/open311/v2")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-26T00:00:00Z"  # when this API's behaviour last changed; bump with it
MAX_DAYS = 90
MAX_RESULTS = 1000
# Our seven steps in words: `status` may only say open or closed, `status_notes` says where the case is.
STATE_NOTES = {
    "collected": "collected: awaiting registration by the command centre",
    "registered": "registered: awaiting dispatch",
    "dispatched": "dispatched: assigned, awaiting the assignee",
    "handling": "handling: the assignee is dealing with it",
    "fed_back": "fed_back: result reported, awaiting verification",
    "closed": "closed: verified and closed",
    "cancelled": "cancelled: not accepted as a case",
}
# ReportIn's field names as an Open311 client knows them, for error messages.
FIELD_NAMES = {"category_code": "service_code", "lon": "long", "address": "address_string",
               "reporter_name": "first_name/last_name", "reporter_phone": "phone", "lon/lat": "lat/long"}


@blueprint.url_value_preprocessor
def _take_format(_endpoint: str | None, values: dict | None) -> None:
    fmt = (values or {}).pop("fmt", None)
    if fmt not in CONTENT_TYPES:
        raise NotFound(f"format {fmt!r} is not served; use .json or .xml")
    g.open311_format = fmt


@blueprint.before_request
def _refuse_control_characters() -> None:
    """As the REST API does: PostgreSQL text cannot hold NUL, and no parameter has a use for C0 controls."""
    for name, values in [*request.values.lists(), *(request.view_args or {}).items()]:
        if has_control_characters(values):
            raise BadRequest(f"{name[:40]}: text may not contain NUL or other control characters "
                             "(tab and line breaks are fine)")


@blueprint.errorhandler(HTTPException)
def _error(error: HTTPException) -> Response:
    # XML when the format itself was wrong: it is the spec's one required format.
    return render([{"code": error.code, "description": error.description}], "errors",
                  g.get("open311_format", "xml"), error.code)


def _respond(body: Body, root: str, status: int = 200) -> Response:
    return render(body, root, g.open311_format, status)


def _arg(name: str) -> str | None:
    """A parameter's value (query or form); empty counts as absent (the spec's rule for optional arguments)."""
    return request.values.get(name, "").strip() or None


def _listed(name: str) -> list[str]:
    """A parameter that may be repeated and comma-delimited."""
    items = [item.strip() for value in request.values.getlist(name) for item in value.split(",") if item.strip()]
    if len(items) > MAX_RESULTS:
        raise BadRequest(f"{name}: at most {MAX_RESULTS} values")
    return items


def _translator() -> Translator:
    """The request's `locale` (GeoReport v2): Chinese for zh*, English otherwise."""
    return Translator("zh_Hans" if (_arg("locale") or "").lower().startswith("zh") else "en")


def _moment(name: str) -> datetime | None:
    raw = _arg(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{name}: {raw[:40]!r} is not a W3C date-time, e.g. 2026-11-26T06:00:00Z") from None
    if not 1970 <= moment.year <= 9000:
        raise BadRequest(f"{name}: the year must lie between 1970 and 9000")
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _window(now: datetime) -> tuple[datetime, datetime]:
    """start_date..end_date, at most 90 days apart; a missing one lies 90 days from the other (end: now if both are)."""
    start, end = _moment("start_date"), _moment("end_date")
    if start is None:
        end = end or now
        start = end - timedelta(days=MAX_DAYS)
    elif end is None:
        end = start + timedelta(days=MAX_DAYS)
    if end < start:
        raise BadRequest("end_date: must not be before start_date")
    if end - start > timedelta(days=MAX_DAYS):
        raise BadRequest(f"start_date/end_date: may not span more than {MAX_DAYS} days")
    return start, end


@dataclass(frozen=True)
class RequestKey:
    """A service_request_id as given: a case number (its day is checked) or a bare case id."""

    case_id: int
    day: str | None

    def matches(self, case: Case) -> bool:
        # The day of the case's number (the local day it was opened), not of its UTC time.
        return self.day is None or self.day == case.number[:8]


def _request_key(raw: str) -> RequestKey | None:
    raw = raw.strip()
    # ASCII only: int() would also read other scripts' digits, which no case number has.
    if len(raw) > 20 or not raw.isascii():
        return None
    case_id = int(raw) if raw.isdigit() else case_id_from_number(raw)
    if case_id is None or not 0 < case_id <= MAX_ID:
        return None
    return RequestKey(case_id, None if raw.isdigit() else raw[:8])


def _service(category: Category, group: Category, _: Translator) -> dict:
    name, group_name = _.name(category), _.name(group)
    if category.time_limit_hours is None:
        description = _("{name} ({group})").format(name=name, group=group_name)
    else:
        description = _("{name} ({group}); time limit {hours} h from dispatch").format(
            name=name, group=group_name, hours=_.number(category.time_limit_hours))
    keywords = dict.fromkeys([category.name_en, category.name, group.name_en, group.name, category.code])
    return {"service_code": category.code, "service_name": name, "description": description,
            "metadata": False, "type": "realtime", "keywords": ", ".join(keywords), "group": group_name}


def _service_notice(category: Category, _: Translator) -> str:
    hours = category.time_limit_hours
    if hours is None:
        return _("The command centre registers and dispatches the report.")
    return _.ngettext("The command centre registers and dispatches the report; "
                      "it is to be handled within {hours} hour of dispatch.",
                      "The command centre registers and dispatches the report; "
                      "it is to be handled within {hours} hours of dispatch.", hours).format(hours=_.number(hours))


def _minor_category(session: Session, code: str | None) -> Category | None:
    if not code or len(code) > 32:
        return None
    return session.scalar(select(Category).where(Category.code == code, Category.parent_id.is_not(None)))


@blueprint.get("/discovery.<fmt>")
def discovery() -> Response:
    # The configured address, not the Host header: a forged Host must not reach the answer (or a cache of it).
    public_url = context.config().public_url
    url = (public_url or request.url_root).rstrip("/") + blueprint.url_prefix
    return _respond({
        "changeset": CHANGESET,
        "contact": f"Grid Command Centre, {public_url}" if public_url else "Grid Command Centre",
        "key_service": "Ask the command centre's administrator for an api_key "
                       "(python -m dashboard create-token USER --name SYSTEM).",
        "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": CHANGESET,
                       "type": "test" if context.config().demo else "production",
                       "formats": ["application/json", "application/xml"]}],
    }, "discovery")


@blueprint.get("/services.<fmt>")
def services() -> Response:
    _ = _translator()
    group = aliased(Category)
    with context.session() as session:
        rows = session.execute(select(Category, group).join(group, Category.parent_id == group.id)
                               .order_by(Category.code)).all()
        return _respond([_service(category, parent, _) for category, parent in rows], "services")


@blueprint.get("/services/<service_code>.<fmt>")
def service_definition(service_code: str) -> Response:
    with context.session() as session:
        if _minor_category(session, service_code) is None:
            raise NotFound(f"service_code {service_code[:40]!r} not found; list them with GET services")
    # No service asks for extra attributes (metadata is false for all).
    return _respond({"service_code": service_code, "attributes": []}, "service_definition")


def _status(state: str) -> str:
    return "open" if state in OPEN_STATES else "closed"


@dataclass(frozen=True)
class Reader:
    """Who reads: the public (no scope), or an api_key's user, who sees the cases of their scope as staff do."""

    scope: Scope | None = None

    def is_staff_for(self, case: Case) -> bool:
        return self.scope is not None and self.scope.covers({c: getattr(case, c) for c in PLACEMENT_COLUMNS})


def _reader(session: Session) -> Reader:
    """GET's reader: public without an api_key (in the query string, as GeoReport v2 has it), 403 for a bad one."""
    if _arg("api_key") is None:
        return Reader()
    return Reader(Scope.of_user(session, _authorised(session)))


def _cancel_reasons(session: Session, cases: list[Case], reader: Reader) -> dict[int, str]:
    """status_notes of the cancelled cases among these: the case each was merged into, or (to staff in scope
    only: it is a staff note) the centre's reason."""
    cancelled = [case for case in cases if case.state == "cancelled"]
    if not cancelled:
        return {}
    reasons = session.execute(select(CaseEvent.case_id, CaseEvent.note).where(
        CaseEvent.case_id.in_([case.id for case in cancelled if reader.is_staff_for(case)]),
        CaseEvent.action == "cancel", CaseEvent.note.is_not(None)))
    notes = {case_id: f"cancelled: {reason}" for case_id, reason in reasons}
    targets = {case.merged_into_id for case in cancelled if case.merged_into_id}
    numbers = {target: case_number(created, target)
               for target, created in session.execute(select(Case.id, Case.created_at).where(Case.id.in_(targets)))}
    notes.update({case.id: f"cancelled: merged into {numbers[case.merged_into_id]}"
                  for case in cancelled if case.merged_into_id})
    return notes


def _place(case: Case, _: Translator) -> str | None:
    """The case's community and unit grid by name: where it is, without anyone's words."""
    names = context.locator().names
    if case.grid_id is None:
        return None
    return f"{_.name(names[case.community_id])} / {_.name(names[case.grid_id])}"


def _free_text(case: Case, reader: Reader, _: Translator) -> tuple[str | None, str | None]:
    """(description, address) as this reader may see them (README "Open311")."""
    if reader.is_staff_for(case):
        return case.description, case.address
    if case.channel in PUBLIC_CHANNELS:
        return mask_personal_data(case.description), mask_personal_data(case.address)
    return None, _place(case, _)


def _request(case: Case, category: Category, department: Department | None, reasons: dict[int, str],
             reader: Reader, _: Translator) -> dict:
    # Deliberately no reporter name, phone or email: they stay inside the command centre.
    description, address = _free_text(case, reader, _)
    return {"service_request_id": case.number, "status": _status(case.state),
            "status_notes": reasons.get(case.id, STATE_NOTES[case.state]),
            "service_name": _.name(category), "service_code": category.code,
            "description": description,
            "agency_responsible": _.name(department) if department else _("Grid Command Centre"),
            "service_notice": _service_notice(category, _),
            "requested_datetime": w3c(case.created_at), "updated_datetime": w3c(case.updated_at),
            "expected_datetime": w3c(case.deadline), "address": address, "address_id": None, "zipcode": None,
            "lat": case.lat, "long": case.lon, "media_url": None}


def _requests(session: Session, conditions: list, keys: list[RequestKey] | None = None) -> list[dict]:
    """The requests matching all conditions, newest first, at most 1,000."""
    rows = session.execute(select(Case, Category, Department)
                           .join(Category, Case.category_id == Category.id)
                           .outerjoin(Department, Case.assignee_department_id == Department.id)
                           .where(*conditions)
                           .order_by(Case.created_at.desc(), Case.id.desc())
                           .limit(MAX_RESULTS)).all()
    if keys:
        wanted = {key.case_id: key for key in keys}
        rows = [row for row in rows if wanted[row[0].id].matches(row[0])]
    reader = _reader(session)
    reasons = _cancel_reasons(session, [case for case, _category, _department in rows], reader)
    _ = _translator()
    return [_request(case, category, department, reasons, reader, _) for case, category, department in rows]


def _filters() -> tuple[list, list[RequestKey]]:
    """GET requests' conditions; service_request_id, when given, overrides every other filter (the spec's rule)."""
    ids = _listed("service_request_id")
    if ids:
        keys = [key for key in map(_request_key, ids) if key is not None]
        return [Case.id.in_([key.case_id for key in keys])], keys
    conditions = [Case.created_at.between(*_window(context.now()))]
    codes = _listed("service_code")
    if codes:
        conditions.append(Category.code.in_(codes))
    statuses = set(_listed("status"))
    if statuses - {"open", "closed"}:
        raise BadRequest("status: use open, closed or both (comma-delimited)")
    if len(statuses) == 1:
        conditions.append(Case.state.in_(OPEN_STATES) if "open" in statuses else Case.state.not_in(OPEN_STATES))
    return conditions, []


@blueprint.get("/requests.<fmt>")
def requests_list() -> Response:
    conditions, keys = _filters()
    with context.session() as session:
        return _respond(_requests(session, conditions, keys), "service_requests")


@blueprint.get("/requests/<service_request_id>.<fmt>")
def request_detail(service_request_id: str) -> Response:
    key = _request_key(service_request_id)
    with context.session() as session:
        found = _requests(session, [Case.id == key.case_id], [key]) if key else []
    if not found:
        raise NotFound(f"service_request_id {service_request_id[:40]!r} not found")
    return _respond(found, "service_requests")


@blueprint.get("/tokens/<token>.<fmt>")
def token_lookup(token: str) -> Response:
    # Every service is realtime: POST requests answers the service_request_id at once and
    # never issues a token, so no token can be found. Kept for clients that ask anyway.
    raise NotFound(f"token {token[:40]!r} not found: this server answers service_request_id directly")


@blueprint.get("/servicerequestupdates.<fmt>")
def service_request_updates() -> Response:
    """mySociety's extension: each history entry of a case is an update, newest first, at most 1,000.
    Its description is the state's public text; staff in scope read the entry's note instead."""
    start, end = _window(context.now())
    with context.session() as session:
        reader = _reader(session)
        rows = session.execute(select(CaseEvent, Case)
                               .join(Case, Case.id == CaseEvent.case_id)
                               .where(CaseEvent.at.between(start, end))
                               .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
                               .limit(MAX_RESULTS)).all()
        return _respond([{"update_id": str(event.id), "service_request_id": case.number,
                          "status": _status(event.to_state), "external_status_code": event.action,
                          "updated_datetime": w3c(event.at), "description": _update_text(event, case, reader),
                          "media_url": None}
                         for event, case in rows], "service_requests_updates")


def _update_text(event: CaseEvent, case: Case, reader: Reader) -> str:
    """The public text of the state the entry led to; to staff in scope, the entry's note when it has one."""
    return event.note if event.note and reader.is_staff_for(case) else STATE_NOTES[event.to_state]


def _authorised(session: Session) -> User:
    """The api_key's user. A POST must carry it in its body: a URL's query string ends up in logs and histories."""
    if request.method == "POST" and "api_key" in request.args:
        raise Forbidden("api_key: send it in the POST body, never in the URL")
    key = request.form.get("api_key", "") if request.method == "POST" else request.args.get("api_key", "")
    user = user_for_token(session, key.strip())
    if user is None:
        raise Forbidden("api_key: missing or invalid; ask the command centre for one")
    return user


def _coordinate(name: str) -> float | None:
    raw = _arg(name)
    if raw is None:
        return None
    try:
        value = float(raw) if len(raw) <= 40 else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BadRequest(f"{name}: {raw[:40]!r} is not a number of degrees (WGS84)")
    return value


def _description(category: Category) -> str:
    """The report's text: the description (optional in the spec, required for a case), with the media link."""
    text = _arg("description") or category.name
    media_url = _arg("media_url")
    if media_url is None:
        return text
    if len(media_url) > 500 or not media_url.lower().startswith(("http://", "https://")):
        raise BadRequest("media_url: an http(s) URL of at most 500 characters")
    # No media column yet: the link goes into the text, where the dispatcher sees it.
    return f"{text}\n\nmedia_url: {media_url}"


def _report(category: Category) -> ReportIn:
    """The POST as a report; email, device_id, account_id and attribute[...] are accepted and not kept
    (no service defines attributes)."""
    lat, lon = _coordinate("lat"), _coordinate("long")
    address = _arg("address_string")
    if (lat is None) != (lon is None):
        raise BadRequest("lat/long: send both, or neither with an address_string")
    if lat is None and address is None:
        raise BadRequest("location: send lat and long, or address_string (address_id is not supported here)")
    name = " ".join(part for part in (_arg("first_name"), _arg("last_name")) if part)
    try:
        return ReportIn(channel="open311", description=_description(category), category_code=category.code,
                        lon=lon, lat=lat, address=address, reporter_name=name or None,
                        reporter_phone=_arg("phone"))
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "request"
        raise BadRequest(f"{FIELD_NAMES.get(field, field)}: {first['msg']}") from None


@blueprint.post("/requests.<fmt>")
def create_request() -> Response:
    _ = _translator()
    with context.session() as session:
        user = _authorised(session)
        category = _minor_category(session, _arg("service_code"))
        if category is None:
            raise BadRequest("service_code: missing or unknown; list them with GET services")
        report, notice, submitter = _report(category), _service_notice(category, _), (user.display_name, user.id)
    result = context.intake().submit(report, *submitter)
    if result.error is not None:
        error = result.error
        raise BadRequest(f"{FIELD_NAMES.get(error.field, error.field)}: {error.reason}")
    return _respond([{"service_request_id": result.number, "service_notice": notice, "account_id": None}],
                    "service_requests")
