"""Shared steps of the customs tests: submit and run the background steps, and the three
records that agree with a declaration."""

from decimal import Decimal

from customs.models import Declaration
from customs.services.clearance import declaration_process
from customs.services.declarations import (
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


def red_lane_import(hgh, kul) -> dict:
    """A KUL seller's import declaration at HGH, submitted and routed to the red lane (its
    consumer is on the watch list), with the seller's owner and an HGH customs officer."""
    from customs.models import RiskRule, WatchListEntry
    from customs.services.declarations import declaration_create
    from customs.services.tariff import tariff_load_bundled
    from hubs.models import User
    from tests import factories

    from .test_declarations import request

    tariff_load_bundled()
    RiskRule.objects.filter(code="random").update(enabled=False)
    WatchListEntry.objects.create(name="Chen Jing", reason="earlier seizure")
    seller = factories.SellerFactory(home_hub=kul)
    owner = factories.member(seller)
    declaration = declaration_create(
        request=request(hgh, organization=seller, waybill="HGH1"), actor_label="t"
    )
    declaration = submit_and_process(with_agreeing_records(declaration))
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh, email="z@hgh.cn"
    )
    return {"declaration": declaration, "owner": owner, "officer": officer, "seller": seller}
