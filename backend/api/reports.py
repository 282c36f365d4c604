"""Reports from any channel: one, an emergency, or a device's offline batch (all via `intake.submit_reports`)."""
from __future__ import annotations

from pydantic import ValidationError

from dashboard import context
from backend.api.errors import invalid
from backend.api.registry import endpoint
from backend.platform.db import begin_writing
from backend.api.schemas import BatchIn, BatchItem, BatchOut, BatchResult, ReportCreated
from backend.cases import queries
from backend.cases.schemas import GridRef
from backend.cases.intake import ReportIn, Submitted, submit_reports

# What the batch answers for each backend outcome.
BATCH_STATUS = {"created": "created", "already_applied": "resent", "refused": "error"}


def _created(result: Submitted) -> ReportCreated:
    """A new case, described from what intake has just written (no need to read it back)."""
    grid = context.locator().names.get(result.grid_id)
    return ReportCreated(id=result.case_id, number=result.number, state="collected", urgency=result.urgency,
                         grid=GridRef.model_validate(grid) if grid else None, duplicate_of=result.duplicate_of,
                         resent=False)


def _resent(result: Submitted) -> ReportCreated:
    """A report sent before: its case as it is now, as the sender's scope shows it (intake refuses a resend
    whose case has left the scope)."""
    with context.session() as session:
        case = queries.summary(session, context.actor().scope, result.case_id)
    return ReportCreated(id=case.id, number=case.number, state=case.state, urgency=case.urgency, grid=case.grid,
                         duplicate_of=case.duplicate_of, resent=True)


def _report(body: ReportIn, urgency: str | None = None) -> ReportCreated:
    actor = context.actor()
    result = context.intake().submit(body, actor.name, actor.user_id, urgency)
    if result.error is not None:
        raise result.error
    return _resent(result) if result.status == "already_applied" else _created(result)


@endpoint("POST", "/reports", tag="reports", response=ReportCreated, status=201, body=ReportIn)
def create_report(body: ReportIn) -> ReportCreated:
    """Report a problem: it opens a case awaiting registration (resending the same client_id is harmless)."""
    return _report(body)


@endpoint("POST", "/reports/emergency", tag="handheld", response=ReportCreated, status=201, body=ReportIn)
def create_emergency(body: ReportIn) -> ReportCreated:
    """Emergency report from the field: a case with urgency critical."""
    # Urgency is a property of the case, not a workflow step: setting it in the same
    # transaction as the intake is the honest minimum. Registering it here would skip
    # the centre's check (valid? duplicate?) that registration stands for.
    return _report(body, urgency="critical")


def _item(raw: dict) -> BatchItem | BatchResult:
    """A valid item, or the error answered in its place."""
    try:
        return BatchItem.model_validate(raw)
    except ValidationError as error:
        client_id = raw.get("client_id") if isinstance(raw.get("client_id"), str) else None
        return BatchResult(client_id=client_id, status="error", error=str(invalid(error)))


@endpoint("POST", "/reports/batch", tag="handheld", response=BatchOut, body=BatchIn)
def create_batch(body: BatchIn) -> BatchOut:
    """A device's offline queue: each report is applied once, however often the batch is sent."""
    items = [_item(raw) for raw in body.reports]
    valid = [item for item in items if isinstance(item, BatchItem)]
    actor = context.actor()
    with context.session() as session:
        begin_writing(session)
        submitted = iter(submit_reports(session, valid, context.locator(), context.now(), context.config(),
                                        actor_name=actor.name, submitted_by_id=actor.user_id))
        session.commit()
    results = []
    for item in items:
        if isinstance(item, BatchResult):
            results.append(item)
            continue
        result = next(submitted)
        results.append(BatchResult(client_id=item.client_id, case_id=result.case_id, number=result.number,
                                   status=BATCH_STATUS[result.status],
                                   error=str(result.error) if result.error else None))
    return BatchOut(items=results)
