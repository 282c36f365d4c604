"""Open311 GeoReport v2: the spec's endpoints, shapes and errors, over real HTTP against the small city."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import requests
import shapely
from sqlalchemy import func, select

from backend.platform.config import Config
from backend.cases.intake import ReportIn, submit_report
from backend.geo.locator import GridLocator
from backend.models import Case, Grid, User, case_id_from_number
from backend.open311.views import STATE_NOTES
from backend.geo.scope import Scope
from backend.accounts.tokens import issue_token
from backend.cases.workflow import Actor, perform
from tests.conftest import NOW

PHONE = "13912345678"
W3C_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]


@pytest.fixture
def api_key(city_sessions) -> str:
    with city_sessions() as session:
        token = issue_token(session, "dispatcher", "Open311 test client", NOW)
        session.commit()
    return token


@pytest.fixture
def inside(city_sessions) -> tuple[float, float]:
    """(lat, long) of a point inside a unit grid."""
    with city_sessions() as session:
        locator = GridLocator.from_session(session)
        unit = session.scalar(select(Grid.id).where(Grid.level == 3).order_by(Grid.id))
    lon, lat = locator.random_point(unit, np.random.default_rng(7))
    return round(lat, 6), round(lon, 6)


@pytest.fixture
def base(live_server) -> str:
    return f"{live_server}/open311/v2"


def xml(response: requests.Response) -> ET.Element:
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def post(base: str, fmt: str = "json", **fields) -> requests.Response:
    return requests.post(f"{base}/requests.{fmt}", data=fields)


def report(base: str, api_key: str, inside, fmt: str = "json", **fields) -> requests.Response:
    lat, lon = inside
    good = {"api_key": api_key, "service_code": "CA-01-03", "lat": lat, "long": lon, "description": "路面脏污",
            "first_name": "Wei", "last_name": "Zhang", "phone": PHONE, "email": "zw@example.com"}
    return post(base, fmt, **(good | fields))


def assert_error_list(response: requests.Response, status: int, fmt: str = "json") -> str:
    assert response.status_code == status
    if fmt == "xml":
        root = xml(response)
        assert root.tag == "errors" and [e.tag for e in root] == ["error"]
        assert root.findtext("error/code") == str(status)
        return root.findtext("error/description")
    assert response.headers["Content-Type"] == "application/json"
    [error] = response.json()
    assert error["code"] == status and error["description"]
    return error["description"]


def window(start: datetime, end: datetime) -> dict:
    return {"start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "end_date": end.strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_discovery_names_the_georeport_v2_endpoint_in_json_and_xml(base):
    body = requests.get(f"{base}/discovery.json").json()
    [endpoint] = body["endpoints"]
    assert {"changeset", "contact", "key_service"} <= body.keys()
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == base and endpoint["type"] in {"production", "test"}
    assert set(endpoint["formats"]) == {"application/json", "application/xml"}
    root = xml(requests.get(f"{base}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == endpoint["formats"]


def test_services_are_the_minor_categories_grouped_by_major_in_english(base):
    services = requests.get(f"{base}/services.json").json()
    dirty_road = next(s for s in services if s["service_code"] == "CA-01-03")
    assert dirty_road | {"description": "", "keywords": ""} == {
        "service_code": "CA-01-03", "service_name": "Dirty road", "description": "", "metadata": False,
        "type": "realtime", "keywords": "", "group": "City Appearance"}
    assert "Dirty road" in dirty_road["keywords"] and dirty_road["description"]
    assert not any(s["service_code"] == "CA-01" for s in services)


def test_services_speak_chinese_when_the_locale_asks(base):
    for locale in ("zh_CN", "zh"):
        services = requests.get(f"{base}/services.json", params={"locale": locale}).json()
        service = next(s for s in services if s["service_code"] == "CA-01-03")
        assert service["group"] == "市容环境" and "派遣后时限" in service["description"]  # from the catalogue


def test_services_xml_has_the_spec_element_names(base):
    root = xml(requests.get(f"{base}/services.xml"))
    assert root.tag == "services" and {child.tag for child in root} == {"service"}
    first = root.find("service")
    assert [child.tag for child in first] == ["service_code", "service_name", "description", "metadata", "type",
                                              "keywords", "group"]
    assert first.findtext("metadata") == "false"


def test_a_service_definition_has_no_attributes_and_an_unknown_service_is_404(base):
    assert requests.get(f"{base}/services/CA-01-03.json").json() == {"service_code": "CA-01-03", "attributes": []}
    root = xml(requests.get(f"{base}/services/CA-01-03.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "CA-01-03"
    assert root.find("attributes") is not None and len(root.find("attributes")) == 0
    assert_error_list(requests.get(f"{base}/services/NOPE-99.json"), 404)
    assert_error_list(requests.get(f"{base}/services/CA-01.xml"), 404, "xml")


def test_a_posted_request_opens_a_case_that_reads_back_open_and_collected(base, api_key, inside):
    response = report(base, api_key, inside)
    assert response.status_code == 200
    [created] = response.json()
    assert created["account_id"] is None and created["service_notice"]
    number = created["service_request_id"]
    assert re.fullmatch(r"\d{8}-\d{6}", number)
    [found] = requests.get(f"{base}/requests/{number}.json").json()
    assert list(found) == REQUEST_FIELDS
    assert found["service_request_id"] == number and found["status"] == "open"
    assert found["status_notes"].startswith("collected")
    assert (found["service_code"], found["service_name"]) == ("CA-01-03", "Dirty road")
    assert (found["lat"], found["long"]) == inside
    assert W3C_UTC.match(found["requested_datetime"]) and W3C_UTC.match(found["updated_datetime"])
    assert found["expected_datetime"] is None  # the time limit starts at dispatch
    assert found["agency_responsible"] == "Grid Command Centre"


def test_a_posted_request_round_trips_in_xml(base, api_key, inside):
    root = xml(report(base, api_key, inside, fmt="xml"))
    assert root.tag == "service_requests"
    assert [child.tag for child in root.find("request")] == ["service_request_id", "service_notice", "account_id"]
    number = root.findtext("request/service_request_id")
    found = xml(requests.get(f"{base}/requests/{number}.xml"))
    assert found.tag == "service_requests" and [r.tag for r in found] == ["request"]
    request = found.find("request")
    assert [child.tag for child in request] == REQUEST_FIELDS
    assert request.findtext("status") == "open" and request.findtext("status_notes").startswith("collected")
    assert request.findtext("service_code") == "CA-01-03"
    assert (float(request.findtext("lat")), float(request.findtext("long"))) == inside
    assert W3C_UTC.match(request.findtext("requested_datetime"))


def test_a_request_is_found_by_its_numeric_id_too_and_an_unknown_one_is_404(base, api_key, inside):
    number = report(base, api_key, inside).json()[0]["service_request_id"]
    case_id = int(number.split("-")[1])
    assert requests.get(f"{base}/requests/{case_id}.json").json()[0]["service_request_id"] == number
    listed = requests.get(f"{base}/requests.json", params={"service_request_id": f"{number},999999"}).json()
    assert [r["service_request_id"] for r in listed] == [number]
    assert_error_list(requests.get(f"{base}/requests/20000101-{case_id:06d}.json"), 404)
    assert_error_list(requests.get(f"{base}/requests/999999.xml"), 404, "xml")


def test_an_address_without_coordinates_is_accepted_at_city_level(base, api_key):
    response = post(base, api_key=api_key, service_code="CA-01-03", address_string="人民路 12 号")
    number = response.json()[0]["service_request_id"]
    [found] = requests.get(f"{base}/requests/{number}.json").json()
    assert found["address"] == "人民路 12 号" and found["lat"] is None and found["long"] is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "not-a-token"])
def test_posting_without_a_valid_api_key_is_403(base, inside, fmt, key):
    fields = {"service_code": "CA-01-03", "lat": inside[0], "long": inside[1]}
    description = assert_error_list(post(base, fmt, **fields, **({"api_key": key} if key else {})), 403, fmt)
    assert "api_key" in description


@pytest.mark.parametrize("fields, culprit", [
    ({"service_code": "NOPE-01"}, "service_code"), ({"service_code": ""}, "service_code"),
    ({"service_code": "CA-01"}, "service_code"),
    ({"lat": "0", "long": "0"}, "lat/long"),
    ({"lat": "north", "long": "116.4"}, "lat"), ({"lat": "nan"}, "lat"), ({"long": "1e999"}, "long"),
    ({"lat": "91", "long": "116.4"}, "lat"), ({"long": ""}, "lat/long"),
    ({"lat": "", "long": "", "address_string": ""}, "location"),
    ({"phone": "call me"}, "phone"), ({"description": "x" * 4001}, "description"),
    ({"media_url": "javascript:alert(1)"}, "media_url"), ({"address_string": "路" * 201}, "address_string"),
])
def test_a_bad_post_is_400_naming_the_field(base, api_key, inside, fields, culprit):
    description = assert_error_list(report(base, api_key, inside, **fields), 400)
    assert description.startswith(f"{culprit}:")


def test_a_location_outside_the_territory_is_400(base, api_key, inside):
    for fmt in ("json", "xml"):
        assert "territory" in assert_error_list(report(base, api_key, inside, fmt, lat="0", long="0"), 400, fmt)


def test_requests_filtered_by_status_closed_are_only_closed_ones(base):
    dates = window(NOW - timedelta(days=60), NOW)
    closed = requests.get(f"{base}/requests.json", params={"status": "closed", **dates}).json()
    everything = requests.get(f"{base}/requests.json", params=dates).json()
    assert closed and {r["status"] for r in closed} == {"closed"}
    assert {r["status"] for r in everything} == {"open", "closed"}
    assert any(r["status_notes"].startswith("cancelled") for r in closed)
    opened = requests.get(f"{base}/requests.xml", params={"status": "open", **dates})
    assert {r.findtext("status") for r in xml(opened)} == {"open"}


def test_requests_are_newest_first_within_the_window_and_at_most_1000(base):
    found = requests.get(f"{base}/requests.json", params=window(NOW - timedelta(days=90), NOW)).json()
    times = [r["requested_datetime"] for r in found]
    assert len(found) == 1000 and times == sorted(times, reverse=True)
    assert all(NOW - timedelta(days=90) <= datetime.fromisoformat(t) <= NOW for t in times)


def test_requests_filter_by_service_code(base):
    found = requests.get(f"{base}/requests.json", params={"service_code": "CA-01-03,CA-01-02",
                                                          **window(NOW - timedelta(days=60), NOW)}).json()
    assert found and {r["service_code"] for r in found} <= {"CA-01-03", "CA-01-02"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_date_range_over_90_days_is_400(base, fmt):
    response = requests.get(f"{base}/requests.{fmt}", params=window(NOW - timedelta(days=91), NOW))
    assert "90 days" in assert_error_list(response, 400, fmt)


def test_a_merged_case_reads_closed_and_names_the_case_it_was_merged_into(base, api_key, inside, city_sessions):
    first = report(base, api_key, inside).json()[0]["service_request_id"]
    second = report(base, api_key, inside).json()[0]["service_request_id"]
    with city_sessions() as session:
        root = session.scalar(select(Grid).where(Grid.level == 0))
        actor = Actor(name="dispatcher", role="dispatcher", scope=Scope.of_grid(root))
        perform(session, actor, int(second.split("-")[1]), "merge", {"into_case_id": int(first.split("-")[1])},
                datetime.now(timezone.utc), Config())
        session.commit()
    [merged] = requests.get(f"{base}/requests/{second}.json").json()
    assert merged["status"] == "closed" and merged["status_notes"] == f"cancelled: merged into {first}"


def test_service_request_updates_list_the_collect_event(base, api_key, inside):
    number = report(base, api_key, inside).json()[0]["service_request_id"]
    now = datetime.now(timezone.utc)
    dates = window(now - timedelta(hours=1), now + timedelta(hours=1))
    updates = requests.get(f"{base}/servicerequestupdates.json", params=dates).json()
    [collect] = [u for u in updates if u["service_request_id"] == number]
    assert collect["status"] == "open" and collect["external_status_code"] == "collect"
    assert collect["update_id"] and W3C_UTC.match(collect["updated_datetime"])
    assert {"description", "media_url"} <= collect.keys()
    root = xml(requests.get(f"{base}/servicerequestupdates.xml", params=dates))
    assert root.tag == "service_requests_updates" and {child.tag for child in root} == {"request_update"}
    assert number in [u.findtext("service_request_id") for u in root]


def test_the_reporters_name_and_phone_never_leave_the_centre(base, api_key, inside):
    number = report(base, api_key, inside).json()[0]["service_request_id"]
    now = datetime.now(timezone.utc)
    dates = window(now - timedelta(hours=1), now + timedelta(hours=1))
    for fmt in ("json", "xml"):
        for path, params in ((f"requests/{number}", {}), ("requests", {}), ("requests", dates),
                             ("requests", {"service_request_id": number}), ("servicerequestupdates", dates)):
            body = requests.get(f"{base}/{path}.{fmt}", params=params).text
            assert number in body
            assert PHONE not in body and "Zhang" not in body and "zw@example.com" not in body


def test_a_token_is_never_issued_so_any_token_is_404(base):
    assert_error_list(requests.get(f"{base}/tokens/12345.json"), 404)
    assert_error_list(requests.get(f"{base}/tokens/12345.xml"), 404, "xml")


def test_an_unknown_format_is_404(base):
    for path in ("services.yaml", "discovery.html", "requests/1.csv", "tokens/1.txt"):
        assert requests.get(f"{base}/{path}").status_code == 404


@pytest.mark.parametrize("path, params", [
    ("requests", {"start_date": "yesterday"}), ("requests", {"end_date": "2026-13-45T99:00:00Z"}),
    ("requests", {"start_date": "0001-01-01T00:00:00Z"}), ("requests", {"end_date": "9999-12-31T23:59:59Z"}),
    ("requests", {"start_date": "2026-11-26T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}),
    ("requests", {"status": "pending"}), ("requests", {"service_code": "x," * 2000}),
    ("servicerequestupdates", {"start_date": "\x00"}),
])
def test_bad_query_values_are_400_not_500(base, path, params):
    for fmt in ("json", "xml"):
        assert_error_list(requests.get(f"{base}/{path}.{fmt}", params=params), 400, fmt)


@pytest.mark.parametrize("path, params", [
    ("requests", {"service_request_id": "99999999999999999999999,-1,٣,²,20261126-²,abc"}),
    ("requests", {"whatever": "1", "jurisdiction_id": "city.gov", "locale": "xx"}),
    ("requests", {"start_date": "2026-11-01"}), ("requests", {"end_date": "2026-11-26T06:00:00+08:00"}),
    ("services", {"locale": "\U0001F600"}),
])
def test_odd_but_harmless_query_values_are_answered(base, path, params):
    for fmt in ("json", "xml"):
        response = requests.get(f"{base}/{path}.{fmt}", params=params)
        assert response.status_code == 200
        if fmt == "xml":
            xml(response)


@pytest.mark.parametrize("request_id", ["99999999999999999999999", "0", "-1", "٣", "²", "20261126-²", "a.b",
                                        "20261126-0000000000000000000001"])
def test_odd_request_ids_are_404_not_500(base, request_id):
    assert_error_list(requests.get(f"{base}/requests/{request_id}.json"), 404)


def test_control_characters_in_a_description_still_give_parseable_xml(base, city_sessions, inside):
    number = put_case(city_sessions, "web", inside, "bell\x07 and \x1b escape")
    request = xml(requests.get(f"{base}/requests/{number}.xml")).find("request")
    assert request.findtext("description") == "bell and  escape"


# -- what the public reads, and what an api_key reads (README "Open311") ------------------------------------

PERSONAL = "路灯不亮, 电话 139-1234-5678, 座机 0371-66668888, 身份证 41010519900307123X, 邮箱 zhang.wei@example.com"
SECRETS = ("139-1234-5678", "1234-5678", "66668888", "41010519900307123X", "zhang.wei@example.com")
ADDRESS = "人民路 12 号 3-2-401, 13912345678"
NOTES = ("Zhang at the desk says the caller is a troublemaker", "handler Li was rude on site",
         "not ours: the landlord Wang must fix it", "cancel: duplicate prank from 13800001111")


def key_of(city_sessions, username: str) -> str:
    with city_sessions() as session:
        token = issue_token(session, username, "Open311 test client", NOW)
        session.commit()
    return token


def put_case(city_sessions, channel: str, point: tuple[float, float], description: str,
             address: str | None = None) -> str:
    """A case as a channel other than Open311 delivers it (lat, long); answers its number."""
    with city_sessions() as session:
        case = submit_report(session, ReportIn(channel=channel, description=description, category_code="CA-01-03",
                                               lat=point[0], lon=point[1], address=address),
                             GridLocator.from_session(session), datetime.now(timezone.utc), Config())
        session.commit()
        return case.number


def point_in(city_sessions, username: str) -> tuple[float, float]:
    """(lat, long) inside the scope of a demo user below the city."""
    with city_sessions() as session:
        code = session.get(Grid, session.scalar(select(User.grid_id).where(User.username == username))).code
        unit = session.scalar(select(Grid).where(Grid.level == 3, Grid.code.startswith(code + "-")).order_by(Grid.id))
    point = shapely.from_geojson(unit.geometry).point_on_surface()
    return point.y, point.x


def act(city_sessions, number: str, *steps: tuple[str, dict]) -> None:
    with city_sessions() as session:
        city = Scope.of_grid(session.scalar(select(Grid).where(Grid.level == 0)))
        admin = Actor(name="admin", role="admin", scope=city)
        for action, params in steps:
            perform(session, admin, case_id_from_number(number), action, params, datetime.now(timezone.utc), Config())
        session.commit()


def recent() -> dict:
    now = datetime.now(timezone.utc)
    return window(now - timedelta(hours=1), now + timedelta(hours=1))


def bodies(base: str, number: str, **params) -> dict[str, str]:
    """Every GET that shows the case, in both formats, by what was asked."""
    found = {}
    for fmt in ("json", "xml"):
        for path, query in ((f"requests/{number}", {}), ("requests", recent()),
                            ("requests", {"service_request_id": number}), ("servicerequestupdates", recent())):
            response = requests.get(f"{base}/{path}.{fmt}", params=query | params)
            assert response.status_code == 200 and number in response.text
            found[f"{path}.{fmt}?{sorted(query)}"] = response.text
    return found


def updates_of(base: str, number: str, **params) -> list[dict]:
    updates = requests.get(f"{base}/servicerequestupdates.json", params=recent() | params).json()
    return [u for u in updates if u["service_request_id"] == number]


def test_the_public_never_reads_a_staff_note(base, api_key, inside, city_sessions):
    handled = report(base, api_key, inside).json()[0]["service_request_id"]
    act(city_sessions, handled, ("register", {}), ("supervise", {"note": NOTES[0]}), ("dispatch", {}),
        ("return", {"note": NOTES[2]}), ("dispatch", {}), ("accept", {}), ("feed_back", {"note": NOTES[1]}))
    cancelled = report(base, api_key, inside).json()[0]["service_request_id"]
    act(city_sessions, cancelled, ("cancel", {"note": NOTES[3]}))
    for number in (handled, cancelled):
        for where, body in bodies(base, number).items():
            assert not any(note in body for note in NOTES), where
    assert {u["description"] for u in updates_of(base, handled)} <= set(STATE_NOTES.values())
    [found] = requests.get(f"{base}/requests/{cancelled}.json").json()
    assert found["status_notes"] == STATE_NOTES["cancelled"]
    # The centre's own api_key reads the notes of its scope.
    assert {u["description"] for u in updates_of(base, handled, api_key=api_key)} >= {NOTES[0], NOTES[1], NOTES[2]}
    [found] = requests.get(f"{base}/requests/{cancelled}.json", params={"api_key": api_key}).json()
    assert found["status_notes"] == f"cancelled: {NOTES[3]}"


def test_the_public_reads_free_text_only_from_public_channels_and_masked(base, api_key, inside, city_sessions):
    hotline = put_case(city_sessions, "hotline", inside, PERSONAL, ADDRESS)
    web = put_case(city_sessions, "web", inside, PERSONAL, ADDRESS)
    posted = report(base, api_key, inside, description=PERSONAL, address_string=ADDRESS).json()[0]["service_request_id"]
    for number in (hotline, web, posted):
        for where, body in bodies(base, number).items():
            assert not any(secret in body for secret in SECRETS) and "13912345678" not in body, where
    [from_hotline] = requests.get(f"{base}/requests/{hotline}.json").json()
    assert from_hotline["description"] is None and "人民路" not in from_hotline["address"]
    assert " / " in from_hotline["address"] and (from_hotline["lat"], from_hotline["long"]) == inside
    for number in (web, posted):
        [public] = requests.get(f"{base}/requests/{number}.json").json()
        assert public["description"].startswith("路灯不亮, 电话 ***, 座机 ***, 身份证 ***, 邮箱 ***")
        assert public["address"] == "人民路 12 号 3-2-401, ***"
    [staff] = requests.get(f"{base}/requests/{hotline}.json", params={"api_key": api_key}).json()
    assert (staff["description"], staff["address"]) == (PERSONAL, ADDRESS)


def test_an_api_key_reads_as_staff_only_inside_its_users_scope(base, city_sessions):
    street1 = key_of(city_sessions, "street1")
    own = put_case(city_sessions, "hotline", point_in(city_sessions, "street1"), PERSONAL)
    other = put_case(city_sessions, "hotline", point_in(city_sessions, "street2"), PERSONAL)
    for number in (own, other):
        act(city_sessions, number, ("cancel", {"note": NOTES[3]}))
    [mine] = requests.get(f"{base}/requests/{own}.json", params={"api_key": street1}).json()
    assert mine["description"] == PERSONAL and mine["status_notes"] == f"cancelled: {NOTES[3]}"
    assert NOTES[3] in {u["description"] for u in updates_of(base, own, api_key=street1)}
    [theirs] = requests.get(f"{base}/requests/{other}.json", params={"api_key": street1}).json()
    assert theirs["description"] is None and theirs["status_notes"] == STATE_NOTES["cancelled"]
    assert {u["description"] for u in updates_of(base, other, api_key=street1)} <= set(STATE_NOTES.values())
    listed = requests.get(f"{base}/requests.json", params=recent() | {"api_key": street1}).json()
    assert [(r["description"], r["status_notes"]) for r in listed if r["service_request_id"] == other] == [
        (None, STATE_NOTES["cancelled"])]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_api_key_on_a_get_is_403_not_the_public_answer(base, fmt):
    for path in ("requests", "servicerequestupdates"):
        response = requests.get(f"{base}/{path}.{fmt}", params={"api_key": "not-a-token"})
        assert "api_key" in assert_error_list(response, 403, fmt)


def test_a_post_takes_its_api_key_from_the_body_never_the_url(base, api_key, inside, city_sessions):
    with city_sessions() as session:
        before = session.scalar(select(func.count()).select_from(Case))
    lat, lon = inside
    fields = {"service_code": "CA-01-03", "lat": lat, "long": lon, "description": "路面脏污"}
    in_url = requests.post(f"{base}/requests.json", params={"api_key": api_key}, data=fields)
    assert "POST body" in assert_error_list(in_url, 403)
    both = requests.post(f"{base}/requests.json", params={"api_key": api_key}, data=fields | {"api_key": api_key})
    assert_error_list(both, 403)
    with city_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == before


@pytest.mark.parametrize("field", ["description", "address_string", "first_name", "service_code"])
@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x0b"])
def test_a_post_with_control_characters_is_400_naming_the_field(base, api_key, inside, city_sessions, field,
                                                                character):
    with city_sessions() as session:
        before = session.scalar(select(func.count()).select_from(Case))
    description = assert_error_list(report(base, api_key, inside, **{field: f"a{character}b"}), 400)
    assert description.startswith(f"{field}:") and "control characters" in description
    with city_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == before


def test_tabs_and_line_breaks_are_welcome_in_a_post(base, api_key, inside):
    response = report(base, api_key, inside, description="line one\r\nline two\tand a tab")
    assert response.status_code == 200, response.text


def test_a_street_key_posts_only_inside_its_street(base, city_sessions):
    street1 = key_of(city_sessions, "street1")
    lat, lon = point_in(city_sessions, "street2")
    fields = {"api_key": street1, "service_code": "CA-01-03", "description": "路面脏污"}
    assert "outside your scope" in assert_error_list(post(base, **fields, lat=lat, long=lon), 400)
    assert "without a location" in assert_error_list(post(base, **fields, address_string="人民路 12 号"), 400)
    lat, lon = point_in(city_sessions, "street1")
    assert post(base, **fields, lat=lat, long=lon).status_code == 200


def test_discovery_never_echoes_the_host_header(base):
    for fmt in ("json", "xml"):
        response = requests.get(f"{base}/discovery.{fmt}", headers={"Host": "evil.example"})
        assert response.status_code == 200
        contact = response.json()["contact"] if fmt == "json" else xml(response).findtext("contact")
        assert "evil" not in contact


def test_discovery_names_the_configured_public_url(city_url):
    from dashboard.app import create_app

    centre = create_app(Config(database_url=city_url, demo=True, simulator=False, secret_key="test-secret",
                               public_url="https://grid.example.gov.cn"))
    try:
        body = centre.server.test_client().get("/open311/v2/discovery.json", headers={"Host": "evil.example"}).json
    finally:
        centre.engine.dispose()
    assert [e["url"] for e in body["endpoints"]] == ["https://grid.example.gov.cn/open311/v2"]
    assert "evil" not in str(body) and "https://grid.example.gov.cn" in body["contact"]
