"""Crafted callback requests, generated from Dash's callback map: whatever a signed-in user sends to any callback
(values of the wrong kind, huge numbers, wrong shapes), the answer is a 2xx or a 4xx, never a server error or the
screen's "something failed" notice. A callback added later is covered without touching this file."""
from __future__ import annotations

import json

import pytest

from tests import test_screens
from tests.test_screens import signed_in

centre = test_screens.centre  # the same fixture: a command centre on the small city

CRAFTED = [2**63, -(2**63), 2**31, -1, 0, 1.5, float("inf"), "x", "", "/", "1; drop table grid", True, None, [],
           [1], [[]], [None], {}, {"a": 1}, {"properties": 5}, {"properties": {"id": 2**63}}, {"latlng": "x"},
           {"latlng": {"lat": "x", "lng": 1}}, {"latlng": {"lat": 1e308, "lng": -1e308}}, {"lon": "x", "lat": None},
           ["x"] * 5, [None] * 5, [1] * 5]
USERS = ("dispatcher", "street1", "leader")


def server_callbacks(centre) -> dict[str, dict]:
    return {output: spec for output, spec in centre.dash.callback_map.items() if "callback" in spec}


def outputs_of(output: str):
    names = output.strip(".").split("...") if output.startswith("..") else [output]
    specs = [dict(zip(("id", "property"), name.rsplit(".", 1))) for name in names]
    specs = [[] if spec["id"].startswith("{") else spec for spec in specs]  # a wildcard matching no component
    return specs if output.startswith("..") else specs[0]


def item(dependency: dict, value) -> dict | list:
    """A dependency as the browser sends it; a wildcard one (ALL) as one matching component."""
    if dependency["id"].startswith("{"):
        pattern = json.loads(dependency["id"])
        return [{"id": {key: 1 if part == ["ALL"] else part for key, part in pattern.items()},
                 "property": dependency["property"], "value": value}]
    return {**dependency, "value": value}


