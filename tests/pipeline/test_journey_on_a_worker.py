"""One order from placed to settled with a real Celery worker on Redis running every step, as
in production: the test plays the bank, the seller, the operators and the clock; the worker
does the rest (payment request, export declaration and its clearance, release of the parcel,
shipping, the import declaration with its three records, delivery). Every ledger, customs
and logistics record is checked at the end."""

import os
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from customs.models import Declaration, RiskRule
from customs.services.tariff import tariff_load_bundled
from ewtp.celery import app
from ewtp.common.models import OutboxEvent
from hubs.models import ERoad, Order, User
from hubs.services.orders import Consumer, LineRequest, OrderRequest, order_place
from logistics.models import Carrier, Facility, Flight, Parcel
from logistics.services.consolidation import consolidate
from logistics.services.flights import carriers_load, flights_advance
from logistics.services.floor import parcel_deliver, parcel_out_for_delivery, parcel_receive
from logistics.services.parcels import ParcelRequest, parcel_create
from payments.models import FeeSchedule, Settlement
from payments.services.escrow import escrow_release
from payments.services.fx import fx_rates_load
from payments.services.intents import BankTransfer, payment_receive
from tests import factories, ledger
from tests.common.test_celery_worker import isolated_queue  # noqa: F401 - a fixture

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI has it)"),
    pytest.mark.django_db(transaction=True),
]


def until(condition, what: str, seconds: float = 30):
    """Wait for the worker to make ``condition`` true."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pending = list(OutboxEvent.objects.filter(dispatched_at__isnull=True).values_list("name"))
    raise AssertionError(f"the worker did not get there: {what} (pending events: {pending})")


@pytest.fixture
def world(kul, hgh):
    from django.apps import apps

    if not RiskRule.objects.exists():  # a transactional test empties the seeded rules
        import importlib

        importlib.import_module("customs.migrations.0004_default_risk_rules").add_rules(apps, None)
    RiskRule.objects.filter(code="random").update(enabled=False)
    factories.open_eroads()
    carriers_load()
    tariff_load_bundled()
    FeeSchedule.objects.create(
        hub=kul,
        effective_from="2024-01-01",
        percent=Decimal("2.50"),
        fixed_minor=100,
        currency="MYR",
    )
    Facility.objects.create(hub=kul, name="KLIA eFulfilment", address="Sepang")
    Facility.objects.create(hub=hgh, name="Hangzhou eFulfilment", address="Xiaoshan")
    departs = timezone.now() + timedelta(hours=6)
    flight = Flight.objects.create(
        eroad=ERoad.objects.get(origin=kul, destination=hgh),
        carrier=Carrier.objects.get(iata_code="MH"),
        number="MH360",
        departs_at=departs,
        arrives_at=departs + timedelta(hours=5),
        capacity_kg=Decimal("500"),
        capacity_pieces=100,
    )
    operator = factories.UserFactory(official_role=User.OfficialRole.HUB_OPERATOR, official_hub=kul)
    arrivals = factories.UserFactory(official_role=User.OfficialRole.HUB_OPERATOR, official_hub=hgh)
    return {"flight": flight, "operator": operator, "arrivals": arrivals}


def test_a_consumers_order_from_placed_to_settled_on_a_real_worker(
    world,
    hgh,
    isolated_queue,  # noqa: F811
):
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        queues=[isolated_queue],
        perform_ping_check=False,
        shutdown_timeout=10,
    ):
        fx_rates_load()  # → customs rates of the day, on the worker
        until(
            lambda: not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists(),
            "customs rates published",
        )
        channel = factories.api_client(kind="channel", name="Shop").client
        product = factories.ProductFactory(stock=10)
        seller = factories.member(product.seller)
        order = order_place(
            request=OrderRequest(
                seller=product.seller,
                destination_hub=hgh,
                channel=channel,
                lines=[LineRequest(product.pk, 2)],
                consumer=Consumer(
                    name="Chen Jing",
                    address="18 Wensan Road, Hangzhou",
                    country="CN",
                    id_reference="11010519491231002X",
                ),
            ),
            actor=None,
            actor_label="Shop",
        )
        until(
            lambda: Order.objects.get(pk=order.pk).status == "awaiting_payment", "payment requested"
        )
        bank = factories.api_client(kind="bank", name="Bank", scopes=["payments:write"]).client
        intent = Order.objects.get(pk=order.pk).payment_intent
        payment_receive(
            order_reference=order.reference,
            transfer=BankTransfer(
                bank=bank, bank_reference="B1", amount=intent.amount, payer_name="Chen Jing"
            ),
        )
        until(
            lambda: Declaration.objects.filter(
                order=order, regime="MY_EXPORT", status="released"
            ).exists(),
            "export declared and released",
        )
        assert Order.objects.get(pk=order.pk).status == "in_customs"
        parcel = parcel_create(
            order=order,
            request=ParcelRequest(
                weight_kg=Decimal("0.300"),
                length_cm=30,
                width_cm=20,
                height_cm=5,
                items={order.lines.get().pk: 2},
            ),
            actor=seller,
        )
        parcel_receive(parcel=parcel, actor=world["operator"])
        until(
            lambda: Parcel.objects.get(pk=parcel.pk).export_released_at is not None,
            "parcel released at receipt",
        )
        assert consolidate(now=timezone.now()) == 1
        flight = world["flight"]
        flights_advance(now=flight.departs_at + timedelta(minutes=1))
        until(lambda: Order.objects.get(pk=order.pk).status == "shipped", "shipped")
        flights_advance(now=flight.arrives_at + timedelta(minutes=1))
        until(
            lambda: Declaration.objects.filter(
                order=order, regime="CN_CBEC_IMPORT", status="released"
            ).exists(),
            "import declared, matched and released",
        )
        parcel = parcel_out_for_delivery(
            parcel=Parcel.objects.get(pk=parcel.pk), actor=world["arrivals"]
        )
        parcel_deliver(parcel=parcel, actor=world["arrivals"])
        until(lambda: Order.objects.get(pk=order.pk).status == "delivered", "delivered")
        escrow_release(
            order=Order.objects.get(pk=order.pk), actor_label="buyer", reason="Received."
        )
        until(
            lambda: not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists(),
            "every event delivered",
        )

    order = Order.objects.get(pk=order.pk)
    assert [t.to_status for t in order.transitions.all()] == [
        "placed",
        "awaiting_payment",
        "paid",
        "in_customs",
        "shipped",
        "delivered",
        "completed",
    ]
    settlement = Settlement.objects.get(order=order)
    assert (settlement.gross_minor, settlement.fee_minor) == (9000, 325)  # 2.5 % + 1.00
    assert settlement.gross_minor == settlement.net_minor + settlement.fee_minor
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
    imported = Declaration.objects.get(order=order, regime="CN_CBEC_IMPORT")
    assert imported.match_differences == [] and imported.total_tax > 0
    codes = list(Parcel.objects.get(pk=parcel.pk).events.values_list("code", flat=True))
    for code in ("RCS", "CCD", "MAN", "DEP", "ARR", "NFD", "DLV"):
        assert code in codes
