"""GeoReport v2 rendering: one body shape (dicts and lists) to JSON or XML.

The spec's JSON is the "Spark convention" mapping of its XML: a list becomes
repeated child elements named after the list (`services` -> `service`), a
null an empty element, a boolean `true`/`false`. Views build the JSON shape
once and `render` derives the XML from it.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from flask import Response

CONTENT_TYPES = {"json": "application/json", "xml": "application/xml; charset=utf-8"}
# The element name of each item of a list, by the name of the list.
ITEM_NAMES = {"services": "service", "service_requests": "request", "service_requests_updates": "request_update",
              "attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format",
              "errors": "error"}
# Characters XML 1.0 cannot carry even escaped; a description may hold them, the XML must still parse.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Body = dict | list


def w3c(moment: datetime | None) -> str | None:
    """The spec's date format: ISO 8601 in UTC with `Z`, to the second."""
    return None if moment is None else moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM_NAMES[element.tag]), item)
    else:
        element.text = _text(value)


def to_xml(body: Body, root: str) -> bytes:
    element = ET.Element(root)
    _fill(element, body)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode").encode("utf-8")


def render(body: Body, root: str, fmt: str, status: int = 200) -> Response:
    """`body` as the response in `fmt` ("json" or "xml"); `root` names the XML root element."""
    data = to_xml(body, root) if fmt == "xml" else json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(data, status=status, content_type=CONTENT_TYPES[fmt])
