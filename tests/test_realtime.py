"""Live updates over Socket.IO with real clients: only signed-in users, only their scope, nothing missed;
who is online; and resuming over HTTP as browsers do."""
from datetime import datetime, timezone

import pytest
import requests
import shapely
import socketio
from sqlalchemy import select

from backend.platform.config import Config
from backend.cases.intake import ReportIn, submit_report
from backend.models import Category, Grid, User
from backend.accounts.tokens import issue_token
from tests.servers import wait_for

CONFIG = Config()
WAIT = 10  # seconds a client waits for a message before the test fails


def token_for(sessions, username: str) -> str:
    with sessions() as session:
        token = issue_token(session, username, "test", datetime.now(timezone.utc))
        session.commit()
        return token


def connect(base: str, token: str | None, last_id: str | None = None) -> socketio.SimpleClient:
    client = socketio.SimpleClient()
    client.connect(base, headers={"Authorization": f"Bearer {token}"} if token else {},
                   auth={"last_id": last_id} if last_id else None, transports=["polling"], wait_timeout=WAIT)
    return client


def leave(client: socketio.SimpleClient) -> None:
    """Disconnect once the client has sent all it queued. python-engineio's client drops its goodbye when
    disconnect() comes while its writer is still finishing a send (as right after connecting: the connect request
    is still in flight when the greeting arrives); the server then learns of the departure only when pings go
    unanswered, 45 s later."""
    wait_for(lambda: client.client.eio.queue.unfinished_tasks == 0, "the client to send what it queued")
    client.disconnect()


def receive(client: socketio.SimpleClient, name: str):
    """The next message `name`; presence updates are skipped when waiting for anything else, and greetings
    when waiting for presence."""
    skipped = "hello" if name == "presence" else "presence"
    event, data = client.receive(timeout=WAIT)
    while event == skipped:
        event, data = client.receive(timeout=WAIT)
    assert event == name, (event, data)
    return data


def report_in(sessions, centre, district_id: int) -> int:
    """A new report in the district (its first unit grid), committed, then pushed by the relay."""
    with sessions() as session:
        unit = session.scalar(select(Grid).where(Grid.level == 3, Grid.code.startswith(
            session.get(Grid, district_id).code + "-")))
        point = shapely.from_geojson(unit.geometry).point_on_surface()
        category = session.scalar(select(Category.code).where(Category.parent_id.is_not(None)))
        case = submit_report(session, ReportIn(channel="web", description="live", category_code=category,
                                               lon=point.x, lat=point.y), centre.locator, datetime.now(timezone.utc),
                             CONFIG)
        session.commit()
        case_id = case.id
    centre.relay.publish_pending()
    return case_id


@pytest.fixture
def streets(city_sessions):
    with city_sessions() as session:
        users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(["street1", "street2"])))}
        return users["street1"].grid_id, users["street2"].grid_id


def test_an_anonymous_client_cannot_connect(live):
    base, _ = live
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(base, None)


def test_a_street_receives_its_own_cases_and_never_another_streets(live, city_sessions, streets):
    base, centre = live
    street1, street2 = streets
    one = connect(base, token_for(city_sessions, "street1"))
    two = connect(base, token_for(city_sessions, "street2"))
    city = connect(base, token_for(city_sessions, "dispatcher"))
    for client in (one, two, city):
        receive(client, "hello")
    first = report_in(city_sessions, centre, street1)
    second = report_in(city_sessions, centre, street2)
    assert [e["case_id"] for e in receive(one, "events")] == [first]
    # Messages on one connection arrive in order: street 2's first event is its own.
    assert [e["case_id"] for e in receive(two, "events")] == [second]
    assert [e["case_id"] for e in receive(city, "events") + receive(city, "events")] == [first, second]
    for client in (one, two, city):
        client.disconnect()


def test_a_reconnecting_client_receives_what_it_missed_in_order(live, city_sessions, streets):
    base, centre = live
    token = token_for(city_sessions, "dispatcher")
    client = connect(base, token)
    last_id = receive(client, "hello")["last_id"]
    client.disconnect()
    missed = [report_in(city_sessions, centre, district) for district in streets]
    client = connect(base, token, last_id=last_id or "0-0")
    caught_up = receive(client, "events")
    assert [e["case_id"] for e in caught_up] == missed
    assert [int(e["id"].split("-")[0]) for e in caught_up] == sorted(int(e["id"].split("-")[0]) for e in caught_up)
    receive(client, "hello")
    client.disconnect()


