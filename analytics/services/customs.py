"""Customs decisions counted for the lane mix and the holds and rejections by reason."""

from collections import Counter

from django.utils import timezone

from customs.models import Declaration, DeclarationTransition
from customs.selectors import declaration_transitions_latest, declarations_by_id

from ..models import CustomsDay
from .rollups import upsert_rows


def customs_decisions_count(*, decisions: list[tuple[int, str]]) -> None:
    """Count decisions, each (declaration id, status): one per event (the outbox delivers
    each event to a subscriber exactly once, in the same transaction as this count). A batch
    of them costs two reads and one upsert per day, lane and reason, whatever its size."""
    ids = {declaration_id for declaration_id, _status in decisions}
    declarations = declarations_by_id(declaration_ids=ids)
    latest = declaration_transitions_latest(
        declaration_ids=ids, statuses={status for _id, status in decisions}
    )
    counts = Counter(
        _key(declarations[declaration_id], status, latest.get((declaration_id, status)))
        for declaration_id, status in decisions
    )
    # in key order: two workers' batches take the rollup rows' locks in the same order
    upsert_rows(CustomsDay, [(key, {"count": n}, {}) for key, n in sorted(counts.items())])


def _key(declaration: Declaration, status: str, step: DeclarationTransition | None) -> tuple:
    order = declaration.order
    side = "export" if declaration.regime.endswith("_EXPORT") else "import"
    # a release needs no reason in the table
    reason = (step.public_reason if step and status != "released" else "")[:200]
    decided = step.created_at if step else timezone.now()  # the decision's day, not delivery's
    return (
        timezone.localtime(decided).date(),
        side,
        declaration.hub.code,
        order.origin_hub.code if order else declaration.hub.code,
        order.destination_hub.country.code if order else "",
        declaration.organization.sector if declaration.organization_id else "",
        declaration.lane or "-",
        status,
        reason,
    )
