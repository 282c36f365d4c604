"""Screens through Dash's own endpoints: the navigation each role gets, pages a role may not open or that do not
exist, the notice while the database cannot be reached, and crafted callback input."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

import callbacks.wall

from backend.accounts.permissions import ROLES, holders, role_names
from backend.demo.seed import DEMO_PASSWORD
from backend.models import User
from backend.platform.config import Config
from backend.platform.db import make_engine, session_factory
from backend.platform.i18n import Translator
from tests.signin import browser, sign_in_client

# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nowhere"
ZH = Translator("zh_Hans")  # the demo users' language


@pytest.fixture
def centre(city_url):
    from dashboard.app import create_app

    centre = create_app(Config(database_url=city_url, demo=True, simulator=False, secret_key="test-secret"))
    yield centre
    centre.engine.dispose()


def signed_in(centre, username: str):
    """A test client signed in as `username`, naming the product's own page as a browser does (dashboard/edge.py)."""
    client = browser(centre.server)
    assert sign_in_client(client, username, DEMO_PASSWORD).status_code == 302
    client.dependencies = client.get("/_dash-dependencies").get_json()  # read while the database is there
    return client


def components(tree):
    """Every component in a layout as Dash serialises it."""
    if isinstance(tree, dict):
        if "type" in tree and "props" in tree:
            yield tree
        for value in tree.values():
            yield from components(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from components(item)


def navigation(client) -> list[str]:
    layout = client.get("/_dash-layout").get_json()
    return [c["props"]["href"] for c in components(layout) if c["props"].get("className") == "shell-nav-link"]


def call(client, output: str, inputs: dict[str, object], state: dict[str, object] | None = None):
    """Post one callback as the browser would: the callback whose output names `output`, with these values for
    its inputs and state (by "id.property"; others None)."""
    callback = next(d for d in client.dependencies if output in d["output"].strip(".").split("..."))
    values = {**inputs, **(state or {})}

    def given(items):  # a wildcard id (ALL) matches a list of components: none here
        return [[] if item["id"].startswith("{") else {**item, "value": values.get(f"{item['id']}.{item['property']}")}
                for item in items]

    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in callback["output"].strip(".").split("...")]
    # A callback with one output gets it alone, not in a list.
    body = {"output": callback["output"], "outputs": outputs if callback["output"].startswith("..") else outputs[0],
            "inputs": given(callback["inputs"]), "state": given(callback["state"]), "changedPropIds": list(inputs)}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def open_page(client, path: str) -> str:
    response = call(client, "_pages_content.children", {"_pages_location.pathname": path,
                                                        "_pages_location.search": ""})
    assert response.status_code == 200
    return json.dumps(response.get_json(), ensure_ascii=False)


def test_a_dispatcher_is_offered_the_hotline_and_a_leader_is_not(centre):
    assert navigation(signed_in(centre, "dispatcher")) == ["/wall", "/hotline", "/dispatch"]
    assert navigation(signed_in(centre, "leader")) == ["/wall"]


def test_the_header_names_every_role_in_the_users_language(centre):
    layout = signed_in(centre, "dispatcher").get("/_dash-layout").get_json()
    labels = next(c["props"]["data"] for c in components(layout) if c["props"].get("id") == "live-labels")
    assert labels["roles"] == role_names(ZH) and len(labels["roles"]) == len(ROLES)
    assert any(c["props"].get("children") == f"dispatcher · {ZH('Dispatcher')}" for c in components(layout))


def test_a_screen_the_role_may_not_open_says_so_instead_of_rendering(centre):
    page = open_page(signed_in(centre, "leader"), "/hotline")
    assert ZH("{screen} is not open to your role").format(screen=ZH("Hotline")) in page
    assert ZH("Dispatcher") in page and '"hotline"' not in page


def test_the_refusal_names_every_role_the_capability_table_gives_the_screen(centre):
    """Administrators take hotline calls too: the notice is read from the table, not written for two roles."""
    page = open_page(signed_in(centre, "leader"), "/hotline")
    roles = [role for role in ROLES if role in holders("take_hotline_calls")]
    assert "admin" in roles
    names = ZH("It is for: {roles}. Ask an administrator if you need it.").format(
        roles=", ".join(role_names(ZH)[role] for role in roles))
    assert names in page


def test_a_missing_page_is_a_translated_not_found(centre):
    page = open_page(signed_in(centre, "dispatcher"), "/no-such-screen")
    assert ZH("There is no such page") in page and "404" not in page
    assert f'"title": "{ZH("There is no such page")} · {ZH("Grid Command Centre")}"' in page  # the browser's tab


def test_a_screens_tab_title_is_in_the_users_language(centre):
    client = signed_in(centre, "dispatcher")
    assert f'"title": "{ZH("Wall display")} · {ZH("Grid Command Centre")}"' in open_page(client, "/wall")


