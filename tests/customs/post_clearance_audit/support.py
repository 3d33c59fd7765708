"""Events delivered as the worker would, and a declaration released into the worklist."""

from customs.models import Declaration, PostClearanceAudit, RiskRule
from customs.services.filing import declaration_create
from ewtp.common.models import OutboxEvent
from ewtp.common.outbox import outbox_dispatch

from ..support import submit_and_process, with_agreeing_records
from ..test_declarations import request


def deliver_events() -> int:
    """What the worker does after each commit: every pending event to its subscribers."""
    delivered = 0
    for pk in OutboxEvent.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        delivered += outbox_dispatch(event_id=pk.pk)
    return delivered


def released(hgh, lane="blue", **changes) -> Declaration:
    """A CBEC import of a 180.00 CNY scarf released in ``lane``: blue, as a new exporter's
    first shipment is; green with that rule off."""
    if lane == "green":
        RiskRule.objects.filter(code="new_exporter").update(enabled=False)
    declaration = declaration_create(request=request(hgh, **changes), actor_label="t")
    declaration = submit_and_process(with_agreeing_records(declaration))
    assert (declaration.status, declaration.lane) == ("released", lane)
    deliver_events()
    return declaration


def to_audit(hgh, seller, **changes) -> PostClearanceAudit:
    declaration = released(hgh, organization=seller, **changes)
    return PostClearanceAudit.objects.get(declaration=declaration)
