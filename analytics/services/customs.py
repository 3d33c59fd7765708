"""Customs decisions counted for the lane mix and the holds and rejections by reason."""

from django.utils import timezone

from customs.models import Declaration, DeclarationTransition

from ..models import CustomsDay
from .rollups import upsert_rows


def customs_decision_count(*, declaration_id: int, status: str) -> None:
    """Count one decision. Called once per decision (the outbox delivers each event to a
    subscriber exactly once, in the same transaction as this count)."""
    declaration = Declaration.objects.select_related(
        "hub", "order__origin_hub", "order__destination_hub", "organization"
    ).get(pk=declaration_id)
    order = declaration.order
    side = "export" if declaration.regime.endswith("_EXPORT") else "import"
    step = (
        DeclarationTransition.objects.filter(declaration=declaration, to_status=status)
        .order_by("-created_at", "-id")
        .first()
    )
    # a release needs no reason in the table
    reason = (step.public_reason if step and status != "released" else "")[:200]
    decided = step.created_at if step else timezone.now()  # the decision's day, not delivery's
    key = (
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
    upsert_rows(CustomsDay, [(key, {"count": 1}, {})])
