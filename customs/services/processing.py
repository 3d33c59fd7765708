"""What the automatic steps of clearance (customs/services/clearance.py) do to one declaration
beside the batch's own work: find the import items without a tariff line in force and ask
the destination's officers to classify them, and build the consignment the duty engine
assesses (at filing, and again after release for a post-clearance audit)."""

from decimal import Decimal

from ewtp.common.audit import audit_record
from ewtp.common.outbox import event_record
from hubs.hs import hs_subheadings

from ..events import ClassificationNeeded
from ..models import Classification, Declaration, DeclarationItem
from .duty import EXPORT_REGIMES, REGIMES, Consignment, Item
from .moves import declaration_transition
from .tariff_in_force import classified_line, tariff_line_or_none


def items_unclassified(declaration: Declaration, items: list[DeclarationItem]) -> list:
    """The items of an import with no tariff line in force, decided by an officer or in the
    tariff: they wait for the officers' classification."""
    if declaration.regime in EXPORT_REGIMES:
        return []
    country = REGIMES[declaration.regime]
    return [
        item
        for item in items
        # a code outside the nomenclature is not classified but refused (by the engine)
        if item.hs_code[:6] in hs_subheadings()
        and classified_line(item, country, declaration.declared_on) is None
        and tariff_line_or_none(country, item.hs_code, declaration.declared_on) is None
    ]


def classification_request(declaration: Declaration, missing: list[DeclarationItem]) -> None:
    """Open a classification request for each item of an import without a line in force
    (items_unclassified) and move the declaration to CLASSIFY, for the officers."""
    country = REGIMES[declaration.regime]
    reason = "; ".join(
        f"Item {item.line_no} (HS {item.hs_code}): no {country} tariff line in force on "
        f"{declaration.declared_on.isoformat()}"
        for item in missing
    ) + (
        f". The customs officers at {declaration.hub.code} classify the goods; the "
        "declaration continues as soon as they have."
    )
    for item in missing:
        request, created = Classification.objects.get_or_create(
            item=item, defaults={"declaration": declaration, "hs_code": item.hs_code}
        )
        if created:
            audit_record(
                actor=None,
                actor_label="duty engine",
                action="customs.classification.opened",
                target=request,
                reason=f"No {country} tariff line in force for HS {item.hs_code}",
                data={"declaration": declaration.reference, "item": item.line_no},
            )
    declaration_transition(
        declaration=declaration,
        to=Declaration.Status.CLASSIFY,
        actor_label="duty engine",
        reason=reason,
    )
    event_record(
        ClassificationNeeded(
            declaration_id=declaration.pk,
            order_id=declaration.order_id,
            reason=reason[:500],
        )
    )


def declaration_consignment(
    declaration: Declaration,
    items: list,
    *,
    values: dict,
    lines: list,
    buyer_annual_total: Decimal,
    fta_unverified_at_mfn: bool = False,
) -> Consignment:
    """What the duty engine assesses of ``declaration``: its ``items`` at ``values`` (line
    number → value in the declaration currency) under ``lines`` (one per item), with the
    declaration's terms. Filing and the post-clearance reassessment both build it here."""
    return Consignment(
        regime=declaration.regime,
        on=declaration.declared_on,
        currency=declaration.currency,
        exchange_rate=declaration.exchange_rate,
        items=[
            Item(
                i.hs_code,
                i.description,
                i.origin.code,
                i.quantity,
                i.net_weight_kg,
                values[i.line_no],
                line=line,
            )
            for i, line in zip(items, lines, strict=True)
        ],
        freight=declaration.freight,
        insurance=declaration.insurance,
        air_courier=declaration.air_courier,
        sold_online_by_registered_seller=declaration.sold_online_by_registered_seller,
        fta_agreement=declaration.fta_agreement,
        fta_certificate=declaration.fta_certificate,
        fta_unverified_at_mfn=fta_unverified_at_mfn,
        buyer_annual_total=buyer_annual_total,
    )
