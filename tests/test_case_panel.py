"""The dispatcher console's case panel through Dash's own endpoint, as a browser would call it: what it shows,
an action through it (history and audit written), a conflict in words, the batch bar, and nothing for a case
of another street."""
from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.models import AuditEntry, Case, CaseEvent, Grid, Report, User
from backend.platform.i18n import Translator
from layouts.case_panel import timeline
from tests.conftest import NOW
from tests.test_screens import call, centre, components, signed_in  # noqa: F401  (the fixture)
from tests.test_workflow import World


def _texts(tree) -> str:
    return json.dumps(tree, ensure_ascii=False)


@pytest.fixture
def cases(centre):  # noqa: F811
    """A collected and a registered case in the unit grid of street 1, with a reporter's phone, and the grid's id
    of street 2's (for a case outside street 1)."""
    with centre.sessions() as s:
        street1 = s.get(Grid, s.scalar(select(User.grid_id).where(User.username == "street1")))
        street2 = s.get(Grid, s.scalar(select(User.grid_id).where(User.username == "street2")))
        world = World(s)
        unit = s.scalar(select(Grid).where(Grid.level == 3, Grid.code.startswith(street1.code + "-")).order_by(Grid.id))
        other = s.scalar(select(Grid).where(Grid.level == 3, Grid.code.startswith(street2.code + "-")).order_by(Grid.id))

        def place(grid):
            community = s.get(Grid, grid.parent_id)
            return dict(city_id=world.city.id, district_id=community.parent_id, community_id=community.id,
                        grid_id=grid.id, lon=grid.centroid_lon, lat=grid.centroid_lat)

        collected = world.case("collected", description="broken street lamp by the gate", **place(unit))
        s.add(Report(channel="web", received_at=collected.created_at, reporter_name="Wang",
                     reporter_phone="13800138000", description=collected.description, case_id=collected.id))
        registered = world.case("registered", description="rubbish piled up", **place(unit))
        outside = world.case("collected", description="far away", **place(other))
        s.commit()
        return {"collected": collected.id, "registered": registered.id, "outside": outside.id}


def draw(client, case_id):
    response = call(client, "case-body.children", {"dispatch-current.data": case_id})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def test_the_panel_shows_the_case_and_the_phone_to_the_centre(centre, cases):  # noqa: F811
    answer = draw(signed_in(centre, "dispatcher"), cases["collected"])
    text = _texts(answer["case-body"]["children"])
    assert "broken street lamp by the gate" in text and "13800138000" in text and "Wang" in text
    assert answer["case-shown"]["data"]["id"] == cases["collected"]
    actions = {c["props"]["id"]["action"] for c in components(answer["case-body"]["children"])
               if isinstance(c["props"].get("id"), dict) and c["props"]["id"].get("type") == "case-do"}
    assert {"register", "cancel", "merge"} <= actions


def test_a_leader_does_not_see_the_reporters_phone(centre, cases):  # noqa: F811
    answer = draw(signed_in(centre, "leader"), cases["collected"])
    text = _texts(answer["case-body"]["children"])
    assert "broken street lamp" in text and "13800138000" not in text


def test_dispatch_to_top_proposal_is_offered_with_its_name(centre, cases):  # noqa: F811
    answer = draw(signed_in(centre, "dispatcher"), cases["registered"])
    assert answer["case-dispatch-top"]["hidden"] is False
    assert answer["case-dispatch-top"]["children"]  # "Dispatch to <name>" in the user's language
    assert answer["case-shown"]["data"]["top"] is not None


def _act(client, shown, action_clicks=None, top=None, fields=None):
    return call(client, "case-result.children",
                {"case-dispatch-top.n_clicks": top} if top else {},
                {"case-shown.data": shown, "case-refresh.data": 0})


def test_an_action_through_the_panel_writes_history_and_audit(centre, cases):  # noqa: F811
    client = signed_in(centre, "dispatcher")
    shown = draw(client, cases["registered"])["case-shown"]["data"]
    response = _act(client, shown, top=1)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    result = _texts(response.get_json()["response"]["case-result"]["children"])
    assert "case-ok" in result
    with centre.sessions() as s:
        assert s.get(Case, cases["registered"]).state == "dispatched"
        assert s.scalar(select(CaseEvent.actor_name).where(CaseEvent.case_id == cases["registered"],
                                                           CaseEvent.action == "dispatch")) == "dispatcher"
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.target == f"case:{cases['registered']}")) \
            == "case.dispatch"


