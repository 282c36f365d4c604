"""Each warning message as CAP 1.2, valid against the OASIS schema: the Alert, an Update, the Cancel."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from backend.models import Grid
from backend.warnings import cap
from backend.warnings.workflow import perform, sender_of
from tests.conftest import NOW
from tests.test_warnings import World, module_sessions, world  # noqa: F401  (fixtures)
from tests.test_warnings_api import world as api_world  # noqa: F401  (fixture)

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "data" / "cap-1.2.xsd")))
NS = {"cap": cap.NAMESPACE}


def _valid(xml: bytes) -> etree._Element:
    root = etree.fromstring(xml)
    SCHEMA.assertValid(root)
    return root


def _text(root, path: str) -> str:
    return root.findtext(path, namespaces=NS)


def _messages(world: World) -> list[bytes]:
    """The Alert of a red warning to two grids, the Update lowering it to orange, and its Cancel."""
    warning = world.issued(level="red", targets=[{"grid_id": world.community.id}, {"grid_id": world.other_street.id}])
    sent = [cap.latest_message(world.session, warning)]
    perform(world.session, world.officer, warning.id, "lower", {"level": "orange"}, NOW + timedelta(minutes=10))
    sent.append(cap.latest_message(world.session, warning))
    perform(world.session, world.officer, warning.id, "lift", {"note": "the rain stopped"}, NOW + timedelta(hours=1))
    sent.append(cap.latest_message(world.session, warning))
    sender = sender_of(world.session)
    return [cap.message(world.session, warning, message, sender) for message in sent]


def test_the_alert_update_and_cancel_are_valid_cap_1_2(world):
    alert, update, cancel = (_valid(xml) for xml in _messages(world))
    assert [_text(m, "cap:msgType") for m in (alert, update, cancel)] == ["Alert", "Update", "Cancel"]
    assert [_text(m, "cap:info/cap:severity") for m in (alert, update, cancel)] == ["Extreme", "Severe", "Severe"]
    assert _text(alert, "cap:references") is None
    first = ",".join((_text(alert, "cap:sender"), _text(alert, "cap:identifier"), _text(alert, "cap:sent")))
    assert _text(update, "cap:references") == first
    assert _text(cancel, "cap:references").split(" ")[0] == first and len(_text(cancel, "cap:references").split()) == 2
    assert _text(alert, "cap:sent") == "2026-11-26T06:00:00-00:00" and _text(alert, "cap:scope") == "Public"


def test_each_target_is_an_area_with_its_polygon_and_its_code(world):
    alert = _valid(_messages(world)[0])
    areas = alert.findall("cap:info/cap:area", NS)
    codes = [a.findtext("cap:geocode/cap:value", namespaces=NS) for a in areas]
    assert codes == sorted([world.community.code, world.other_street.code])
    grid = world.session.scalar(select(Grid).where(Grid.code == codes[0]))
    ring = json.loads(grid.geometry)["coordinates"][0]
    pairs = areas[0].findtext("cap:polygon", namespaces=NS).split(" ")
    assert pairs[0] == pairs[-1] and len(pairs) >= 4
    lat, lon = map(float, pairs[0].split(","))
    assert (lat, lon) == pytest.approx((ring[0][1], ring[0][0]), abs=1e-6)


@pytest.mark.parametrize("level, severity", [("red", "Extreme"), ("orange", "Severe"), ("yellow", "Moderate"),
                                             ("blue", "Minor")])
def test_severity_follows_the_level(world, level, severity):
    warning = world.issued(level=level)
    xml = cap.message(world.session, warning, cap.latest_message(world.session, warning), sender_of(world.session))
    assert _text(_valid(xml), "cap:info/cap:severity") == severity


def test_the_endpoint_answers_cap_xml_for_an_issued_warning_and_409_for_a_draft(api_world):
    officer = api_world.api("warning")
    warning = officer.post("/warnings", {"params": api_world.draft(), "send": True}).json["warning"]
    answer = officer.get(f"/warnings/{warning['id']}.cap.xml")
    assert answer.status_code == 200 and answer.mimetype == "application/cap+xml"
    assert _text(_valid(answer.data), "cap:identifier") == warning["identifier"]
    officer.act(warning["id"], "widen", targets=[{"grid_id": api_world.other_street.id}])
    updated = _valid(officer.get(f"/warnings/{warning['id']}.cap.xml").data)
    assert _text(updated, "cap:msgType") == "Update"
    draft = officer.post("/warnings", {"params": api_world.draft()}).json["warning"]
    assert officer.get(f"/warnings/{draft['id']}.cap.xml").status_code == 409


def test_cap_messages_on_postgresql_are_valid_too(pg_city):
    with pg_city() as session:
        for xml in _messages(World(session)):
            _valid(xml)
        session.rollback()
