"""Every failure path of the journey on a real Celery worker on Redis, each ending with the
money where it belongs and every record consistent: payment never arrives, customs hold then
release, customs rejection, weight mismatch, flight cancelled, parcel lost, dispute, payout
rejected."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from moneyed import Money

from customs.models import Declaration, WatchListEntry
from customs.services.decisions import declaration_decide
from hubs.models import Order, Product
from hubs.services.orders import orders_expire
from hubs.services.organizations import organization_update
from logistics.models import Flight, Parcel
from logistics.services.flights import flight_cancel
from logistics.services.floor import parcel_exception, parcel_weight_accept
from payments.models import IncomingPayment, LedgerTransaction, Payout
from payments.services.accounts import customer_account, escrow_account
from payments.services.escrow import (
    dispute_open,
    dispute_resolve,
    escrow_release,
    escrow_release_due,
)
from payments.services.ledger import account_balance
from payments.services.payouts import payout_status_report, payouts_batch
from tests import ledger

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI has it)"),
    pytest.mark.django_db(transaction=True),
]


def held(order) -> Decimal:
    return account_balance(escrow_account(order=order)).amount


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


def money_is_whole():
    return ledger.ledger_balanced() and ledger.no_customer_account_negative()


def red_lane_export(journey):
    """A paid order whose buyer is on the watch list: its export waits in the red lane."""
    order = journey.consumer_order(quantity=2)
    WatchListEntry.objects.create(name=order.consumer_name, reason="seizure")
    order = journey.pay(order)
    export = Declaration.objects.get(order=order, regime="MY_EXPORT")
    assert (export.status, export.lane) == ("lane", "red")
    return order, export


def test_a_payment_that_never_arrives_expires_the_order_and_releases_the_stock(
    worker_journey,
):
    journey = worker_journey
    stock = journey.world.product.stock
    order = journey.consumer_order(quantity=3)
    assert Product.objects.get(pk=journey.world.product.pk).stock == stock - 3
    journey.run(orders_expire, now=order.expires_at + timedelta(minutes=1))
    order = fresh(order)
    assert order.status == "expired"
    assert Product.objects.get(pk=journey.world.product.pk).stock == stock
    assert order.payment_intent.status == "closed"
    # the money arrives after all: it goes back to the bank, the order stays expired
    journey.pay(order, amount=Money("135.00", "MYR"))
    payment = IncomingPayment.objects.get(intent__order=order)
    assert payment.outcome == "refunded" and held(order) == 0
    assert fresh(order).status == "expired" and money_is_whole()


def test_a_customs_hold_then_release_lets_the_order_go_on(worker_journey):
    journey = worker_journey
    order, export = red_lane_export(journey)
    parcel = journey.receive(journey.pack(order))
    officer = journey.world.kul_customs
    journey.run(
        declaration_decide, declaration=export, decision="hold", reason="Open it", actor=officer
    )
    assert journey.consolidate() == 0  # held goods do not board
    journey.run(
        declaration_decide,
        declaration=export,
        decision="release",
        reason="Inspected: as declared",
        actor=officer,
    )
    assert Parcel.objects.get(pk=parcel.pk).export_released_at is not None
    assert journey.consolidate() == 1
    journey.depart()
    journey.land()
    journey.deliver(parcel)
    assert fresh(order).status == "delivered" and held(order) == Decimal("90.00")


def test_a_customs_rejection_refunds_escrow_and_returns_the_parcel(worker_journey):
    journey = worker_journey
    order, export = red_lane_export(journey)
    parcel = journey.receive(journey.pack(order))
    journey.run(
        declaration_decide,
        declaration=export,
        decision="reject",
        reason="Counterfeit goods",
        actor=journey.world.kul_customs,
    )
    order = fresh(order)
    assert order.status == "refunded" and held(order) == 0
    assert Parcel.objects.get(pk=parcel.pk).status == "returned"
    refund = LedgerTransaction.objects.get(kind="refund")
    assert "Counterfeit goods" in refund.description
    assert money_is_whole()


def test_a_weight_mismatch_holds_the_parcel_until_customs_accepts_the_weight(worker_journey):
    journey = worker_journey
    order = journey.pay(journey.consumer_order(quantity=2))  # declared 0.300 kg
    parcel = journey.receive(journey.pack(order), measured_kg=Decimal("0.600"))
    assert parcel.weight_flagged and parcel.export_released_at is None
    assert journey.consolidate() == 0
    journey.run(parcel_weight_accept, parcel=parcel, actor=journey.world.kul_customs)
    parcel = Parcel.objects.get(pk=parcel.pk)
    assert not parcel.weight_flagged and parcel.export_released_at is not None
    assert journey.consolidate() == 1


def test_a_cancelled_flight_moves_the_parcel_to_the_next_one(worker_journey):
    journey = worker_journey
    world = journey.world
    order = journey.pay(journey.consumer_order())
    parcel = journey.receive(journey.pack(order))
    assert journey.consolidate() == 1
    assert Parcel.objects.get(pk=parcel.pk).flight == world.flight
    moved = journey.run(
        flight_cancel, flight=world.flight, reason="Aircraft unserviceable", actor_label="MH ops"
    )
    assert moved == 1
    assert Parcel.objects.get(pk=parcel.pk).flight == world.next_flight
    assert Flight.objects.get(pk=world.flight.pk).status == "cancelled"
    journey.depart(world.next_flight)
    order = fresh(order)
    assert order.status == "shipped" and "CZ350" in order.transitions.last().reason
    codes = list(Parcel.objects.get(pk=parcel.pk).events.values_list("code", flat=True))
    assert "DIS_OFLD" in codes


def test_a_lost_parcel_refunds_the_buyer(worker_journey):
    journey = worker_journey
    order = journey.pay(journey.consumer_order(quantity=2))
    parcel = journey.ship(order)
    journey.run(
        parcel_exception,
        parcel=parcel,
        reason="Not found at the delivery base",
        actor=journey.world.hgh_operator,
    )
    order = fresh(order)
    assert order.status == "refunded" and held(order) == 0
    assert money_is_whole()


def test_a_dispute_freezes_escrow_until_an_officer_splits_it(worker_journey, mdec_officer):
    journey = worker_journey
    order = journey.business_order(quantity=2)
    buyer_owner = order.buyer_owner
    order = journey.pay(order)
    journey.deliver(journey.ship(order))
    order = fresh(order)
    journey.run(dispute_open, order=order, actor=buyer_owner, reason="One scarf torn")
    assert journey.run(escrow_release_due, now=order.confirmation_due_at + timedelta(days=1)) == 0
    assert fresh(order).status == "disputed" and held(order) == Decimal("90.00")
    journey.run(
        dispute_resolve,
        order=fresh(order),
        actor=mdec_officer,
        decision="split",
        reason="Half the goods were damaged",
        seller_share=Money("45.00", "MYR"),
    )
    order = fresh(order)
    assert order.status == "completed" and held(order) == 0
    settlement = order.settlement
    assert settlement.held_minor == 4500
    assert Payout.objects.get(settlement=settlement).amount_minor == settlement.net_minor
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1  # the other half
    assert money_is_whole()


def test_a_rejected_payout_comes_back_and_goes_again_once_the_account_is_fixed(worker_journey):
    journey = worker_journey
    world = journey.world
    order = journey.pay(journey.consumer_order(quantity=2))
    journey.deliver(journey.ship(order))
    journey.run(escrow_release, order=fresh(order), actor_label="buyer", reason="Received")
    first = Payout.objects.get()
    payouts_batch(bank=world.bank)
    journey.run(
        payout_status_report,
        bank=world.bank,
        end_to_end_id=first.end_to_end_id,
        status="rejected",
        reason_code="AC04",
    )
    balance = customer_account(organization=world.seller, currency="MYR")
    assert account_balance(balance) == first.amount  # the funds are back
    assert fresh(order).status == "completed"
    journey.run(
        organization_update,
        organization=world.seller,
        actor=world.seller_owner,
        payout_account_number="514055556666",
    )
    second = Payout.objects.exclude(pk=first.pk).get()
    assert second.creditor_account == "514055556666" and account_balance(balance).amount == 0
    payouts_batch(bank=world.bank)
    journey.run(
        payout_status_report, bank=world.bank, end_to_end_id=second.end_to_end_id, status="settled"
    )
    assert fresh(order).status == "settled"
    assert money_is_whole()
