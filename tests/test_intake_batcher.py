"""Single reports arriving together are written together (group commit), each answered as if alone."""
import threading

import pytest
import shapely
from sqlalchemy import event, func, select

from backend.platform.config import Config
from backend.cases.intake import ReportIn
from backend.cases.batcher import IntakeBatcher
from backend.events.types import EVENT
from backend.geo.locator import GridLocator
from backend.models import Case, Category, Grid, OutboxEvent, Report
from tests.servers import wait_for

CONFIG = Config()


@pytest.fixture
def sessions(city_on_each_database):
    return city_on_each_database


@pytest.fixture
def batcher(sessions):
    with sessions() as session:
        locator = GridLocator.from_session(session)
    return IntakeBatcher(sessions, locator, CONFIG)


@pytest.fixture
def report(sessions):
    """Reports of a minor category at a point inside a unit grid."""
    with sessions() as session:
        unit = session.scalar(select(Grid).where(Grid.level == 3).order_by(Grid.id))
        point = shapely.from_geojson(unit.geometry).point_on_surface()
        code = session.scalar(select(Category.code).where(Category.parent_id.is_not(None)).order_by(Category.id))

    def make(description: str, **fields) -> ReportIn:
        return ReportIn(**{"channel": "handheld", "description": description, "category_code": code,
                           "lon": point.x, "lat": point.y, **fields})

    return make


def commits(sessions) -> list:
    """The commits made through `sessions` from now on (one entry each)."""
    made = []
    event.listen(sessions, "after_commit", lambda session: made.append(session))
    return made


def submit_together(batcher, submissions: list[tuple]) -> list:
    """Each (report, actor, user id, urgency) submitted by a thread of its own while the writer is busy, so
    that the next writer finds them all waiting; answers each result (or exception) in order."""
    results = [None] * len(submissions)

    def submit(index, args):
        try:
            results[index] = batcher.submit(*args)
        except Exception as error:  # the test looks at what each request would have seen
            results[index] = error

    threads = [threading.Thread(target=submit, args=(i, args)) for i, args in enumerate(submissions)]
    with batcher._writer:  # a batch being written: the new reports queue up behind it
        for thread in threads:
            thread.start()
        wait_for(lambda: len(batcher._waiting) == len(threads), "every report to wait for the writer")
    for thread in threads:
        thread.join()
    return results


def test_a_lone_report_is_written_and_committed_at_once(batcher, sessions, report):
    made = commits(sessions)
    result = batcher.submit(report("lone"), "clerk", None)
    assert result.status == "created" and len(made) == 1
    with sessions() as session:
        assert session.get(Case, result.case_id).description == "lone"


def test_reports_waiting_together_are_written_in_one_transaction(batcher, sessions, report):
    made = commits(sessions)
    results = submit_together(batcher, [(report(f"r{i}"), "clerk", None, None) for i in range(6)])
    assert [r.status for r in results] == ["created"] * 6 and len(made) == 1
    with sessions() as session:
        written = dict(session.execute(select(Case.id, Case.description).where(
            Case.id.in_([r.case_id for r in results]))).all())
    assert [written[r.case_id] for r in results] == [f"r{i}" for i in range(6)]  # each its own case


def test_each_report_keeps_its_submitter_and_urgency(batcher, sessions, report):
    with sessions() as session:
        default_urgency = session.scalar(select(Category.urgency).where(Category.code == report("x").category_code))
    results = submit_together(batcher, [(report("plain"), "ann", 1, None), (report("emergency"), "bob", 2, "critical"),
                                        (report("plain too"), "ann", 1, None)])
    with sessions() as session:
        cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_([r.case_id for r in results])))}
        submitters = dict(session.execute(select(Report.case_id, Report.submitted_by_id)).all())
        actors = [cases[r.case_id].events[0].actor_name for r in results]
        announced = dict(session.execute(select(OutboxEvent.case_id, OutboxEvent.payload)).all())
    assert [cases[r.case_id].urgency for r in results] == [default_urgency, "critical", default_urgency]
    assert [EVENT.validate_json(announced[r.case_id]).after.urgency for r in results] == \
        [default_urgency, "critical", default_urgency]  # live screens too
    assert [r.urgency for r in results] == [default_urgency, "critical", default_urgency]
    assert [submitters[r.case_id] for r in results] == [1, 2, 1]
    assert actors == ["ann", "bob", "ann"]


def test_a_report_sent_twice_in_one_batch_opens_one_case(batcher, sessions, report):
    results = submit_together(batcher, [(report("once", client_id="dev:1"), "ann", 1, None),
                                        (report("once", client_id="dev:1"), "ann", 1, None)])
    assert sorted(r.status for r in results) == ["already_applied", "created"]
    assert results[0].case_id == results[1].case_id


def test_a_refused_report_does_not_stop_the_others(batcher, report):
    results = submit_together(batcher, [(report("good"), "ann", 1, None),
                                        (report("bad", lon=0.0, lat=0.0), "ann", 1, None)])
    assert [r.status for r in results] == ["created", "refused"] and results[1].error.field == "lon/lat"


@pytest.mark.parametrize("city_on_each_database", ["postgresql"], indirect=True)
def test_a_report_the_database_rejects_fails_alone(batcher, sessions, report):
    """PostgreSQL refuses text with a NUL character (the API refuses it earlier, at the edge; SQLite stores
    it): the batch's transaction fails, and the batcher writes its reports one by one, so only that request
    gets the error."""
    with sessions() as session:
        before = session.scalar(select(func.count(Case.id)))
    results = submit_together(batcher, [(report("good"), "ann", 1, None), (report("bad\x00"), "ann", 1, None),
                                        (report("also good"), "ann", 1, None)])
    assert results[0].status == "created" and results[2].status == "created"
    assert isinstance(results[1], Exception) and "NUL" in str(results[1])
    with sessions() as session:
        assert session.scalar(select(func.count(Case.id))) == before + 2
