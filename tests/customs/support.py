"""Shared steps of the customs tests: submit and run the background steps, and the three
records that agree with a declaration."""

from decimal import Decimal

from customs.models import Declaration
from customs.services.clearance import declaration_process
from customs.services.decisions import declaration_records_attach
from customs.services.filing import declaration_submit
from customs.services.matching import OrderRecord, PaymentRecord, WaybillRecord

# Two batik silk scarves, as the API's declarations and duty quotes take an item.
SCARF_ITEM = {
    "hs_code": "621410",
    "description": "Batik silk scarf",
    "origin": "MY",
    "quantity": 2,
    "net_weight_kg": "0.300",
    "value": "180.00",
}


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
    consumer is on the watch list), with the seller's owner and an HGH customs officer. The
    ``red_lane`` fixture: the tariff loaded and lanes by rule (tests/conftest.py)."""
    from customs.models import WatchListEntry
    from customs.services.filing import declaration_create
    from hubs.models import User
    from tests import factories

    from .test_declarations import request

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


def declaration_form(**changes) -> dict:
    """An export of two batik scarves to Hangzhou, as the SME's declaration page posts it."""
    data = {
        "regime": "MY_EXPORT",
        "hub": "KUL",
        "order": "",
        "importer": "Hangzhou Tea House Co., Ltd.",
        "importer_id_reference": "",
        "declarant": "",
        "incoterm": "DAP",
        "waybill": "KUL100000017",
        "currency": "MYR",
        "freight": "0",
        "insurance": "0",
        "fta_agreement": "",
        "fta_certificate": "",
        "air_courier": "on",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "200",
        "items-0-hs_code": "621410",
        "items-0-description": "Batik silk scarf",
        "items-0-origin": "MY",
        "items-0-quantity": "2",
        "items-0-net_weight_kg": "0.300",
        "items-0-value": "180.00",
    }
    return data | changes
