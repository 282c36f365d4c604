"""Two dispatchers clicking at once on PostgreSQL: exactly one wins, the other is told who did."""
import threading
from datetime import datetime, timezone

from sqlalchemy import func, select

from backend.platform.config import Config
from backend.models import Case, CaseEvent, Grid
from backend.geo.scope import Scope
from backend.cases.workflow import Actor, Conflict, NotAllowed, WorkflowError, perform
from tests.conftest import NOW

CONFIG = Config()
RACERS = 8


def race(sessions, case_id: int, action: str, params_for, expected_version: int | None) -> list:
    """Run the same action from RACERS threads released together; each result is 'ok' or the error."""
    barrier = threading.Barrier(RACERS)
    results: list = [None] * RACERS

    def click(index: int) -> None:
        with sessions() as session:
            city = session.scalar(select(Grid).where(Grid.level == 0))
            actor = Actor(name=f"dispatcher-{index}", role="dispatcher", scope=Scope.of_grid(city))
            barrier.wait()
            try:
                perform(session, actor, case_id, action, params_for(index), datetime.now(timezone.utc), CONFIG,
                        expected_version=expected_version)
                session.commit()
                results[index] = "ok"
            except WorkflowError as error:
                session.rollback()
                results[index] = error

    threads = [threading.Thread(target=click, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_actions_on_the_same_version_exactly_one_wins(pg_city):
    with pg_city() as session:
        case = session.scalar(select(Case).where(Case.state == "collected").order_by(Case.id))
        case_id, version = case.id, case.version
    results = race(pg_city, case_id, "register", lambda i: {"note": f"checked by {i}"}, version)
    winners = [i for i, r in enumerate(results) if r == "ok"]
    assert len(winners) == 1
    losers = [r for r in results if r != "ok"]
    assert all(isinstance(r, Conflict) and r.details["changed_by"] == f"dispatcher-{winners[0]}" for r in losers)
    with pg_city() as session:
        assert session.get(Case, case_id).version == version + 1
        assert session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.action == "register")) == 1


def test_concurrent_dispatch_without_version_still_dispatches_once(pg_city):
    with pg_city() as session:
        case = session.scalar(select(Case).where(Case.state == "collected").order_by(Case.id.desc()))
        city = session.scalar(select(Grid).where(Grid.level == 0))
        perform(session, Actor(name="d", role="dispatcher", scope=Scope.of_grid(city)), case.id, "register", {},
                NOW, CONFIG)
        session.commit()
        case_id = case.id
    results = race(pg_city, case_id, "dispatch", lambda i: {}, None)
    assert results.count("ok") == 1
    assert all(isinstance(r, NotAllowed) for r in results if r != "ok")  # the case is no longer 'registered'
    with pg_city() as session:
        assert session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.action == "dispatch")) == 1
