"""The queue counts its matches only up to a cap (a million cases counted exactly took seconds a page), and finds
case numbers and days through indexes, and words among the last week's cases only."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from backend.cases import queries
from backend.cases.schemas import CaseQuery
from backend.geo.scope import Scope
from backend.models import Case, Grid
from layouts.dispatch import count_label
from tests.conftest import NOW
from tests.test_dispatch_filters import block
from tests.test_screens import ZH, call, centre, signed_in  # noqa: F401 (centre: a fixture)
from tests.test_workflow import World


def _city(session) -> Scope:
    return Scope.of_grid(session.scalar(select(Grid).where(Grid.level == 0)))


def _all(session) -> int:
    return session.scalar(select(func.count()).select_from(Case))


def test_a_queue_within_the_cap_is_counted_exactly(city_sessions, monkeypatch):
    with city_sessions() as session:
        everything = _all(session)
        monkeypatch.setattr(queries, "TOTAL_CAP", everything)
        page = queries.queue(session, _city(session), CaseQuery(limit=10))
    assert (page.total, page.total_exact, len(page.items)) == (everything, True, 10)


def test_a_queue_past_the_cap_says_so_and_still_pages(city_sessions, monkeypatch):
    monkeypatch.setattr(queries, "TOTAL_CAP", 5)
    with city_sessions() as session:
        assert _all(session) > 6
        first = queries.queue(session, _city(session), CaseQuery(limit=10))
        second = queries.queue(session, _city(session), CaseQuery(limit=10, offset=10))
    assert (first.total, first.total_exact) == (5, False)
    assert len(first.items) == len(second.items) == 10
    assert not {c.id for c in first.items} & {c.id for c in second.items}


def test_the_rest_api_tells_whether_the_total_is_exact(centre, monkeypatch):  # noqa: F811
    client = signed_in(centre, "dispatcher")
    exact = client.get("/api/v1/cases", query_string={"tab": "to_register", "limit": 1}).get_json()
    monkeypatch.setattr(queries, "TOTAL_CAP", 3)
    capped = client.get("/api/v1/cases", query_string={"limit": 2}).get_json()
    assert exact["total_exact"] is True and exact["total"] >= len(exact["items"])
    assert (capped["total"], capped["total_exact"], len(capped["items"])) == (3, False, 2)


def test_the_console_shows_a_capped_count_with_a_plus_and_lets_the_grid_scroll_on(centre, monkeypatch):  # noqa: F811
    client = signed_in(centre, "dispatcher")
    monkeypatch.setattr(queries, "TOTAL_CAP", 3)
    answer = call(client, "dispatch-tab.data", {"dispatch-poke.data": 1}, {"dispatch-filters.data": {}}).get_json()
    everything = next(tab["label"] for tab in answer["response"]["dispatch-tab"]["data"] if tab["value"] == "all")
    assert everything.endswith(" 超过3")  # the demo users read Chinese
    assert block(client, {})["rowCount"] == -1  # more than counted: AG Grid asks for the next block on scrolling
    assert count_label(ZH, 3) == "3"


def test_a_case_number_finds_its_case_on_its_day_only(centre, city_sessions):  # noqa: F811
    with city_sessions() as session:
        case = session.scalar(select(Case).order_by(Case.id.desc()))
        scope = _city(session)
        number, day = case.number, case.number[:8]
        wrong_day = f"{int(day) - 1}-{number[9:]}"
        found = [c.id for c in queries.queue(session, scope, CaseQuery(q=number)).items]
        on_day = queries.queue(session, scope, CaseQuery(q=day, limit=500))
        assert queries.queue(session, scope, CaseQuery(q=wrong_day)).items == []
    assert found == [case.id]
    assert case.id in {c.id for c in on_day.items} and {c.number[:8] for c in on_day.items} == {day}


def test_words_are_searched_in_the_last_week_unless_the_query_starts_earlier(city_sessions):
    with city_sessions() as session:
        world = World(session)
        old = world.case(description="a bench torn out of the square",
                         created_at=NOW - timedelta(days=queries.WORDS_DAYS + 1)).id
        recent = world.case(description="a bench torn out of the park").id
        session.commit()
        scope = _city(session)
        default = queries.queue(session, scope, CaseQuery(q="bench torn out"))
        earlier = queries.queue(session, scope, CaseQuery(q="bench torn out", created_from=NOW - timedelta(days=90)))
    assert [c.id for c in default.items] == [recent]
    assert {c.id for c in earlier.items} == {old, recent}
