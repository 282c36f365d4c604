"""A report from any channel opens a case in its unit grid, or is refused with nothing written."""
from datetime import datetime, timedelta, timezone

import pytest
import shapely
from pydantic import ValidationError
from sqlalchemy import func, select

from backend.cases.intake import IntakeError, ReportIn, submit_report
from backend.geo.locator import GridLocator
from backend.models import Case, CaseEvent, Category, Grid, Report, User, case_id_from_number
from backend.platform.config import Config
from tests.conftest import NOW

CONFIG = Config()


@pytest.fixture
def world(city_sessions):
    with city_sessions() as session:
        locator = GridLocator.from_session(session)
        unit = session.scalar(select(Grid).where(Grid.level == 3).order_by(Grid.id.desc()))
        point = shapely.from_geojson(unit.geometry).point_on_surface()
        category = session.scalar(select(Category).where(Category.parent_id.is_not(None)))
        return city_sessions, locator, unit, (point.x, point.y), category


def _counts(session):
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Case, CaseEvent, Report))


def test_report_opens_a_collected_case_in_its_unit_grid_with_history(world):
    sessions, locator, unit, (lon, lat), category = world
    with sessions() as session:
        case = submit_report(session, ReportIn(channel="hotline", description="路灯不亮", category_code=category.code,
                                               lon=lon, lat=lat, reporter_phone="13800000000"), locator, NOW, CONFIG)
        session.commit()
        case = session.get(Case, case.id)
        report = session.scalar(select(Report).where(Report.case_id == case.id))
        assert (case.state, case.grid_id, case.community_id) == ("collected", unit.id, unit.parent_id)
        assert case.urgency == category.urgency and case.handling_level == category.handling_level
        assert [(e.action, e.to_state) for e in case.events] == [("collect", "collected")]
        assert report.grid_id == unit.id and report.reporter_phone == "13800000000"
        assert case_id_from_number(case.number) == case.id and case.number.startswith("20261126-")


def test_report_without_location_is_placed_at_the_city_only(world):
    sessions, locator, _, _, category = world
    with sessions() as session:
        case = submit_report(session, ReportIn(channel="sms", description="噪音扰民", category_code=category.code),
                             locator, NOW, CONFIG)
        assert (case.city_id, case.district_id, case.grid_id) == (locator.root_id, None, None)


@pytest.mark.parametrize("field, values", [
    ("lon/lat", {"lon": 0.0, "lat": 0.0}),
    ("category_code", {"category_code": "NO-SUCH"}),
])
def test_refused_report_writes_nothing(world, field, values):
    sessions, locator, _, (lon, lat), category = world
    fields = {"channel": "web", "description": "x", "category_code": category.code, "lon": lon, "lat": lat} | values
    with sessions() as session:
        before = _counts(session)
        with pytest.raises(IntakeError) as refused:
            submit_report(session, ReportIn(**fields), locator, NOW, CONFIG)
        session.rollback()
        assert refused.value.field == field
        assert _counts(session) == before


def test_major_category_is_not_accepted_for_a_case(world):
    sessions, locator, _, _, _ = world
    with sessions() as session:
        major = session.scalar(select(Category).where(Category.parent_id.is_(None)))
        with pytest.raises(IntakeError, match="GET /api/v1/categories"):
            submit_report(session, ReportIn(channel="web", description="x", category_code=major.code), locator, NOW, CONFIG)


@pytest.mark.parametrize("bad", [
    {"channel": "pigeon"}, {"description": ""}, {"lon": 113.6}, {"lat": 95.0, "lon": 1.0},
    {"reporter_phone": "call me"}, {"unexpected": 1},
])
def test_malformed_report_is_rejected_at_the_edge(bad):
    with pytest.raises(ValidationError):
        ReportIn(**({"channel": "web", "description": "x", "category_code": "CA-01-01"} | bad))


def test_report_near_an_open_case_of_the_same_category_is_flagged_as_duplicate(world):
    sessions, locator, _, (lon, lat), category = world
    with sessions() as session:
        first = submit_report(session, ReportIn(channel="web", description="a", category_code=category.code,
                                                lon=lon, lat=lat), locator, NOW, CONFIG)
        near = submit_report(session, ReportIn(channel="sms", description="b", category_code=category.code,
                                               lon=lon + 0.0005, lat=lat), locator, NOW, CONFIG)
        later = submit_report(session, ReportIn(channel="sms", description="c", category_code=category.code,
                                                lon=lon, lat=lat), locator, NOW + timedelta(days=2), CONFIG)
    assert near.duplicate_of_id == first.id  # about 45 m away, same day
    assert later.duplicate_of_id is None  # outside the 24 h window