def test_a_conflict_names_who_acted_and_when(centre, cases):  # noqa: F811
    first, second = signed_in(centre, "dispatcher"), signed_in(centre, "duty")
    shown = draw(second, cases["registered"])["case-shown"]["data"]
    assert _act(first, draw(first, cases["registered"])["case-shown"]["data"], top=1).status_code == 200
    response = _act(second, shown, top=1)
    assert response.status_code == 200
    result = _texts(response.get_json()["response"]["case-result"]["children"])
    assert "case-refused" in result and "dispatcher" in result and ":" in result
    with centre.sessions() as s:
        assert s.scalar(select(CaseEvent.id).where(CaseEvent.case_id == cases["registered"],
                                                   CaseEvent.actor_name == "duty")) is None


def test_several_at_once_each_reports_its_own_result(centre, cases):  # noqa: F811
    client = signed_in(centre, "dispatcher")
    bar = call(client, "case-batch.hidden", {"dispatch-selection.data": [cases["collected"], cases["registered"]]})
    assert bar.get_json()["response"]["case-batch"]["hidden"] is False
    response = call(client, "case-batch-result.children", {"case-batch-register.n_clicks": 1},
                    {"dispatch-selection.data": [cases["collected"], cases["registered"]], "case-refresh.data": 0})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    items = response.get_json()["response"]["case-batch-result"]["children"]
    assert [i["props"]["className"] for i in items] == ["case-ok", "case-refused"]
    with centre.sessions() as s:
        assert s.get(Case, cases["collected"]).state == "registered"


def test_another_streets_case_shows_nothing_and_cannot_be_acted_on(centre, cases):  # noqa: F811
    client = signed_in(centre, "street1")
    answer = draw(client, cases["outside"])
    assert answer["case-shown"]["data"] is None and "far away" not in _texts(answer)
    crafted = {"id": cases["outside"], "version": 1, "top": None, "duplicate": None}
    response = call(client, "case-result.children", {"case-dispatch-top.n_clicks": 1},
                    {"case-shown.data": crafted, "case-refresh.data": 0})
    assert response.status_code in (200, 204) and "case-ok" not in response.get_data(as_text=True)
    response = call(client, "case-batch-result.children", {"case-batch-register.n_clicks": 1},
                    {"dispatch-selection.data": [cases["outside"]], "case-refresh.data": 0})
    assert "case-ok" not in response.get_data(as_text=True)
    with centre.sessions() as s:
        assert s.get(Case, cases["outside"]).state == "collected"
    assert draw(client, cases["collected"])["case-shown"]["data"]["id"] == cases["collected"]


def test_the_small_map_holds_the_unit_grid_and_the_open_cases_nearby_in_scope(centre, cases):  # noqa: F811
    from backend.cases import panel
    from backend.cases.workflow import Actor
    from backend.geo.scope import Scope

    answer = draw(signed_in(centre, "dispatcher"), cases["collected"])
    maps = [c for c in components(answer["case-body"]["children"]) if c["props"].get("id") == "case-map"]
    assert maps and maps[0]["props"]["bounds"]
    with centre.sessions() as s:
        street1 = s.get(Grid, s.scalar(select(User.grid_id).where(User.username == "street1")))
        where = panel.place(s, Actor(name="s1", role="dispatcher", scope=Scope.of_grid(street1)), cases["collected"])
        near = {n["id"] for n in where.nearby}
        assert cases["registered"] in near and cases["outside"] not in near and cases["collected"] not in near
        assert where.grid["properties"]["code"].startswith(street1.code + "-")


def test_the_timeline_names_a_collections_channel_in_the_users_language():
    collected = {"at": NOW, "actor_name": "simulator", "action": "collect", "note": "handheld"}
    returned = {"at": NOW, "actor_name": "Li", "action": "return", "note": "not ours: handheld radio shop"}
    steps = timeline(Translator("zh_Hans"), [collected, returned], NOW, ZoneInfo("Asia/Shanghai"), {})
    notes = [step.children[-1].children for step in steps.children]
    assert notes == ["手持终端", "not ours: handheld radio shop"]  # a note written by a person is left as written
