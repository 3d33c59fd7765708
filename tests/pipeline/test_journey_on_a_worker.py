"""One order from placed to settled with a real Celery worker on Redis running every step, as
in production: the test plays the bank, the seller, the operators and the clock; the worker
does the rest (payment request, export declaration and its clearance, release of the parcel,
shipping, the import declaration with its three records, delivery, the payout of the
settlement). Every ledger, customs and logistics record is checked at the end."""

import os

import pytest

from customs.models import Declaration
from hubs.models import Order
from logistics.models import Parcel
from payments.models import Payout, Settlement
from payments.services.escrow import escrow_release
from payments.services.payouts import payout_status_report, payouts_batch
from tests import ledger
from tests.journey import ORDER_STATUSES

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI has it)"),
    pytest.mark.django_db(transaction=True),
]


def test_a_consumers_order_from_placed_to_settled_on_a_real_worker(worker_journey):
    journey = worker_journey
    world = journey.world
    order = journey.consumer_order(quantity=2)
    assert order.status == "awaiting_payment"
    order = journey.pay(order)
    assert order.status == "in_customs"
    assert Declaration.objects.get(order=order, regime="MY_EXPORT").status == "released"
    parcel = journey.receive(journey.pack(order))
    assert parcel.export_released_at is not None  # released at receipt
    assert journey.consolidate() == 1
    journey.depart()
    assert Order.objects.get(pk=order.pk).status == "shipped"
    journey.land()
    imported = Declaration.objects.get(order=order, regime="CN_CBEC_IMPORT")
    assert imported.status == "released"
    journey.deliver(parcel)
    assert Order.objects.get(pk=order.pk).status == "delivered"
    journey.run(
        escrow_release, order=Order.objects.get(pk=order.pk), actor_label="buyer", reason="Got it"
    )
    payout = Payout.objects.get(settlement__order=order)
    assert payout.status == "requested"  # step 8: the settlement's net, on its way
    batch = payouts_batch(bank=world.bank)
    assert list(batch.payouts.all()) == [payout]
    journey.run(
        payout_status_report, bank=world.bank, end_to_end_id=payout.end_to_end_id, status="settled"
    )

    order = Order.objects.get(pk=order.pk)
    assert [t.to_status for t in order.transitions.all()] == [*ORDER_STATUSES, "settled"]
    settlement = Settlement.objects.get(order=order)
    assert (settlement.gross_minor, settlement.fee_minor) == (9000, 325)  # 2.5 % + 1.00
    assert settlement.gross_minor == settlement.net_minor + settlement.fee_minor
    assert payout.amount_minor == settlement.net_minor
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
    imported.refresh_from_db()
    assert imported.match_differences == [] and imported.total_tax > 0
    codes = list(Parcel.objects.get(pk=parcel.pk).events.values_list("code", flat=True))
    for code in ("RCS", "CCD", "MAN", "DEP", "ARR", "NFD", "DLV"):
        assert code in codes
