"""A warning's messages as CAP 1.2 (OASIS): the first issue an Alert, each change an Update and the lifting (or
expiry) a Cancel, each naming the earlier ones in `references`. A message is built from its history row: the
facts as they were when it went out, its identifier and references fixed then, so reading it twice gives the same
message (re-made identifiers fork an alert downstream: cap-composer's lesson, REFERENCES.md)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import EarlyWarning, Grid, WarningEvent

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
# Severity by level, as WMO's cap-composer maps the colours (REFERENCES.md).
SEVERITY = {"red": "Extreme", "orange": "Severe", "yellow": "Moderate", "blue": "Minor"}
CATEGORY = {"weather": "Met", "flood": "Met", "geological": "Geo", "fire": "Fire", "public_security": "Security",
            "epidemic": "Health", "other": "Other"}
TYPE_NAMES = {"weather": "weather", "flood": "flood", "geological": "geological hazard", "fire": "fire",
              "public_security": "public security", "epidemic": "epidemic", "other": "other"}


def cap_time(at: datetime) -> str:
    """CAP's dateTime in UTC: whole seconds, the offset written -00:00 (CAP forbids "Z"). Always UTC, so that a
    reference names an earlier message's `sent` exactly as that message said it."""
    return at.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None).isoformat() + "-00:00"


def reference(sender: str, message: WarningEvent) -> str:
    """An earlier message as `references` names it: sender,identifier,sent."""
    return f"{sender},{message.identifier},{cap_time(message.at)}"


def _rings(geometry: dict) -> list[list[list[float]]]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [polygon[0] for polygon in polygons]


def _polygon(ring: list[list[float]]) -> str:
    points = [(lat, lon) for lon, lat, *_ in ring]
    if points[0] != points[-1]:
        points.append(points[0])
    return " ".join(f"{lat:.6f},{lon:.6f}" for lat, lon in points)


def _add(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    if text is not None:
        element.text = text
    return element


def message(session: Session, warning: EarlyWarning, sent: WarningEvent, sender: str) -> bytes:
    """One message of the warning (a history row with a msgType) as CAP 1.2 XML."""
    facts = json.loads(sent.after)
    sent_at = cap_time(sent.at)
    alert = ET.Element(f"{{{NAMESPACE}}}alert")
    for name, text in (("identifier", sent.identifier), ("sender", sender), ("sent", sent_at), ("status", "Actual"),
                       ("msgType", sent.msg_type), ("scope", "Public")):
        _add(alert, name, text)
    if sent.references:
        _add(alert, "references", sent.references)
    info = _add(alert, "info")
    chinese = any("\u4e00" <= c <= "\u9fff" for c in warning.headline + warning.message)
    _add(info, "language", "zh-CN" if chinese else "en-US")
    _add(info, "category", CATEGORY[warning.type])
    _add(info, "event", f"{facts['level'].title()} {TYPE_NAMES[warning.type]} warning")
    if sent.msg_type == "Cancel":
        _add(info, "responseType", "AllClear")
    starts = datetime.fromisoformat(facts["starts_at"])
    _add(info, "urgency", "Past" if sent.msg_type == "Cancel" else "Immediate" if starts <= sent.at else "Expected")
    _add(info, "severity", SEVERITY[facts["level"]])
    _add(info, "certainty", "Likely")
    _add(info, "effective", sent_at)
    _add(info, "onset", cap_time(starts))
    _add(info, "expires", cap_time(sent.at if sent.msg_type == "Cancel" else datetime.fromisoformat(facts["ends_at"])))
    _add(info, "senderName", warning.issuer_name)
    _add(info, "headline", warning.headline)
    _add(info, "description", warning.message if sent.msg_type != "Cancel" else
         f"{sent.note or 'Lifted'}. {warning.message}")
    ids = [t["grid_id"] for t in facts["targets"]]
    for grid in session.scalars(select(Grid).where(Grid.id.in_(ids)).order_by(Grid.code)):
        area = _add(info, "area")
        _add(area, "areaDesc", f"{grid.name} ({grid.name_en})")
        for ring in _rings(json.loads(grid.geometry)):
            _add(area, "polygon", _polygon(ring))
        geocode = _add(area, "geocode")
        _add(geocode, "valueName", "grid_code")
        _add(geocode, "value", grid.code)
    ET.register_namespace("", NAMESPACE)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True)


def latest_message(session: Session, warning: EarlyWarning) -> WarningEvent | None:
    return session.scalar(select(WarningEvent).where(WarningEvent.warning_id == warning.id,
                                                     WarningEvent.msg_type.is_not(None))
                          .order_by(WarningEvent.id.desc()))