def test_a_client_whose_last_event_the_stream_no_longer_holds_is_told_to_reload(live, city_sessions):
    base, _ = live
    client = connect(base, token_for(city_sessions, "dispatcher"), last_id="999999-0")
    assert "reason" in receive(client, "reload")
    client.disconnect()


def test_catch_up_is_scoped_too(live, city_sessions, streets):
    base, centre = live
    street1, street2 = streets
    start = centre.bus.last_id() or "0-0"
    report_in(city_sessions, centre, street2)
    mine = report_in(city_sessions, centre, street1)
    client = connect(base, token_for(city_sessions, "street1"), last_id=start)
    assert [e["case_id"] for e in receive(client, "events")] == [mine]
    client.disconnect()


def names_online(client: socketio.SimpleClient) -> list[str]:
    return [person["name"] for person in receive(client, "presence")]


def test_each_screen_sees_who_is_online_in_its_scope_and_no_one_outside_it(live, city_sessions):
    base, _ = live
    with city_sessions() as session:
        names = dict(session.execute(select(User.username, User.display_name)).all())
    city = connect(base, token_for(city_sessions, "dispatcher"))
    assert names_online(city) == [names["dispatcher"]]
    one = connect(base, token_for(city_sessions, "street1"))
    assert names_online(one) == [names["street1"]]  # the city's dispatcher is above the street's scope
    assert sorted(names_online(city)) == sorted([names["dispatcher"], names["street1"]])
    two = connect(base, token_for(city_sessions, "street2"))
    assert names_online(two) == [names["street2"]]  # never another street's people
    assert sorted(names_online(city)) == sorted([names["dispatcher"], names["street1"], names["street2"]])
    second_screen = connect(base, token_for(city_sessions, "street1"))
    assert names_online(second_screen) == [names["street1"]]  # two screens, one person
    leave(second_screen)
    leave(one)
    city_view = names_online(city)
    while names["street1"] in city_view:  # the second screen's departure comes first
        city_view = names_online(city)
    assert sorted(city_view) == sorted([names["dispatcher"], names["street2"]])
    with pytest.raises(socketio.exceptions.TimeoutError):  # street 1 left: street 2's room hears nothing of it
        two.receive(timeout=0.5)
    for client in (two, city):
        client.disconnect()


def test_a_browser_resumes_over_http_with_what_it_missed_in_its_scope(live, city_sessions, streets):
    base, centre = live
    street1, street2 = streets
    bearer = {"Authorization": f"Bearer {token_for(city_sessions, 'street1')}"}
    start = centre.bus.last_id()
    report_in(city_sessions, centre, street2)
    mine = report_in(city_sessions, centre, street1)
    answer = requests.get(f"{base}/api/v1/events", params={"after": start}, headers=bearer).json()
    assert answer["reload"] is False and [e["case_id"] for e in answer["events"]] == [mine]
    assert answer["last_id"] == centre.bus.last_id() and answer["events"][0]["id"] != start
    nothing_new = requests.get(f"{base}/api/v1/events", params={"after": answer["last_id"]}, headers=bearer).json()
    assert nothing_new == {"events": [], "reload": False, "last_id": answer["last_id"]}


def test_a_browser_whose_last_event_is_gone_is_told_to_reload_and_where_to_go_on(live, city_sessions):
    base, centre = live
    bearer = {"Authorization": f"Bearer {token_for(city_sessions, 'dispatcher')}"}
    gone = "999999-" + centre.bus.last_id().split("-")[1]
    answer = requests.get(f"{base}/api/v1/events", params={"after": gone}, headers=bearer).json()
    assert answer == {"events": [], "reload": True, "last_id": centre.bus.last_id()}
    bad = requests.get(f"{base}/api/v1/events", params={"after": "yesterday"}, headers=bearer)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "after"


def test_a_browser_is_told_to_reload_when_the_stream_holds_events_of_an_older_shape(live, city_sessions):
    """After an upgrade the stream may still hold events published by the previous version: they cannot be
    applied as they are, so the browser reads its state afresh instead."""
    base, centre = live
    bearer = {"Authorization": f"Bearer {token_for(city_sessions, 'dispatcher')}"}
    with city_sessions() as session:
        city_id = session.scalar(select(Grid.id).where(Grid.parent_id.is_(None)))
    start = centre.bus.last_id()
    centre.bus.publish({"kind": "case.collect", "case_id": 1, "state": "collected", "city_id": city_id,
                        "district_id": None, "community_id": None, "grid_id": None, "outbox_id": 1})
    answer = requests.get(f"{base}/api/v1/events", params={"after": start}, headers=bearer).json()
    assert answer == {"events": [], "reload": True, "last_id": centre.bus.last_id()}
