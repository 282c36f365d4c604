"""The OpenAPI document is valid and complete, and the API keeps it: generated requests never get a 5xx."""
from __future__ import annotations

import jsonschema_rs
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.stateful import Bundle, initialize
from schemathesis.generation.stateful.state_machine import StepInput
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_schema_conformance, status_code_conformance)

from backend.api.registry import ENDPOINTS
from backend.cases.workflow import TRANSITIONS
from backend.platform.db import make_engine
from backend.platform.migrate import upgrade
from backend.demo.seed import seed_city
from backend.accounts.tokens import issue_token
from tests.conftest import NOW
from tests.test_api import CATEGORY, uploads, world  # noqa: F401  (fixtures)

# The stateful phase: scenarios of linked calls (a report, then its case's detail and actions, ...), at most
# STEPS calls each after the first ones (a report, a registered report, the case list, the grid tree): about 500
# requests, some 15-25 s per database. It finds a server error planted two steps from a new report (register,
# then dispatch); longer chains are reached more rarely.
SCENARIOS, STEPS = 40, 10
# Examples per operation and generation mode: about 30 operations x (25 positive + 10 negative)
# comes to about 1,000 requests (small input spaces run out earlier), some 25 s per database.
EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 25, schemathesis.GenerationMode.NEGATIVE: 10}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Negative data must be refused (4xx); applied to negative cases only, where it means something.
NEGATIVE_CHECKS = CHECKS + [negative_data_rejection]
# ...except in an offline batch, where a bad item is answered in place ("error") and the others go on.
ITEM_BY_ITEM = {"POST /reports/batch"}


@pytest.fixture(params=["sqlite", "postgresql"])
def city_url(request, city_url):
    """The live server on both databases: PostgreSQL refuses inputs SQLite takes (NUL bytes, integer ranges)."""
    if request.param == "sqlite":
        return city_url
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    upgrade(engine)
    seed_city(engine, "small", 1, NOW, demo_users=True)
    engine.dispose()
    return url


def _bearer(city_sessions, username: str) -> dict[str, str]:
    with city_sessions() as session:
        token = issue_token(session, username, "schemathesis", NOW)
        session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def bearer(live_server, city_sessions) -> dict[str, str]:
    return _bearer(city_sessions, "dispatcher")


@pytest.fixture
def admin_bearer(live_server, city_sessions) -> dict[str, str]:
    """The city's admin may take every step of a case (the centre's and the handler's), so scenarios go on."""
    return _bearer(city_sessions, "admin")


@pytest.fixture
def document(live_server, bearer) -> dict:
    return requests.get(f"{live_server}/api/v1/openapi.json", headers=bearer).json()


def test_the_document_is_valid_openapi_3_1(live_server, bearer, document):
    schema = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json", headers=bearer)
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    for name, component in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(component), name


def test_the_document_lists_every_endpoint_with_errors_and_security(document):
    operations = {(method.upper(), path): op for path, item in document["paths"].items() for method, op in item.items()}
    assert set(operations) == {(ep.method, ep.path) for ep in ENDPOINTS}
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for (method, path), operation in operations.items():
        for status in ("401", "500"):
            assert operation["responses"][status]["content"]["application/json"]["schema"] == error, (method, path)
        if "{" in path:
            assert "404" in operation["responses"] and operation["parameters"][0]["in"] == "path"
    assert set(document["components"]["securitySchemes"]) == {"bearer", "session"}
    dispatch = operations[("POST", "/cases/{case_id}/actions/dispatch")]
    assert {"403", "404", "409", "422"} <= set(dispatch["responses"])
    assert dispatch["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DispatchAction"}
    assert [p["name"] for p in operations[("GET", "/cases")]["parameters"]] == [
        "limit", "offset", "tab", "state", "category_code", "grid_id", "urgency", "card", "channel", "created_from",
        "created_to", "q", "sort"]


def _fuzz(operation, mode: schemathesis.GenerationMode, base_url: str, headers: dict, sent: list[int]) -> None:
    negative = mode is schemathesis.GenerationMode.NEGATIVE and operation.label not in ITEM_BY_ITEM
    checks = NEGATIVE_CHECKS if negative else CHECKS

    @seed(2026)
    @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        response = case.call(base_url=base_url, headers=headers)
        sent.append(response.status_code)
        case.validate_response(response, checks=checks, headers=headers)

    run()


