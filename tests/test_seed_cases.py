"""`seed --cases N`: a history of any size whose every case agrees with its own events."""
import pytest
from sqlalchemy import func, select

from backend.demo.seed import seed_city
from backend.models import Case, CaseEvent, Report
from backend.platform.db import make_engine, session_factory
from backend.platform.migrate import upgrade
from dashboard.cli import main
from tests.conftest import NOW


def _seeded(url: str, count: int):
    engine = make_engine(url)
    upgrade(engine)
    seed_city(engine, "small", 1, NOW, demo_users=True, cases=count)
    return engine


def _assert_consistent_history(engine, count: int) -> None:
    with session_factory(engine)() as session:
        last_event = (select(CaseEvent.case_id, func.max(CaseEvent.id).label("last"))
                      .group_by(CaseEvent.case_id).subquery())
        mismatched = session.scalar(
            select(func.count()).select_from(Case)
            .join(last_event, last_event.c.case_id == Case.id)
            .join(CaseEvent, CaseEvent.id == last_event.c.last)
            .where(CaseEvent.to_state != Case.state))
        without_events = session.scalar(select(func.count()).select_from(Case).where(
            ~Case.id.in_(select(CaseEvent.case_id))))
        by_state = dict(session.execute(select(Case.state, func.count()).group_by(Case.state)).all())
        closed_without_time = session.scalar(select(func.count()).select_from(Case).where(
            Case.state == "closed", Case.closed_at.is_(None)))
        open_with_closing = session.scalar(select(func.count()).select_from(Case).where(
            Case.state != "closed", Case.closed_at.is_not(None)))
        merged = session.scalar(select(func.count()).select_from(Case).where(Case.merged_into_id.is_not(None)))
        reports = session.scalar(select(func.count()).select_from(Report))
        phones = session.scalar(select(func.count()).select_from(Report).where(Report.reporter_phone.is_not(None)))
        first_actions = set(session.scalars(select(CaseEvent.action).where(CaseEvent.from_state.is_(None))))
        cards = set(session.scalars(select(Case.card).where(Case.state.not_in(["closed", "cancelled"])).distinct()))
    total = sum(by_state.values())
    assert count * 0.99 <= total <= count  # only the draws that fall after `now` are dropped
    assert mismatched == 0 and without_events == 0
    assert closed_without_time == 0 and open_with_closing == 0
    assert 0.80 < by_state["closed"] / total < 0.97
    assert 0.03 < by_state["cancelled"] / total < 0.12
    assert sum(by_state.get(s, 0) for s in ("handling", "fed_back", "dispatched", "registered", "collected")) > 0
    assert merged > 0 and reports == total and 0 < phones < total
    assert first_actions == {"collect"}
    assert "red" in cards or "yellow" in cards


def test_seed_cases_on_sqlite_gives_each_case_the_state_of_its_last_event(tmp_path):
    engine = _seeded(f"sqlite:///{tmp_path / 'cases.sqlite'}", 2000)
    try:
        _assert_consistent_history(engine, 2000)
    finally:
        engine.dispose()


def test_seed_cases_on_postgresql_gives_each_case_the_state_of_its_last_event(postgres_url):
    engine = _seeded(postgres_url, 2000)
    try:
        _assert_consistent_history(engine, 2000)
    finally:
        engine.dispose()


@pytest.mark.parametrize("bad", ["-1", "lots", "1.5", "99999999"])
def test_the_command_refuses_a_bad_number_of_cases_saying_what_it_takes(bad, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'no.sqlite'}")
    with pytest.raises(SystemExit) as exit_:
        main(["seed", "--cases", bad])
    assert exit_.value.code == 2
    assert "--cases: must be a whole number from 0 to 5,000,000" in capsys.readouterr().err
    assert not (tmp_path / "no.sqlite").exists()
