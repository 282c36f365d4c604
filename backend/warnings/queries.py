"""Warning reads, always inside a scope: pages, one warning, its history, the preview of a draft and its SMS."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.cases.schemas import GridRef
from backend.cases.workflow import Actor, Forbidden, InvalidParams
from backend.accounts.permissions import may
from backend.models import EarlyWarning, Grid, WarningEvent
from backend.warnings import recipients, sms
from backend.warnings.schemas import (GridRecipientsOut, HistoryEntry, HistoryOut, PersonRef, PreviewOut, SmsOut,
                                      TargetOut, WarningOut, WarningPage, WarningQuery)
from backend.warnings.workflow import DraftParams, allowed_actions, check_draft, load, visible

LEVEL_NAMES = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
TYPE_NAMES = {"weather": "气象", "flood": "洪水", "geological": "地质灾害", "fire": "火灾", "public_security": "治安",
              "epidemic": "疫情", "other": "其他"}


def require_view(actor: Actor) -> None:
    if not may(actor.role, "view_warnings"):
        raise Forbidden(f"a {actor.role} may not see warnings")


def sms_text(template: str | None, level: str, type_: str, message: str, grids: list[Grid], starts_at: datetime,
             ends_at: datetime, timezone: str) -> SmsOut:
    zone = ZoneInfo(timezone)
    values = {"level": LEVEL_NAMES[level], "type": TYPE_NAMES[type_], "message": message,
              "area": "、".join(g.name for g in grids), "start": f"{starts_at.astimezone(zone):%m-%d %H:%M}",
              "end": f"{ends_at.astimezone(zone):%m-%d %H:%M}"}
    try:
        measured = sms.measure(sms.render(template or sms.DEFAULT_TEMPLATE, values))
    except sms.TemplateError as error:
        raise InvalidParams(str(error), field="sms_template") from None
    return SmsOut(text=measured.text, characters=measured.characters, encoding=measured.encoding,
                  parts=measured.parts)


def _grids(session: Session, ids: list[int]) -> list[Grid]:
    return list(session.scalars(select(Grid).where(Grid.id.in_(ids)).order_by(Grid.code))) if ids else []


def warning_out(session: Session, actor: Actor, warning: EarlyWarning, timezone: str) -> WarningOut:
    grids = {g.id: g for g in _grids(session, [t.grid_id for t in warning.targets])}
    return WarningOut.of(
        warning, targets=[TargetOut(grid=GridRef.of(grids[t.grid_id]), subtree=t.subtree) for t in warning.targets],
        sms=sms_text(warning.sms_template, warning.level, warning.type, warning.message, list(grids.values()),
                     warning.starts_at, warning.ends_at, timezone),
        allowed_actions=allowed_actions(session, warning, actor))


def one(session: Session, actor: Actor, warning_id: int, timezone: str) -> WarningOut:
    require_view(actor)
    return warning_out(session, actor, load(session, actor, warning_id), timezone)


def page(session: Session, actor: Actor, query: WarningQuery, timezone: str) -> WarningPage:
    """Warnings the actor sees, newest first."""
    require_view(actor)
    where = [visible(actor.scope)] + ([EarlyWarning.status.in_(query.status)] if query.status else [])
    total = session.scalar(select(func.count()).select_from(EarlyWarning).where(*where))
    rows = session.scalars(select(EarlyWarning).where(*where).order_by(EarlyWarning.created_at.desc(),
                                                                         EarlyWarning.id.desc())
                           .limit(query.limit).offset(query.offset))
    return WarningPage(total=total, limit=query.limit, offset=query.offset,
                       items=[warning_out(session, actor, w, timezone) for w in rows])


def history(session: Session, actor: Actor, warning_id: int) -> HistoryOut:
    require_view(actor)
    warning = load(session, actor, warning_id)
    rows = session.scalars(select(WarningEvent).where(WarningEvent.warning_id == warning.id)
                           .order_by(WarningEvent.id))
    return HistoryOut(items=[HistoryEntry.of(e, before=json.loads(e.before) if e.before else None,
                                             after=json.loads(e.after)) for e in rows])


def person_refs(session: Session, person_ids) -> list[PersonRef]:
    return [PersonRef.of(p) for p in recipients.names(session, person_ids)]


def preview(session: Session, actor: Actor, params: DraftParams, now: datetime, timezone: str) -> PreviewOut:
    """Exactly who a draft would reach, per target and in all, and its SMS; refused as `create` would refuse it."""
    grids = check_draft(session, actor, params, now)
    targets = [(t.grid_id, t.subtree) for t in params.targets]
    per_grid = recipients.per_grid(session, targets)
    by_id = {g.id: g for g in grids}
    everyone = set().union(*(set(r.person_ids) for r in per_grid))
    return PreviewOut(
        per_grid=[GridRecipientsOut(grid=GridRef.of(by_id[r.grid_id]), subtree=r.subtree, count=r.count)
                  for r in per_grid],
        total=len(everyone), persons=person_refs(session, everyone),
        sms=sms_text(params.sms_template, params.level, params.type, params.message,
                     sorted(grids, key=lambda g: g.code), max(params.starts_at, now), params.ends_at, timezone))
