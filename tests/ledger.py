"""Shared ledger helpers for tests: a paid order in one call, delivered and released, and
the balance invariants."""

from django.db.models import Sum

from hubs.services.orders import order_transition
from hubs.services.placement import LineRequest, OrderRequest, order_place
from payments.models import Account, Entry
from payments.services.escrow import escrow_release
from payments.services.intents import BankTransfer, payment_intent_open, payment_receive
from tests import factories


def ledger_balanced() -> bool:
    """Every currency's entries sum to zero."""
    return all(
        row["total"] == 0
        for row in Entry.objects.values("currency").annotate(total=Sum("amount_minor"))
    )


def no_customer_account_negative() -> bool:
    return not (
        Account.objects.filter(kind__in=Account.NEVER_NEGATIVE)
        .annotate(balance=Sum("entries__amount_minor", default=0))
        .filter(balance__lt=0)
        .exists()
    )


def placed_order(*, destination_hub, quantity=2, payment_currency=""):
    """A buyer's order for ``quantity`` scarves (45.00 MYR each), its payment intent open."""
    factories.open_eroads()
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(stock=10)
    order = order_place(
        request=OrderRequest(
            seller=product.seller,
            destination_hub=destination_hub,
            buyer=buyer,
            lines=[LineRequest(product.pk, quantity)],
            payment_currency=payment_currency,
        ),
        actor=factories.member(buyer),
    )
    payment_intent_open(order=order)
    return order


def paid_order(*, destination_hub, bank, quantity=2, payment_currency="", reference="R1"):
    """The same, paid in full by ``bank`` (an ApiClient of kind bank) in the currency the
    buyer chose."""
    order = placed_order(
        destination_hub=destination_hub, quantity=quantity, payment_currency=payment_currency
    )
    intent = order.payment_intent
    payment_receive(
        order_reference=order.reference,
        transfer=BankTransfer(
            bank=bank, bank_reference=reference, amount=intent.amount, payer_name="Buyer"
        ),
    )
    order.refresh_from_db()
    return order


def release(order, steps):
    """The buyer releases the order's escrow; the pipeline's steps after it run (``steps``:
    ``django_capture_on_commit_callbacks``)."""
    with steps(execute=True):
        escrow_release(order=order, actor_label="buyer", reason="Received.")
    order.refresh_from_db()
    return order


def deliver(order):
    for status in ("in_customs", "shipped", "delivered"):
        order = order_transition(order=order, to=status, actor_label="test")
    return order
