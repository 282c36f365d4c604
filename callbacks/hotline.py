"""Hotline callbacks: build the desk for call takers, locate a clicked point, submit the report through intake."""
from __future__ import annotations

import uuid
from html import escape
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from dash import ALL, Input, Output, State, no_update
from dash.exceptions import PreventUpdate
from pydantic import Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from typing_extensions import TypedDict

from backend.accounts.permissions import may
from backend.geo.grids import OutOfScope, bounds, children_geojson, feature, scoped_grid
from backend.cases.intake import ReportIn
from backend.models import Case, Category, Grid
from callbacks.common import Clicks, LatLng, Number, centre, now, session, user
from layouts import hotline as view
from layouts.widgets import EMPTY_MAP

# One-click buttons for the minor categories reported most among the latest cases in the user's area.
QUICK = 6
QUICK_SAMPLE = 500
FIELDS = ("phone", "name", "description", "category", "address")
CLEARED = {"category": None}
# ReportIn's field names as the form calls them; anything about the coordinates belongs to the map.
FORM_FIELDS = {"reporter_phone": "phone", "reporter_name": "name", "description": "description",
               "category_code": "category", "address": "address"}
# Where the point shows: kept for the submit, marker, located grids drawn, grid name (or warning) under the map.
POINT_OUTPUTS = (("hotline-point", "data"), ("hotline-marker", "children"), ("hotline-picked", "data"),
                 ("hotline-location", "children"))


class MapPoint(TypedDict):
    """dash-leaflet's clickData of the map: where it was clicked."""
    latlng: LatLng


class Point(TypedDict):
    """The report's point as `pick` keeps it in hotline-point."""
    lon: Number
    lat: Number


# The form's values in the order of FIELDS: text, or None for an empty field.
FormValues = Annotated[list[str | None], Field(min_length=len(FIELDS), max_length=len(FIELDS))]


def allowed() -> bool:
    """Callbacks check it too: a crafted request must not do what the screen would not show."""
    return may(user().role, "take_hotline_calls")


def new_token() -> str:
    return uuid.uuid4().hex


def category_options(_, s) -> list[dict]:
    """Every minor category as "major / minor" in the user's language, so typing either part finds it."""
    major = aliased(Category)
    rows = s.execute(select(Category, major).join(major, Category.parent_id == major.id).order_by(Category.code))
    return [{"value": minor.code, "label": f"{_.name(parent)} / {_.name(minor)}"} for minor, parent in rows]


def frequent(_, s) -> list[dict]:
    latest = (select(Case.category_id).where(user().scope.clause(Case)).order_by(Case.created_at.desc())
              .limit(QUICK_SAMPLE).subquery())
    rows = s.scalars(select(Category).join(latest, latest.c.category_id == Category.id)
                     .group_by(Category.id).order_by(func.count().desc(), Category.code).limit(QUICK))
    return [{"value": category.code, "label": _.name(category)} for category in rows]


def scope_map(_, s) -> tuple[dict, list[list[float]]]:
    """The grids under the user's scope grid, labelled like the wall, and the bounds to show."""
    scope = user().scope
    grid = scoped_grid(s, scope, scope.grid_id)
    collection = children_geojson(s, scope, grid.id) if grid.level < 3 else \
        {"type": "FeatureCollection", "features": [feature(grid, 0)]}
    for item in collection["features"]:
        props = item["properties"]
        props["tooltip"] = f"<b>{escape(props['name'] if _.language == 'zh_Hans' else props['name_en'])}</b>"
    return collection, bounds(grid)


def open_desk(_id: Any, _recovered: Any, shown: Any):
    """The desk, when the page opens (and once the database answers again, if it could not be built then)."""
    _ = user().translator
    if not allowed() or shown:
        raise PreventUpdate
    with session() as s:
        options, quick = category_options(_, s), frequent(_, s)
        grids, frame = scope_map(_, s)
    return view.desk(_, centre().config, options, quick, grids, frame, new_token())


def located(s, lon: float, lat: float) -> Grid | None:
    """The unit grid at the point, if the point lies inside the user's area."""
    grid_id = centre().locator.locate(lon, lat)
    if grid_id is None:
        return None
    try:
        return scoped_grid(s, user().scope, grid_id)
    except OutOfScope:
        return None


def place_name(_, s, grid: Grid) -> str:
    return f"{_.name(s.get(Grid, grid.parent_id))} / {_.name(grid)}"


def outside(_) -> list:
    return view.location_warning(_("This point is outside your area: click inside the drawn grids."))


def cleared_point(_) -> list:
    return [None, [], EMPTY_MAP, view.location_hint(_)]


def pick(click: MapPoint | None):
    """A click on the map places the report's point and names its grid at once."""
    _ = user().translator
    if not allowed() or not click:
        raise PreventUpdate
    lat, lon = click["latlng"]["lat"], click["latlng"]["lng"]
    with session() as s:
        grid = located(s, lon, lat)
        if grid is None:
            return None, [], EMPTY_MAP, outside(_)
        community = s.get(Grid, grid.parent_id)
        # The community too: at city zoom a unit grid alone is a speck under the marker.
        picked = {"type": "FeatureCollection", "features": [feature(community, 0), feature(grid, 0)]}
        return {"lon": lon, "lat": lat}, [view.marker(lon, lat)], picked, \
            view.location_found(_, place_name(_, s, grid), lon, lat)