def test_offline_report_sent_twice_is_applied_once(world):
    sessions, locator, _, (lon, lat), category = world
    report = ReportIn(channel="handheld", description="井盖缺失", category_code=category.code, lon=lon, lat=lat,
                      client_id="device-7:42")
    with sessions() as session:
        before = _counts(session)
        first = submit_report(session, report, locator, NOW, CONFIG, submitted_by_id=1)
        again = submit_report(session, report, locator, NOW, CONFIG, submitted_by_id=1)
        assert again.id == first.id
        assert _counts(session) == tuple(n + 1 for n in before)


def test_batch_on_postgresql_writes_each_report_once_with_its_history(postgres_url):
    from backend.platform.db import make_engine, session_factory
    from backend.cases.intake import submit_reports
    from backend.platform.migrate import upgrade
    from backend.demo.seed import seed_city

    engine = make_engine(postgres_url)
    upgrade(engine)
    seed_city(engine, "small", 1, NOW, demo_users=True)
    sessions = session_factory(engine)
    with sessions() as session:
        locator = GridLocator.from_session(session)
        unit = session.scalar(select(Grid).where(Grid.level == 3))
        point = shapely.from_geojson(unit.geometry).point_on_surface()
        category = session.scalar(select(Category).where(Category.parent_id.is_not(None)))
    batch = [ReportIn(channel="handheld", description=f"r{i}", category_code=category.code, lon=point.x, lat=point.y,
                      client_id=f"dev:{i}") for i in range(20)]
    batch.insert(5, ReportIn(channel="handheld", description="bad", category_code="NO-SUCH", client_id="dev:bad"))
    with sessions() as session:
        first = submit_reports(session, batch, locator, NOW, CONFIG, submitted_by_id=1)
        session.commit()
    with sessions() as session:
        again = submit_reports(session, batch, locator, NOW, CONFIG, submitted_by_id=1)
        session.commit()
        created = [r for r in first if r.status == "created"]
        assert len(created) == 20 and first[5].status == "refused" and first[5].error.field == "category_code"
        assert [r.case_id for r in again if r.status == "already_applied"] == [r.case_id for r in created]
        cases = session.scalars(select(Case).where(Case.id.in_([r.case_id for r in created]))).all()
        assert all(c.grid_id == unit.id and [e.action for e in c.events] == ["collect"] for c in cases)
        assert session.scalar(select(func.count()).select_from(Report).where(Report.client_id.like("dev:%"))) == 20
    engine.dispose()


def test_a_client_id_repeated_within_one_batch_opens_one_case(world):
    from backend.cases.intake import submit_reports

    sessions, locator, _, (lon, lat), category = world
    report = ReportIn(channel="handheld", description="路面坑洼", category_code=category.code, lon=lon, lat=lat,
                      client_id="device-9:1")
    with sessions() as session:
        before = _counts(session)
        first, again = submit_reports(session, [report, report], locator, NOW, CONFIG, submitted_by_id=1)
        assert (first.status, again.status) == ("created", "already_applied")
        assert again.case_id == first.case_id
        assert _counts(session) == tuple(n + 1 for n in before)


def test_a_users_report_must_lie_in_the_users_scope_and_the_systems_anywhere(world):
    from backend.cases.intake import submit_reports

    sessions, locator, unit, (lon, lat), category = world
    with sessions() as session:
        worker = session.scalar(select(User).where(User.username == "gridworker"))
        assert worker.grid_id != unit.id
        reports = [ReportIn(channel="handheld", description="x", category_code=category.code, lon=lon, lat=lat),
                   ReportIn(channel="handheld", description="x", category_code=category.code, address="1 Road")]
        before = _counts(session)
        refused = submit_reports(session, reports, locator, NOW, CONFIG, submitted_by_id=worker.id)
        assert [(r.status, r.error.field) for r in refused] == [("refused", "lon/lat")] * 2
        assert _counts(session) == before
        assert [r.status for r in submit_reports(session, reports, locator, NOW, CONFIG)] == ["created"] * 2


def test_a_case_number_names_the_local_day_it_was_opened(world):
    """A case opened at 04:03 on 2 December in Shanghai is 20261202-…, though it is still 1 December in UTC."""
    sessions, locator, unit, (lon, lat), category = world
    early = datetime(2026, 12, 1, 20, 3, tzinfo=timezone.utc)
    with sessions() as session:
        case = submit_report(session, ReportIn(channel="hotline", description="路灯不亮", category_code=category.code,
                                               lon=lon, lat=lat), locator, early, CONFIG)
        session.commit()
        assert session.get(Case, case.id).number == case.number == f"20261202-{case.id:06d}"
