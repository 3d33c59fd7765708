"""Reads of an order's money: its payment intent, the payments applied, where to pay,
what escrow holds."""

from dataclasses import dataclass

from django.db.models import (
    QuerySet,
)
from moneyed import Money

from ewtp.common.money import money_from_minor
from hubs.models import Order

from ..models import (
    Account,
    CollectionAccount,
    IncomingPayment,
    PaymentIntent,
)


def order_payment(*, order) -> tuple:
    """The order's payment intent (or None) and the payments received for it."""
    intent = PaymentIntent.objects.filter(order=order).first()
    payments = list(intent.payments.select_related("bank__application")) if intent else []
    return intent, payments


def payment_applied_latest(*, order) -> IncomingPayment | None:
    """The last payment received that was applied to the order (not one returned because the
    order could no longer be paid): whose payer the order's payment record names."""
    return (
        IncomingPayment.objects.filter(intent__order=order, outcome=IncomingPayment.Outcome.APPLIED)
        .order_by("-created_at", "-id")
        .first()
    )


def payment_intent_of(*, order) -> PaymentIntent | None:
    return PaymentIntent.objects.filter(order=order).first()


def duties_settled_at_of_orders(*, order_ids) -> dict:
    """Order id → when its duties were settled (None while they are not), for those of
    ``order_ids`` with a payment intent (one query)."""
    return dict(
        PaymentIntent.objects.filter(order_id__in=list(order_ids)).values_list(
            "order_id", "duties_settled_at"
        )
    )


def seller_share_held(order: Order) -> Money:
    """What escrow holds for the seller: all of it, but for a DDP order's quoted duties that
    customs has not assessed yet (they are the customs authority's, or the buyer's). The
    balance the escrow account keeps (``Account.held_minor``); nothing before it is opened."""
    currency = order.payment_currency
    held_minor = (
        Account.objects.filter(kind=Account.Kind.ESCROW, order=order, currency=currency)
        .values_list("held_minor", flat=True)
        .first()
    ) or 0
    intent = PaymentIntent.objects.filter(order=order).first()
    unsettled = intent.duties_unsettled_minor if intent else 0
    return money_from_minor(held_minor - min(unsettled, held_minor), currency)


def payment_awaited(*, order, intent: PaymentIntent | None) -> bool:
    """Whether money is still expected for the order: it awaits payment and part of its
    intent is outstanding."""
    return (
        intent is not None
        and intent.status == PaymentIntent.Status.PENDING
        and intent.amount_minor > intent.received_minor
        and order.status == Order.Status.AWAITING_PAYMENT
    )


def collection_account_for(currency: str) -> CollectionAccount | None:
    """The hub's account in use for payments in ``currency``, with its bank, or None while
    none is published."""
    return (
        CollectionAccount.objects.filter(currency=currency, in_use=True)
        .select_related("bank__application")
        .first()
    )


@dataclass(frozen=True)
class PayTo:
    """Where a buyer transfers what an order owes, and what to quote so that the bank's
    report of the transfer is applied to the order."""

    bank: str
    bic: str
    account_name: str
    account_number: str
    reference: str


def order_pay_to(*, order, intent: PaymentIntent | None) -> PayTo | None:
    """The collection account in the payment's currency and the order reference; None when
    no money is expected (``payment_awaited``) or no account is published for the currency."""
    if not payment_awaited(order=order, intent=intent):
        return None
    account = collection_account_for(intent.currency)
    if account is None:
        return None
    return PayTo(
        bank=account.bank.application.name,
        bic=account.bic,
        account_name=account.account_name,
        account_number=account.account_number,
        reference=order.reference,
    )


def payment_intent_by_id(*, intent_id: int) -> PaymentIntent:
    return PaymentIntent.objects.get(pk=intent_id)


def orders_with_intents(*, order_ids, status: str) -> QuerySet[Order]:
    """Those of ``order_ids`` in ``status``, each with its payment intent, parties,
    destination hub and lines: two queries, whatever their number."""
    return (
        Order.objects.filter(pk__in=list(order_ids), status=status)
        .select_related("seller", "buyer", "destination_hub", "payment_intent")
        .prefetch_related("lines")
    )
