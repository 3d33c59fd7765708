"""Shared steps of the customs tests: submit and run the background steps, and the three
records that agree with a declaration."""

from decimal import Decimal

from customs.models import Declaration
from customs.services.declarations import (
    declaration_process,
    declaration_records_attach,
    declaration_submit,
)
from customs.services.matching import OrderRecord, PaymentRecord, WaybillRecord


def submit_and_process(declaration: Declaration, actor_label: str = "t") -> Declaration:
    """What the worker does after the submission commits, run here in line."""
    declaration_submit(declaration=declaration, actor_label=actor_label)
    declaration_process(declaration_id=declaration.pk)
    return Declaration.objects.get(pk=declaration.pk)


def agreeing_records(declaration: Declaration, **changes) -> dict:
    items = list(declaration.items.all())
    goods = tuple((item.hs_code, item.quantity) for item in items)
    amount = sum((item.value for item in items), Decimal(0))
    buyer = declaration.importer_id_reference
    records = {
        "order": OrderRecord(
            reference="ORDER1",
            buyer_id_reference=buyer,
            amount=amount,
            currency=declaration.currency,
            goods=goods,
        ),
        "payment": PaymentRecord(
            reference="PAY1",
            payer_id_reference=buyer,
            amount=amount,
            currency=declaration.currency,
        ),
        "waybill": WaybillRecord(
            waybill=declaration.waybill, consignee_id_reference=buyer, goods=goods
        ),
    }
    return records | changes


def with_agreeing_records(declaration: Declaration, **changes) -> Declaration:
    declaration_records_attach(
        declaration=declaration, actor_label="pipeline", **agreeing_records(declaration, **changes)
    )
    return Declaration.objects.get(pk=declaration.pk)
