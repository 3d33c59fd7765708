"""Payment intents and incoming payments: the buyer's money arriving into escrow.

A partner bank reports each transfer once per bank reference (a retried notification is the
same payment). Money goes from the bank's clearing account into the order's escrow up to
what is owed; an over-payment is credited to the buying organisation's balance (a consumer's
is returned to the bank); a payment for an order that can no longer be paid goes back. When
the full amount is held the order is marked paid in the same transaction, and
``payments.order_paid`` is recorded for the steps after it.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.api_clients import api_client_create
from ewtp.common.audit import audit_record, client_actor_label
from ewtp.common.errors import ApplicationError, CommonErrorCode, ConflictError, NotFoundError
from ewtp.common.models import ApiClient
from ewtp.common.money import money_from_minor, money_quantize, money_to_minor
from ewtp.common.outbox import event_record
from ewtp.common.states import state_change
from ewtp.common.webhooks import webhook_emit
from hubs import order_words
from hubs.models import Order
from hubs.services.orders import order_transition

from ..errors import PaymentsErrorCode
from ..events import LatePaymentReturned, OrderPaid
from ..models import IncomingPayment, LedgerTransaction, PaymentIntent
from .accounts import bank_clearing_account, customer_account, escrow_account
from .escrow import escrow_refund_to_payers
from .fx import fx_quote
from .ledger import Posting, account_balance, ledger_post

Kind = LedgerTransaction.Kind


@dataclass(frozen=True)
class BankTransfer:
    bank: object  # ewtp.common.ApiClient of kind bank
    bank_reference: str
    amount: Money
    payer_name: str
    payer_account: str = ""
    # the payer's identity document number, where the bank reports it (retail imports)
    payer_id_reference: str = ""


def payment_intent_open(*, order: Order, actor_label: str = "pipeline") -> PaymentIntent:
    """The amount the buyer owes for an order (its goods, the origin hub's shipping and
    insurance charges, and a DDP order's quoted duties), due when the order's payment window
    ends. A buyer paying in another currency owes it at
    the day's reference rate, without the spread (the hub's margin is taken once, at
    settlement). Opening it twice returns the first (the pipeline step may run again)."""
    existing = PaymentIntent.objects.filter(order=order).first()
    if existing is not None:
        return existing
    due = order.amount_due  # the goods, the hub's charges, and a DDP order's quoted duties
    duties = order.duties_quoted if order.duties_quoted is not None else Money(0, due.currency)
    defaults = {
        "amount_minor": money_to_minor(due),
        "currency": due.currency.code,
        "duties_minor": money_to_minor(duties),
        "due_at": order.expires_at,
    }
    if order.payment_currency != defaults["currency"]:
        quote = fx_quote(amount=due, to=order.payment_currency, spread_percent=0)
        rate = quote.market_rate.quantize(Decimal("1e-10"))
        defaults |= {
            "amount_minor": money_to_minor(quote.target),
            "currency": order.payment_currency,
            "duties_minor": money_to_minor(
                money_quantize(Money(duties.amount * rate, quote.target.currency))
            ),
            "fx_rate": rate,
            "fx_rate_source": quote.rate_source,
            "fx_rate_as_of": quote.rate_as_of,
        }
    with transaction.atomic():
        intent, created = PaymentIntent.objects.get_or_create(order=order, defaults=defaults)
        if created:
            audit_record(
                actor=None,
                actor_label=actor_label,
                action="payments.payment_intent.opened",
                target=intent,
                data={
                    "order": order.reference,
                    "amount": str(intent.amount.amount),
                    "currency": intent.currency,
                    "fx_rate": str(intent.fx_rate) if intent.fx_rate is not None else None,
                },
            )
    return intent


def payment_receive(*, order_reference: str, transfer: BankTransfer) -> IncomingPayment:
    """Apply a transfer to the order it names. Idempotent per (bank, bank reference).
    Returns the payment with its intent and order as it left them."""
    earlier = _earlier(transfer, order_reference)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            return _apply(order_reference, transfer)
    except IntegrityError:
        earlier = _earlier(transfer, order_reference)  # the same notification, concurrently
        if earlier is None:
            raise
        return earlier


def _intent_locked(order_reference: str, transfer: BankTransfer) -> PaymentIntent:
    """The order's intent with its order, both rows locked by one statement (an inner join:
    FOR UPDATE locks the row of each table, the intent's first as before), or the refusal
    of a transfer that cannot be applied (raised before anything is written)."""
    intent = (
        PaymentIntent.objects.select_for_update()
        .select_related("order")
        .filter(order__reference=order_reference)
        .first()
    )
    if intent is None:  # no such order, or one that takes no payment: nothing to pay here
        raise NotFoundError(
            _("No payment is expected for order %(reference)s.")
            % {"reference": order_reference[:20]},
            PaymentsErrorCode.NO_PAYMENT_EXPECTED,
            extra={"field": "order_reference"},
        )
    if transfer.amount.amount <= 0:
        raise ApplicationError(
            _("A payment received is a positive amount (more than zero)."),
            CommonErrorCode.AMOUNT_NOT_POSITIVE,
            extra={"field": "amount"},
        )
    if transfer.amount.currency.code != intent.currency:
        raise ApplicationError(
            _("Order %(reference)s is paid in %(currency)s.")
            % {"reference": order_reference, "currency": intent.currency},
            PaymentsErrorCode.CURRENCY_MISMATCH,
            extra={"field": "amount"},
        )
    return intent


def _earlier(transfer: BankTransfer, order_reference: str) -> IncomingPayment | None:
    earlier = (
        IncomingPayment.objects.filter(bank=transfer.bank, bank_reference=transfer.bank_reference)
        .select_related("intent__order")
        .first()
    )
    if earlier is not None and (
        earlier.amount != transfer.amount or earlier.intent.order.reference != order_reference
    ):
        raise ConflictError(
            _("Bank reference %(reference)s was reported with another amount or order.")
            % {"reference": transfer.bank_reference},
            PaymentsErrorCode.BANK_REFERENCE_REUSED,
            extra={"field": "bank_reference"},
        )
    return earlier


def _apply(order_reference: str, transfer: BankTransfer) -> IncomingPayment:
    intent = _intent_locked(order_reference, transfer)
    order = intent.order
    payable = intent.status == PaymentIntent.Status.PENDING and order.status in Order.UNPAID
    amount = money_to_minor(transfer.amount)
    applied = min(amount, intent.amount_minor - intent.received_minor) if payable else 0
    over = amount - applied
    bank = bank_clearing_account(bank=transfer.bank, currency=intent.currency)
    label = f"bank {transfer.bank.application.name}"
    reference = f"{order.reference} / {transfer.bank_reference}"
    postings = [Posting(bank, -transfer.amount)]
    if applied:
        postings.append(
            Posting(escrow_account(order=order), money_from_minor(applied, intent.currency))
        )
    # a genuine over-payment (of a payable or paid order) is the buyer's money with the hub;
    # money for an order that ended unpaid goes back to the bank it came from
    # the order is still to be delivered or settled: a second transfer is the buyer's money
    paid_already = intent.status == PaymentIntent.Status.PAID and order.status in (
        Order.Status.PAID,
        Order.Status.IN_CUSTOMS,
        Order.Status.SHIPPED,
        Order.Status.DELIVERED,
        Order.Status.DISPUTED,
    )
    credit_buyer = bool(over and order.buyer_id and (payable or paid_already))
    if over:
        target = (
            customer_account(organization=order.buyer, currency=intent.currency)
            if credit_buyer
            else bank
        )
        postings.append(Posting(target, money_from_minor(over, intent.currency)))
    postings = _net(postings)
    ledger_transaction = (
        ledger_post(
            kind=Kind.PAYMENT if applied or credit_buyer else Kind.REFUND,
            description=f"Payment from {transfer.payer_name[:60]} for {order.reference}"
            if applied or credit_buyer
            else f"Returned: order {order.reference} is no longer payable",
            reference=reference,
            postings=postings,
            actor_label=label,
        )
        if postings
        else None
    )
    payment = IncomingPayment.objects.create(
        bank=transfer.bank,
        bank_reference=transfer.bank_reference,
        intent=intent,
        amount_minor=amount,
        currency=intent.currency,
        payer_name=transfer.payer_name[:140],
        payer_account=transfer.payer_account[:34],
        payer_id_reference=transfer.payer_id_reference.strip()[:40],
        outcome=IncomingPayment.Outcome.APPLIED
        if applied or credit_buyer
        else IncomingPayment.Outcome.REFUNDED,
        overpaid_minor=over,
        ledger_transaction=ledger_transaction or _nothing_moved(reference, label),
    )
    intent.received_minor += applied
    intent.save(update_fields=["received_minor", "updated_at"])
    if applied and intent.received_minor >= intent.amount_minor:
        # both rows are held since _intent_locked: moved as they are, not read again
        payment_intent_transition(
            payment_intent=intent,
            to=PaymentIntent.Status.PAID,
            actor_label=client_actor_label(transfer.bank),
            reason=order_words.HELD_IN_ESCROW,
            data={
                "bank": transfer.bank.application.name,
                "bank_reference": transfer.bank_reference,
            },
            already_locked=True,
        )
        # In the same transaction, under the order's row lock: an expiry sweep cannot slip in
        # between "the money is in escrow" and "the order is paid".
        order_transition(
            order=order,
            to=Order.Status.PAID,
            actor_label=label,
            reason=order_words.HELD_IN_ESCROW,
            already_locked=True,
        )
        if order.channel_id:  # the channel tells its consumer
            webhook_emit(
                api_client=order.channel,
                event="payment.confirmed",
                data={
                    "order_reference": order.reference,
                    "amount": str(intent.amount.amount),
                    "currency": intent.currency,
                },
            )
        event_record(
            OrderPaid(
                order_id=order.pk,
                intent_id=intent.pk,
                amount_minor=intent.amount_minor,
                currency=intent.currency,
            )
        )
    if payment.outcome == IncomingPayment.Outcome.REFUNDED:
        event_record(
            LatePaymentReturned(
                order_id=order.pk,
                payment_id=payment.pk,
                amount_minor=amount,
                currency=intent.currency,
            )
        )
    return payment


def _net(postings: list[Posting]) -> list[Posting]:
    """Merge postings on the same account (a returned payment nets to nothing on the bank)."""
    totals: dict[int, Posting] = {}
    for posting in postings:
        seen = totals.get(posting.account.pk)
        totals[posting.account.pk] = (
            posting if seen is None else Posting(posting.account, seen.amount + posting.amount)
        )
    return [p for p in totals.values() if p.amount.amount != 0]


def _nothing_moved(reference: str, label: str) -> LedgerTransaction:
    """A payment returned in full moves nothing net; the record still needs its transaction."""
    return LedgerTransaction.objects.create(
        kind=Kind.REFUND,
        description="Payment returned to the payer's bank",
        reference=reference,
        actor_label=label,
    )


def payment_intent_close(*, order: Order, actor_label: str = "pipeline") -> PaymentIntent | None:
    """The order ended unpaid (cancelled, expired): what arrived goes back to each payer's
    bank, and the intent accepts nothing more."""
    with transaction.atomic():
        intent = PaymentIntent.objects.select_for_update().filter(order=order).first()
        if intent is None or intent.status != PaymentIntent.Status.PENDING:
            return intent
        held = money_to_minor(account_balance(escrow_account(order=order)))
        escrow_refund_to_payers(order, held, actor_label, "the order ended unpaid")
        return payment_intent_transition(
            payment_intent=intent,
            to=PaymentIntent.Status.CLOSED,
            actor_label=actor_label,
            reason="The order ended unpaid.",
            data={"refunded_minor": held},
        )


def payment_intent_transition(
    *,
    payment_intent: PaymentIntent,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    data: dict | None = None,
    already_locked: bool = False,
) -> PaymentIntent:
    """Move an intent along PaymentIntent.TRANSITIONS: paid once the full amount is held in
    escrow, closed when the order ended unpaid (the callers move the money first, in the
    same transaction). The audit row is ``payments.payment_intent.<to>``; ``already_locked``
    as in ``state_change``."""

    def refusal(locked: PaymentIntent, to: str) -> ConflictError:
        return ConflictError(
            _("The payment of order %(reference)s is %(status)s; it cannot become %(to)s.")
            % {
                "reference": locked.order.reference,
                "status": locked.get_status_display(),
                "to": PaymentIntent.Status(to).label,
            },
            PaymentsErrorCode.PAYMENT_INTENT_TRANSITION,
        )

    locked, _moved = state_change(
        payment_intent,
        to,
        refusal=refusal,
        action=f"payments.payment_intent.{to}",
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        data=data,
        already_locked=already_locked,
    )
    return locked


def escrow_balance(*, order: Order) -> Money:
    return account_balance(escrow_account(order=order))


TEST_BANK_NAME = "Test bank (demo transfers)"


def test_bank() -> ApiClient:
    """The pretend bank behind the demo's test transfers: an API client that can never get a
    token (inactive), so it exists only for the ledger's clearing account."""
    client = ApiClient.objects.filter(
        application__name=TEST_BANK_NAME, kind=ApiClient.Kind.BANK
    ).first()
    if client is None:
        client = api_client_create(name=TEST_BANK_NAME, kind=ApiClient.Kind.BANK, scopes=[]).client
        client.is_active = False
        client.save(update_fields=["is_active"])
    return client
