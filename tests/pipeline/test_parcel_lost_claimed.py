"""A parcel lost on the way: the buyer is refunded the goods in it, the rest goes on."""

from decimal import Decimal

import pytest

from ewtp.common.models import OutboxEvent
from hubs.models import Order
from logistics.events import ParcelLost
from logistics.models import Parcel
from logistics.services.floor import parcel_exception
from payments.models import LedgerTransaction
from payments.services.accounts import escrow_account
from payments.services.escrow import escrow_release
from payments.services.ledger import account_balance
from pipeline.step_06_parcel_lost_claimed import parcel_lost_claimed
from tests import ledger

pytestmark = pytest.mark.django_db


def two_parcels(journey, order):
    """One scarf in each of two parcels, both on the flight and landed."""
    parcels = list(journey.pack_singly(order))
    for parcel in parcels:
        journey.receive(parcel)
    journey.consolidate()
    journey.depart()
    journey.land()
    return [Parcel.objects.get(pk=p.pk) for p in parcels]


def lose(journey, parcel):
    journey.run(
        parcel_exception,
        parcel=Parcel.objects.get(pk=parcel.pk),
        reason="Not found at the delivery base",
        actor=journey.world.hgh_operator,
    )


def held(order):
    return account_balance(escrow_account(order=order)).amount


def test_a_lost_parcel_refunds_its_goods_and_the_rest_is_delivered_and_settled(journey):
    order = journey.pay(journey.consumer_order(quantity=2))  # 2 × 45.00
    kept, lost = two_parcels(journey, order)
    lose(journey, lost)
    order = Order.objects.get(pk=order.pk)
    assert order.status == "shipped" and held(order) == Decimal("45.00")
    claim = LedgerTransaction.objects.get(kind="refund")
    assert lost.waybill in claim.description
    event = OutboxEvent.objects.get(name="logistics.parcel_lost")
    parcel_lost_claimed(ParcelLost(**event.payload))  # the step run again: one claim
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1
    journey.deliver(kept)
    order = Order.objects.get(pk=order.pk)
    assert order.status == "delivered"
    journey.run(escrow_release, order=order, actor_label="buyer", reason="Got the other one")
    order.refresh_from_db()
    assert order.settlement.held_minor == 4500
    assert held(order) == 0
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_the_last_parcel_lost_after_the_others_were_delivered_delivers_the_order(journey):
    order = journey.pay(journey.consumer_order(quantity=2))
    delivered, lost = two_parcels(journey, order)
    journey.deliver(delivered)
    assert Order.objects.get(pk=order.pk).status == "shipped"  # one still coming
    lose(journey, lost)
    order = Order.objects.get(pk=order.pk)
    assert order.status == "delivered" and held(order) == Decimal("45.00")


def test_an_order_whose_every_parcel_is_lost_is_refunded(journey):
    order = journey.pay(journey.consumer_order(quantity=2))
    first, second = two_parcels(journey, order)
    lose(journey, first)
    lose(journey, second)
    order = Order.objects.get(pk=order.pk)
    assert order.status == "refunded" and held(order) == 0
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