def body(output: str, spec: dict, crafted: tuple[str, int] | None = None, value=None) -> dict:
    """A callback request with every value None but one (`crafted`: "inputs" or "state", and its position)."""
    lists = {kind: [item(d, value if (kind, i) == crafted else None) for i, d in enumerate(spec[kind])]
             for kind in ("inputs", "state")}
    changed = [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"] if spec["inputs"] else []
    return {"output": output, "outputs": outputs_of(output), "changedPropIds": changed, **lists}


def post(client, payload, content_type="application/json"):
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post("/_dash-update-component", data=data, content_type=content_type)


def failure(response) -> str | None:
    """What is wrong with the answer to a crafted request, if anything."""
    if response.status_code >= 500:
        return f"{response.status_code}: {response.get_data(as_text=True)[:200]}"
    side = (response.get_json(silent=True) or {}).get("sideUpdate") or {}
    if response.status_code == 200 and "shell-notice-error" in side:
        return "the callback failed (the generic notice)"
    return None


@pytest.mark.parametrize("username", USERS)
def test_no_crafted_value_of_any_callback_input_is_a_server_error(centre, username):
    client = signed_in(centre, username)
    failures, refused = [], 0
    for output, spec in server_callbacks(centre).items():
        for kind in ("inputs", "state"):
            for position, dependency in enumerate(spec[kind]):
                for value in CRAFTED:
                    response = post(client, body(output, spec, (kind, position), value))
                    refused += response.status_code == 400
                    if problem := failure(response):
                        failures.append(f"{output} {dependency['id']}.{dependency['property']}={value!r}: {problem}")
    assert failures == []
    assert refused > 0  # the checks did refuse something: the requests reached the callbacks


def test_every_callback_of_ours_checks_its_inputs(centre):
    ours = {output: spec for output, spec in server_callbacks(centre).items() if "_pages_" not in output}
    assert len(ours) >= 8 and all(hasattr(spec["callback"].__wrapped__, "checks") for spec in ours.values())


def crafted_ids(pattern: dict) -> list:
    """Ids a crafted request may give a component of a wildcard pattern: keys missing, odd values."""
    wildcard = next(key for key, part in pattern.items() if part == ["ALL"])
    fixed = {key: part for key, part in pattern.items() if key != wildcard}
    return [fixed, {}, *({**fixed, wildcard: value} for value in (2**63, "x", [1], None, {"a": 1}, True))]


def test_no_crafted_component_id_of_a_wildcard_input_is_a_server_error(centre):
    client, failures, tried = signed_in(centre, "dispatcher"), [], 0
    for output, spec in server_callbacks(centre).items():
        for kind in ("inputs", "state"):
            for position, dependency in enumerate(spec[kind]):
                if not dependency["id"].startswith("{"):
                    continue
                for crafted in crafted_ids(json.loads(dependency["id"])):
                    request = body(output, spec)
                    request[kind][position] = [{"id": crafted, "property": dependency["property"], "value": 1}]
                    request["changedPropIds"] = [f"{json.dumps(crafted)}.{dependency['property']}"]
                    if output.startswith(dependency["id"] + "."):  # it writes to the same components
                        request["outputs"] = [{"id": crafted, "property": output.rsplit(".", 1)[1]}]
                    tried += 1
                    if problem := failure(post(client, request)):
                        failures.append(f"{output} {dependency['id']}={crafted!r}: {problem}")
    assert tried > 0 and failures == []


@pytest.mark.parametrize("shape", [
    [], "x", 5, {}, {"output": 5}, {"output": "hotline.children"},
    {"output": "hotline.children", "outputs": {"id": "hotline", "property": "children"}, "inputs": 5},
    {"output": "hotline.children", "outputs": {"id": "hotline", "property": "children"}, "inputs": [5]},
    {"output": "hotline.children", "outputs": {"id": "hotline", "property": "children"}, "inputs": [{"id": 1}]},
])
def test_a_request_of_another_shape_is_refused(centre, shape):
    response = post(signed_in(centre, "dispatcher"), shape)
    assert response.status_code == 400 and response.get_json()["code"] == "invalid"


def test_values_not_where_the_callback_declares_them_are_refused(centre):
    client = signed_in(centre, "dispatcher")
    for output, spec in server_callbacks(centre).items():
        good = body(output, spec)
        for wrong in ({**good, "inputs": good["inputs"][:-1]}, {**good, "state": [*good["state"], good["inputs"][0]]},
                      {**good, "inputs": [[i] if isinstance(i, dict) else i[0] for i in good["inputs"]]},
                      {**good, "outputs": {"id": "not-its-output", "property": "children"}},
                      {**good, "outputs": [{"id": {"type": "not-its-output"}, "property": "children"}]}):
            response = post(client, wrong)
            assert response.status_code == 400, (output, wrong, response.get_data(as_text=True))


def test_a_wildcard_state_naming_other_components_than_its_outputs_is_refused(centre):
    output = '{"path":["ALL"],"type":"shell-nav-link"}.className'
    links = [{"id": {"type": "shell-nav-link", "path": p}, "property": "className"} for p in ("/wall", "/hotline")]
    request = {"output": output, "outputs": links, "changedPropIds": ["shell-location.pathname"],
               "inputs": [{"id": "shell-location", "property": "pathname", "value": "/wall"}],
               "state": [[{"id": link["id"], "property": "id", "value": link["id"]} for link in links[:1]]]}
    client = signed_in(centre, "dispatcher")
    assert post(client, request).status_code == 400
    request["state"] = [[{"id": link["id"], "property": "id", "value": link["id"]} for link in links]]
    answer = post(client, request)
    assert answer.status_code == 200
    assert answer.get_json()["response"]['{"path":"/wall","type":"shell-nav-link"}']["className"].endswith("--current")


@pytest.mark.parametrize("text", ["{", "not json", '{"output": ', "\x00"])
def test_malformed_json_is_refused(centre, text):
    assert post(signed_in(centre, "dispatcher"), text).status_code == 400


def test_a_callback_that_runs_in_the_browser_or_none_is_not_found(centre):
    client = signed_in(centre, "dispatcher")
    browser_side = next(output for output, spec in centre.dash.callback_map.items() if "callback" not in spec)
    for output in (browser_side, "no-such.children"):
        response = post(client, {"output": output, "outputs": {"id": "x", "property": "y"}, "inputs": []})
        assert response.status_code == 404 and response.get_json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["/_dash-component-suites/nothing/x.js", "/_dash-component-suites/dash/nothing.js",
                                  "/_dash-component-suites/dash_leaflet/../../etc/passwd"])
def test_an_unknown_component_suite_path_is_not_found_without_signing_in(centre, path):
    response = centre.server.test_client().get(path)
    assert response.status_code == 404 and "registered" not in response.get_data(as_text=True)
