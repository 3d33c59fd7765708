"""An SME's trade record as the hub saw it, gathered from every app (orders from hubs,
shipping from logistics, holds and rejections from customs, disputes, refunds, payouts and
loans from payments) into the plain data the credit score is computed from. The score
itself is payments' (payments.services.scoring); the pipeline is where the apps meet.

Counted over the last twelve months; the "3m" figures over the last three, "prev_3m" over
the three before those. Values are the orders' totals in ringgit (the zone's sellers sell in
MYR; credit lines are in MYR)."""

from datetime import timedelta

from django.utils import timezone

from customs.selectors import declaration_holds_and_rejections
from hubs.models import Order, Organization
from hubs.selectors import (
    orders_paid_at,
    sales_first_at,
    sales_of,
    sales_transitions_counted,
    sales_volume,
    sellers_approved,
)
from logistics.selectors import orders_received_at, parcels_weight_mismatched
from payments.selectors import instalments_record, payouts_rejected_since
from payments.services.credit import credit_score_record
from payments.services.scoring import TradeRecord

SHIPPING_PROMISE = timedelta(days=3)  # paid → at the hub's floor
EXPORTED = (
    Order.Status.IN_CUSTOMS,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.COMPLETED,
    Order.Status.SETTLED,
    Order.Status.DISPUTED,
    Order.Status.REFUNDED,
)


def trade_record(*, organization: Organization, now=None) -> TradeRecord:
    now = now or timezone.now()
    year, quarter, half = (now - timedelta(days=days) for days in (365, 91, 182))
    first = sales_first_at(seller=organization)
    months_active = (now - first).days // 30 if first else 0
    traded = sales_of(seller=organization, statuses=EXPORTED, since=year)
    volume = sales_volume(orders=traded, recent=quarter, before=half)
    shipped, on_time = _shipping(traded)
    troubles = sales_transitions_counted(
        seller=organization, since=year, statuses=(Order.Status.DISPUTED, Order.Status.REFUNDED)
    )
    customs = declaration_holds_and_rejections(organization=organization, since=year)
    instalments = instalments_record(organization=organization, today=now.date())
    return TradeRecord(
        months_active=months_active,
        orders_3m=volume["orders_recent"],
        value_3m_minor=_sen(volume["value_recent"]),
        value_prev_3m_minor=_sen(volume["value_before"]),
        orders_12m=volume["orders"],
        value_12m_minor=_sen(volume["value"]),
        shipped=shipped,
        shipped_on_time=on_time,
        disputes=troubles[Order.Status.DISPUTED],
        refunds=troubles[Order.Status.REFUNDED],
        customs_holds=customs["holds"],
        customs_rejections=customs["rejections"],
        weight_mismatches=parcels_weight_mismatched(seller=organization, since=year),
        payout_rejections=payouts_rejected_since(organization=organization, since=year),
        debt_minor=instalments["owed"] or 0,
        instalments_on_time=instalments["on_time"],
        instalments_late=instalments["late"],
        instalments_overdue=instalments["overdue"],
    )


def _sen(amount) -> int:
    amount = getattr(amount, "amount", amount)  # a Money or a Decimal, as the field sums
    return int((amount or 0) * 100)


def _shipping(traded) -> tuple[int, int]:
    """(orders that reached the hub's floor, those within the shipping promise of payment)."""
    paid = orders_paid_at(orders=traded)
    received = orders_received_at(orders=traded)
    on_time = sum(
        1
        for order_id, at in received.items()
        if order_id in paid and at - paid[order_id] <= SHIPPING_PROMISE
    )
    return len(received), on_time


def credit_score_refresh(*, organization: Organization, trigger: str):
    """Score the organisation's trade record now and keep it."""
    return credit_score_record(
        organization=organization, record=trade_record(organization=organization), trigger=trigger
    )


def credit_scores_nightly() -> int:
    """Every verified seller's score, again (beat, nightly): the history grows by one a day."""
    count = 0
    for organization in sellers_approved().iterator():
        credit_score_refresh(organization=organization, trigger="nightly")
        count += 1
    return count
