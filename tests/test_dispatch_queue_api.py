"""The queue's REST face: `tab` and `channel` on GET /api/v1/cases, and crafted values refused with a 4xx."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.models import Case, User
from tests.test_screens import centre, signed_in  # noqa: F401 (centre: a fixture)


@pytest.mark.parametrize("params", [{"tab": "bogus"}, {"channel": "pigeon"},
                                    {"q": ""}, {"q": "x" * 201}, {"limit": 2**63}, {"offset": -1}])
def test_crafted_queue_parameters_are_refused(centre, params):  # noqa: F811
    answer = signed_in(centre, "dispatcher").get("/api/v1/cases", query_string=params)
    assert answer.status_code == 422, answer.get_data(as_text=True)


def test_a_tab_lists_what_its_count_says(centre, city_sessions):  # noqa: F811
    client = signed_in(centre, "street1")
    page = client.get("/api/v1/cases", query_string={"tab": "in_handling", "limit": 500}).get_json()
    with city_sessions() as session:
        street = session.scalar(select(User.grid_id).where(User.username == "street1"))
        expected = session.scalar(select(func.count()).select_from(Case).where(
            Case.state.in_(("dispatched", "handling")), Case.district_id == street))
    assert expected and page["total"] == expected
    assert {item["state"] for item in page["items"]} <= {"dispatched", "handling"}
    assert {item["district_id"] for item in page["items"]} == {street}