def test_the_first_html_already_carries_the_translated_title(centre):
    """Before Dash sets the page's title, the tab shows the one the server wrote: in the user's language too."""
    client = signed_in(centre, "dispatcher")
    html = client.get("/wall").get_data(as_text=True)
    assert f"<title>{ZH('Wall display')} · {ZH('Grid Command Centre')}</title>" in html
    assert f"<title>{ZH('There is no such page')} · " in client.get("/nowhere").get_data(as_text=True)


def notices(response) -> dict:
    assert response.status_code == 200
    return response.get_json()["sideUpdate"]


def test_while_the_database_is_unreachable_callbacks_answer_with_the_notice_and_retry(centre):
    client = signed_in(centre, "dispatcher")
    reachable = centre.sessions
    centre.sessions = session_factory(make_engine(UNREACHABLE))  # the screens' database goes away
    side = notices(call(client, "hotline.children", {"hotline.id": "hotline"}))
    assert side == {"shell-notice-database": {"hidden": False}, "shell-retry": {"disabled": False}}
    assert notices(call(client, "shell-notice-database.hidden", {"shell-retry.n_intervals": 1}))[
        "shell-notice-database"] == {"hidden": False}  # still down: the retry says so again

    centre.sessions = reachable
    recovered = call(client, "shell-notice-database.hidden", {"shell-retry.n_intervals": 2}).get_json()["response"]
    assert recovered["shell-notice-database"] == {"hidden": True} and recovered["shell-retry"] == {"disabled": True}
    assert "hotline-phone" in call(client, "hotline.children", {"hotline.id": "hotline",
                                                                "shell-recovered.data": 1}).get_data(as_text=True)


def test_a_database_gone_before_the_callback_runs_gives_the_same_notice(centre):
    client = signed_in(centre, "dispatcher")
    centre.sessions.configure(bind=make_engine(UNREACHABLE))  # the sign-in check itself cannot read the user
    side = notices(call(client, "hotline.children", {"hotline.id": "hotline"}))
    assert side == {"shell-notice-database": {"hidden": False}, "shell-retry": {"disabled": False}}


def crumbs(response) -> list[dict]:
    assert response.status_code == 200
    return [c for c in components(response.get_json()["response"]) if "wall-crumb" in c["props"]["className"]]


@pytest.mark.parametrize("grid", [2**63, 2**31, -1, 0, "7", "1; drop table grid", [1], {"id": 1}, True, 1.5])
def test_a_crafted_grid_is_refused(centre, grid):
    response = call(signed_in(centre, "street1"), "wall-breadcrumb.children", {"wall-grid.data": grid},
                    {"wall-map.viewport": None})
    assert response.status_code == 400 and response.get_json()["message"].startswith("navigate: grid_id")


def test_a_grid_outside_the_scope_or_naming_none_shows_the_users_own_grid(centre):
    with centre.sessions() as s:
        elsewhere = s.scalar(select(User.grid_id).where(User.username == "street2"))
    client = signed_in(centre, "street1")
    for grid in (elsewhere, 2**31 - 1):
        shown = crumbs(call(client, "wall-breadcrumb.children", {"wall-grid.data": grid}, {"wall-map.viewport": None}))
        assert len(shown) == 1 and "wall-crumb--current" in shown[0]["props"]["className"]


@pytest.mark.parametrize("click", [{"properties": {"id": 2**63}}, {"properties": {"id": "x"}}, {"properties": 5},
                                   "x", [1], None])
def test_a_crafted_map_click_changes_nothing(centre, click):
    response = call(signed_in(centre, "dispatcher"), "wall-location.search", {"wall-grids.n_clicks": 1},
                    {"wall-grids.clickData": click})
    assert response.status_code in (200, 204, 400) and not (response.get_json(silent=True) or {}).get("response")


def test_any_other_failure_shows_the_generic_notice_and_no_server_error(centre, monkeypatch):
    def broken(*_args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(callbacks.wall, "breadcrumb", broken)
    response = call(signed_in(centre, "street1"), "wall-breadcrumb.children", {"wall-grid.data": None},
                    {"wall-map.viewport": None})
    assert notices(response) == {"shell-notice-error": {"hidden": False}, "shell-retry": {"disabled": False}}


@pytest.mark.parametrize("search", ["?grid=99999999999999999999", "?grid=abc", "?grid=", "?other=1", "", None])
def test_an_address_naming_no_grid_shows_the_users_own(centre, search):
    response = call(signed_in(centre, "street1"), "wall-grid.data", {"wall-location.search": search},
                    {"wall-grid.data": 5})
    assert response.status_code == 200 and response.get_json()["response"] == {"wall-grid": {"data": None}}