@pytest.mark.usefixtures("uploads")  # generated photos can be valid: keep them out of the work tree
def test_generated_requests_never_get_a_server_error_and_match_the_document(live_server, bearer):
    schema = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json", headers=bearer)
    sent: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        has_input = bool(operation.path_parameters or operation.query or operation.body)
        for mode in EXAMPLES if has_input else [schemathesis.GenerationMode.POSITIVE]:
            _fuzz(operation, mode, f"{live_server}/api/v1", bearer, sent)
    assert len(sent) >= 500 and not [status for status in sent if status >= 500]
    assert {200, 201, 404, 422} <= set(sent)


def test_the_document_links_a_created_case_to_its_detail_and_actions_and_a_list_to_its_items(document):
    def links(method: str, path: str, status: str) -> dict:
        return document["paths"][path][method]["responses"][status]["links"]

    actions = {f"action_{action}" for action in TRANSITIONS}
    created = links("post", "/reports", "201")
    assert {"get_case", *actions} <= set(created)
    assert created["get_case"]["parameters"] == {"path.case_id": "$response.body#/id"}
    assert links("get", "/cases", "200")["action_close"]["parameters"] == {"path.case_id": "$response.body#/items/0/id"}
    assert {"get_case", *actions} <= set(links("post", "/cases/{case_id}/actions/register", "200"))
    assert set(links("post", "/attachments", "201")) == {"download"}
    assert links("get", "/grids", "200")["list_cases"]["parameters"] == {"query.grid_id": "$response.body#/children/0/id"}


@pytest.mark.usefixtures("uploads")
def test_linked_scenarios_never_get_a_server_error_and_reach_the_cases_they_create(live_server, admin_bearer,
                                                                                   world):  # noqa: F811
    bearer = admin_bearer
    schema = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json", headers=bearer)
    schema.config.phases.stateful.inference.algorithms = []  # only the document's own links

    base = schema.as_state_machine()
    assert schema.statistic.transitions.total >= 100  # every producer of a case id to every operation on a case
    sent: list[tuple[str, int]] = []
    failures: list[str] = []

    class Scenarios(base):
        # Each scenario starts from what a user has: a case just reported, one registered, the case list and the grid tree
        # (a generated report names no real category, so it would open no case to follow). The bundle named is
        # a formality: schemathesis files each answer under its operation and status, where the links look.
        @initialize(target=Bundle("reported"))
        def report(self):
            return self.start(self.new_report())

        @initialize(target=Bundle("registered"))
        def registered(self):
            """A case one step further, so that scenarios reach the states after dispatch too."""
            created = self.start(self.new_report()).response.json()
            register = schema["/cases/{case_id}/actions/register"]["POST"]
            return self.start(register.Case(path_parameters={"case_id": created["id"]}, body={}))

        def new_report(self):
            lon, lat = world.unit_point
            body = {"channel": "web", "description": "a scenario's report", "category_code": CATEGORY, "lon": lon,
                    "lat": lat}
            return schema["/reports"]["POST"].Case(body=body)

        @initialize(target=Bundle("listed"))
        def list_cases(self):
            return self.start(schema["/cases"]["GET"].Case())

        @initialize(target=Bundle("tree"))
        def grid_tree(self):
            return self.start(schema["/grids"]["GET"].Case())

        def start(self, case):
            """A first step, recorded as schemathesis records its own (the links that follow name it)."""
            step = StepInput.initial(case)
            self.recorder.record_case(case=case)
            self.control.record_step(step, self.recorder)
            return self.step(step)

        def get_call_kwargs(self, case):
            return {"base_url": f"{live_server}/api/v1", "headers": bearer}

        def after_call(self, response, case):
            sent.append((f"{case.operation.method.upper()} {case.operation.path}", response.status_code))

        def validate_response(self, response, case, **kwargs):
            # Recorded, not raised: a scenario replayed against a server whose data has moved on would not take
            # the same steps, and Hypothesis would report that instead of the failure.
            try:
                case.validate_response(response, checks=CHECKS, headers=bearer)
            except (Failure, FailureGroup) as failure:
                failures.append(f"{case.operation.label} -> {response.status_code}: {failure}")

    # Scenarios start from the initial steps above and from requests without path parameters: an action on a
    # random case id can only answer 404, and would take the steps linked calls need.
    for name in base.root_rules:
        if "case_id" in name:
            setattr(Scenarios, name, None)

    Scenarios.run(settings=settings(max_examples=SCENARIOS, stateful_step_count=STEPS, derandomize=True,
                                    deadline=None, database=None, phases=[Phase.generate],
                                    suppress_health_check=list(HealthCheck)))
    assert not failures, "\n".join(failures[:10])
    # Reached through links: a case the scenario created (or listed) read back and acted on.
    assert ("GET /cases/{case_id}", 200) in sent
    assert any(label.startswith("POST /cases/{case_id}/actions/") and status in (200, 409) for label, status in sent)