def error_messages(_) -> dict[str, str]:
    return {
        "phone": _("Enter a valid phone number."),
        "name": _("The name is too long (100 characters at most)."),
        "description": _("Describe what happened."),
        "category": _("Choose a category from the list."),
        "address": _("Enter an address or click the map."),
    }


def report_in(values: dict[str, str], point: dict | None, token: str) -> tuple[ReportIn | None, set[str]]:
    """The report as intake takes it, or the form fields that are wrong (all of them, not just the first)."""
    wrong = {field for field, missing in (("phone", not values["phone"]),
                                          ("address", not values["address"] and not point)) if missing}
    try:
        report = ReportIn(channel="hotline", description=values["description"], category_code=values["category"],
                          address=values["address"] or None, reporter_name=values["name"] or None,
                          reporter_phone=values["phone"] or None, client_id=token, **(point or {}))
    except ValidationError as error:
        wrong |= {FORM_FIELDS.get(str(e["loc"][0]) if e["loc"] else "", "location") for e in error.errors()}
        return None, wrong
    return (None, wrong) if wrong else (report, wrong)


def receipt(_, s, case: Case, values: dict[str, str]) -> dict:
    grid = s.get(Grid, case.grid_id) if case.grid_id else None
    duplicate = s.get(Case, case.duplicate_of_id) if case.duplicate_of_id else None
    return {"number": case.number, "time": _.clock(case.created_at, ZoneInfo(centre().config.timezone)),
            "category": f"{_.name(case.category.parent)} / {_.name(case.category)}",
            "grid": place_name(_, s, grid) if grid else _("City level (address only)"),
            "caller": " · ".join(v for v in (values["name"], values["phone"]) if v),
            "duplicate": duplicate.number if duplicate else None}


def save(_, report: ReportIn, values: dict[str, str]) -> tuple[dict | None, str | None]:
    """Submit through intake (committed); the receipt, or the culprit (nothing is written then)."""
    with session() as s:
        if report.lon is not None and located(s, report.lon, report.lat) is None:
            return None, "location"
    result = centre().intake.submit(report, user().display_name, user().id)
    if result.error is not None:
        return None, FORM_FIELDS.get(result.error.field, "location")
    with session() as s:
        return receipt(_, s, s.get(Case, result.case_id), values), None


def submit(_submits: list[Clicks], values: FormValues, point: Point | None, token: str | None):
    _ = user().translator
    if not allowed():
        raise PreventUpdate
    values = {field: (value or "").strip() for field, value in zip(FIELDS, values)}
    report, wrong = report_in(values, point, token)
    done, culprit = save(_, report, values) if report else (None, None)
    if done is None:
        return failed(_, wrong | ({culprit} if culprit else set()))
    return {"errors": [None] * len(FIELDS), "result": view.confirmation(_, done),
            "values": [CLEARED.get(f, "") for f in FIELDS], "token": new_token(), "focus": focus("phone"),
            "point": cleared_point(_)}


def focus(field: str) -> dict:
    # Stamped so that asking for the same field twice still fires the focus callback.
    return {"id": f"hotline-{field}", "at": now().timestamp()}


def failed(_, wrong: set[str]) -> dict:
    messages = error_messages(_)
    ordered = [f for f in (*FIELDS, "location") if f in wrong]
    return {"errors": [messages[f] if f in wrong else None for f in FIELDS], "result": view.not_saved(_, ordered),
            "values": [no_update] * len(FIELDS), "token": no_update,
            "focus": focus(ordered[0] if ordered[0] in FIELDS else "address"),
            "point": [None, [], EMPTY_MAP, outside(_)] if "location" in wrong else [no_update] * len(POINT_OUTPUTS)}


def register(app) -> None:
    app.callback(Output("hotline", "children"), Input("hotline", "id"), Input("shell-recovered", "data"),
                 State("hotline", "children"))(open_desk)
    app.callback(*(Output(*target, allow_duplicate=True) for target in POINT_OUTPUTS),
                 Input("hotline-map", "clickData"), prevent_initial_call=True)(pick)
    app.callback(
        output={"errors": [Output(f"hotline-{f}", "error") for f in FIELDS],
                "result": Output("hotline-result", "children"),
                "values": [Output(f"hotline-{f}", "value", allow_duplicate=True) for f in FIELDS],
                "token": Output("hotline-token", "data"), "focus": Output("hotline-focus", "data"),
                "point": [Output(*target, allow_duplicate=True) for target in POINT_OUTPUTS]},
        inputs={"_submits": [Input("hotline-submit", "n_clicks"),
                             *(Input(f"hotline-{f}", "n_submit") for f in ("phone", "name", "address"))]},
        state={"values": [State(f"hotline-{f}", "value") for f in FIELDS], "point": State("hotline-point", "data"),
               "token": State("hotline-token", "data")},
        running=[(Output("hotline-submit", "loading"), True, False)],
        prevent_initial_call=True)(submit)
    app.clientside_callback(
        "function(frame) { return window.commandCentre.fitArea(frame); }",
        Output("hotline-map", "viewport"), Input("hotline-frame", "data"),
    )
    app.clientside_callback(
        "function(clicks) { return window.commandCentre.quickCategory(clicks); }",
        Output("hotline-category", "value", allow_duplicate=True),
        Input({"type": "hotline-quick", "code": ALL}, "n_clicks"), prevent_initial_call=True,
    )
    # Keeps the hands on the keyboard: the next call starts on the phone, a refused one on its first wrong field.
    app.clientside_callback(
        "function(request) { window.commandCentre.focusField(request); }",
        Input("hotline-focus", "data"), prevent_initial_call=True,
    )
