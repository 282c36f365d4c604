"""The dispatcher console's filter bar through Dash's own endpoint, as the browser calls it: each filter narrows
the queue's rows and the tabs' counts alike on the seeded small city, days are the configured time zone's, a
street dispatcher naming another street's grid gets nothing, the grid picker offers the user's grids only, and
crafted values are refused."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from backend.models import Case, Category, Grid, User
from tests.test_screens import call, centre, signed_in  # noqa: F401  (centre: a fixture)
from tests.test_workflow import World

EVERYTHING = {"startRow": 0, "endRow": 500}


def rows(client, filters, tab: str = "all", request=None):
    return call(client, "dispatch-queue.getRowsResponse", {"dispatch-queue.getRowsRequest": request or EVERYTHING},
                {"dispatch-tab.value": tab, "dispatch-filters.data": filters})


def block(client, filters, tab: str = "all") -> dict:
    response = rows(client, filters, tab)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]["dispatch-queue"]["getRowsResponse"]


def counts(client, filters) -> dict[str, int]:
    response = call(client, "dispatch-tab.data", {"dispatch-poke.data": 1}, {"dispatch-filters.data": filters})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return {tab["value"]: int(tab["label"].rsplit(" ", 1)[1])
            for tab in response.get_json()["response"]["dispatch-tab"]["data"]}


def grid_of(session, username: str) -> Grid:
    return session.get(Grid, session.scalar(select(User.grid_id).where(User.username == username)))


def first_below(session, grid: Grid, level: int) -> Grid:
    return session.scalar(select(Grid).where(Grid.level == level, Grid.code.startswith(grid.code + "-"))
                          .order_by(Grid.code))


def case_ids(session, *where) -> set[int]:
    return set(session.scalars(select(Case.id).where(*where)))


def the_filters(session) -> dict[str, tuple[dict, list]]:
    """Each filter of the bar, with the clauses saying (in SQL of the test's own) which cases it keeps."""
    street = grid_of(session, "street1")
    community, unit = first_below(session, street, 2), first_below(session, street, 3)
    major = session.scalar(select(Category).where(Category.code == "CA-01"))
    minor = session.scalar(select(Category).where(Category.code == "CA-02-02"))
    minors_of_major = select(Category.id).where(Category.parent_id == major.id)
    # 2026-11-25 in Asia/Shanghai (UTC+8): from 16:00 UTC the day before to 16:00 UTC that day.
    day = (datetime(2026, 11, 24, 16, tzinfo=UTC), datetime(2026, 11, 25, 16, tzinfo=UTC))
    return {
        "major category": ({"category": major.code}, [Case.category_id.in_(minors_of_major)]),
        "minor category": ({"category": minor.code}, [Case.category_id == minor.id]),
        "urgency": ({"urgency": "high"}, [Case.urgency == "high"]),
        "channel": ({"channel": "hotline"}, [Case.channel == "hotline"]),
        "card": ({"card": "red"}, [Case.card == "red"]),
        "street": ({"grid": street.id}, [Case.district_id == street.id]),
        "community": ({"grid": community.id}, [Case.community_id == community.id]),
        "unit grid": ({"grid": unit.id}, [Case.grid_id == unit.id]),
        "one day": ({"dates": ["2026-11-25", "2026-11-25"]}, [Case.created_at >= day[0], Case.created_at < day[1]]),
        "all together": ({"category": major.code, "urgency": "normal", "channel": "handheld", "q": None,
                          "grid": street.id}, [Case.category_id.in_(minors_of_major), Case.urgency == "normal",
                                               Case.channel == "handheld", Case.district_id == street.id]),
    }


FILTER_NAMES = ("major category", "minor category", "urgency", "channel", "card", "street", "community", "unit grid",
                "one day", "all together")


@pytest.mark.parametrize("name", FILTER_NAMES)
def test_each_filter_narrows_the_rows_and_the_counts_alike(centre, name):  # noqa: F811
    client = signed_in(centre, "dispatcher")  # the whole city
    with centre.sessions() as s:
        filters, where = the_filters(s)[name]
        kept = case_ids(s, *where)
        collected = case_ids(s, *where, Case.state == "collected")
        total = s.scalar(select(func.count()).select_from(Case))
    assert 0 < len(kept) < total
    shown = block(client, filters)  # the first block of 500
    ids = {int(row["id"]) for row in shown["rowData"]}
    assert shown["rowCount"] == len(kept) and ids <= kept and len(ids) == min(len(kept), EVERYTHING["endRow"])
    assert {int(row["id"]) for row in block(client, filters, "to_register")["rowData"]} == collected
    tabs = counts(client, filters)
    assert tabs["all"] == len(kept) and tabs["to_register"] == len(collected)
    assert counts(client, {})["all"] == total == block(client, None)["rowCount"]


def test_days_are_the_configured_time_zones(centre):  # noqa: F811
    """A case at midnight in Shanghai (16:00 UTC) belongs to the day that begins, not the one that ends."""
    with centre.sessions() as s:
        world = World(s)
        late = world.case(created_at=datetime(2026, 12, 19, 15, 59, 59, tzinfo=UTC)).id
        midnight = world.case(created_at=datetime(2026, 12, 19, 16, 0, tzinfo=UTC)).id
        s.commit()
    client = signed_in(centre, "dispatcher")
    for first, last, expected in (("2026-12-19", "2026-12-19", {late}), ("2026-12-20", "2026-12-20", {midnight}),
                                  ("2026-12-19", "2026-12-20", {late, midnight}), ("2026-12-21", "2026-12-31", set())):
        shown = block(client, {"dates": [first, last]})
        assert {int(row["id"]) for row in shown["rowData"]} == expected, (first, last)
        assert counts(client, {"dates": [first, last]})["all"] == len(expected)


def test_the_search_and_the_filters_combine(centre):  # noqa: F811
    with centre.sessions() as s:
        world = World(s)
        mine = world.case(description="lamp out by the north gate", urgency="critical").id
        world.case(description="lamp out by the south gate", urgency="low")
        s.commit()
    client = signed_in(centre, "dispatcher")
    filters = {"q": "  lamp out by the ", "urgency": "critical"}
    assert [int(row["id"]) for row in block(client, filters)["rowData"]] == [mine]
    assert counts(client, filters)["all"] == 1


def test_a_street_dispatcher_filtering_by_another_streets_grid_gets_nothing(centre):  # noqa: F811
    with centre.sessions() as s:
        own, other = grid_of(s, "street1"), grid_of(s, "street2")
        elsewhere = [other, first_below(s, other, 2), first_below(s, other, 3)]
        own_community = first_below(s, own, 2)
        in_own = len(case_ids(s, Case.community_id == own_community.id))
    client = signed_in(centre, "street1")
    for grid in elsewhere:
        assert block(client, {"grid": grid.id}) == {"rowData": [], "rowCount": 0}
        assert set(counts(client, {"grid": grid.id}).values()) == {0}
    assert in_own and block(client, {"grid": own_community.id})["rowCount"] == in_own


def test_the_grid_picker_offers_the_users_own_grids_only(centre):  # noqa: F811
    with centre.sessions() as s:
        own, other = grid_of(s, "street1"), grid_of(s, "street2")
        own_ids = set(s.scalars(select(Grid.id).where(Grid.code.startswith(own.code + "-"), Grid.level < 3)))
        other_community = first_below(s, other, 2)
        own_unit = first_below(s, own, 3)
        own_unit_community = s.get(Grid, own_unit.parent_id)
        other_unit = first_below(s, other, 3)
    client = signed_in(centre, "street1")
    tree = call(client, "dispatch-grid-tree.data", {"dispatch.id": "dispatch"}).get_json()["response"]
    assert {int(option["value"]) for option in tree["dispatch-grid-tree"]["data"]} == own_ids
    assert {option["depth"] for option in tree["dispatch-grid-tree"]["data"]} == {1}  # its communities

    def found(search: str) -> list[dict]:
        answer = call(client, "dispatch-grid-found.data", {"dispatch-grid.searchValue": search})
        return answer.get_json()["response"]["dispatch-grid-found"]["data"]

    units = found(own_unit_community.name)
    assert str(own_unit.id) in {option["value"] for option in units}
    assert all(option["label"].startswith(own_unit_community.name + " / ") for option in units)
    assert [option["value"] for option in found(units[1]["label"])] == [units[1]["value"]]  # as it shows, picked
    assert found(other_community.name) == [] and found(f"{other_community.name} / {other_unit.name}") == []
    assert found("   ") == []


def test_the_categories_are_grouped_under_their_major_one(centre):  # noqa: F811
    answer = call(signed_in(centre, "dispatcher"), "dispatch-category.data", {"dispatch.id": "dispatch"})
    groups = answer.get_json()["response"]["dispatch-category"]["data"]
    with centre.sessions() as s:
        majors = s.scalar(select(func.count()).select_from(Category).where(Category.parent_id.is_(None)))
        minors = s.scalar(select(func.count()).select_from(Category).where(Category.parent_id.is_not(None)))
    assert len(groups) == majors and sum(len(group["items"]) for group in groups) == majors + minors
    assert all(group["items"][0]["value"].count("-") == 1 for group in groups)  # the major one leads


@pytest.mark.parametrize("filters", [
    {"dates": ["2026-02-31", "2026-03-01"]}, {"dates": ["2026-11-25"]}, {"dates": ["26-11-25", "26-11-26"]},
    {"dates": ["9999-12-31", "9999-12-31"]}, {"dates": "2026-11-25"}, {"dates": [20261125, 20261126]},
    {"urgency": "panic"}, {"channel": "pigeon"}, {"card": "green"}, {"grid": 0}, {"grid": "3"}, {"grid": 2**63},
    {"category": "x" * 33}, {"category": ""}, {"q": "x" * 201}, {"q": 5}, [], "all",
])
def test_crafted_filters_are_refused(centre, filters):  # noqa: F811
    client = signed_in(centre, "dispatcher")
    assert rows(client, filters).status_code == 400
    response = call(client, "dispatch-tab.data", {"dispatch-poke.data": 1}, {"dispatch-filters.data": filters})
    assert response.status_code == 400


@pytest.mark.parametrize("search", ["x" * 101, 5, ["x"], {"a": 1}])
def test_crafted_grid_searches_are_refused(centre, search):  # noqa: F811
    response = call(signed_in(centre, "dispatcher"), "dispatch-grid-found.data",
                    {"dispatch-grid.searchValue": search})
    assert response.status_code == 400
