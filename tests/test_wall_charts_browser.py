"""The wall's charts follow the stream: a report submitted through the API raises today's line and its
category's bar on an open wall, with no reload and no request from the wall."""
from datetime import UTC, datetime

import requests
from playwright.sync_api import expect

from backend.accounts.tokens import issue_token
from tests.test_live_wall_browser import open_live_wall, relay  # noqa: F401 (relay: a fixture)

# What the charts show, read off the plotly figures in the page: today's reports (the third trace of the hourly
# chart, after a week ago's two lines) and the reports on the category bars.
TODAY = """() => {
    const hours = document.querySelector('#wall-chart-hours .js-plotly-plot');
    const categories = document.querySelector('#wall-chart-categories .js-plotly-plot');
    if (!hours?.data?.length || !categories?.data?.length) return null;
    const sum = (values) => values.reduce((total, n) => total + (n || 0), 0);
    return [sum(hours.data[2].y), sum(categories.data[0].x)];
}"""


def test_a_report_raises_the_hourly_line_and_its_category_without_reload(live, relay, page, city_sessions):  # noqa: F811
    base, _ = live
    with city_sessions() as session:
        token = issue_token(session, "dispatcher", "test", datetime.now(UTC))
        session.commit()
    open_live_wall(page, base)
    page.wait_for_function(f"({TODAY})() !== null")
    reports, categorised = page.evaluate(TODAY)
    wall_requests: list[str] = []
    page.on("request", lambda request: wall_requests.append(request.url) if "_dash-update" in request.url else None)

    created = requests.post(f"{base}/api/v1/reports", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                            json={"channel": "web", "description": "路灯不亮", "category_code": "CA-01-01"})
    assert created.status_code == 201
    expect(page.locator("#wall-kpi-reports_today")).to_have_text(str(reports + 1))
    page.wait_for_function(f"(() => {{ const v = ({TODAY})(); return v[0] === {reports + 1} && "
                           f"v[1] === {categorised + 1}; }})")
    assert wall_requests == []
    assert page.console_errors == []
