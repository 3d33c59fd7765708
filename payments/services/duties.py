"""Import duties of DDP orders, paid from escrow.

Under DDP the seller delivers duty paid: the buyer paid the engine's quote with the goods, and
escrow keeps it for customs. When the import declaration is released its assessment is paid
from escrow to the destination hub's duties account (owed to the customs authority). An
assessment below the quote refunds the difference to the buyer; one above it takes the rest
from the goods' part of escrow, which the seller then receives less (its duty under DDP).
Both sides see the figures on the order's payment page.
"""

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.errors import ApplicationError
from ewtp.common.money import money_from_minor, money_to_minor
from hubs.models import Order

from ..errors import PaymentsErrorCode
from ..models import LedgerTransaction, PaymentIntent
from .accounts import duties_account, escrow_account
from .escrow import escrow_refund_to_payers
from .ledger import Posting, account_balance, ledger_post

logger = logging.getLogger(__name__)

# the import is assessed while the goods are on their way or with the buyer, or for an
# order served from bonded stock while it is "in customs" at the warehouse; a dispute does
# not stop customs being paid
PAYABLE = (
    Order.Status.IN_CUSTOMS,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.DISPUTED,
    Order.Status.COMPLETED,
    Order.Status.SETTLED,
)


@dataclass(frozen=True)
class DutiesSettled:
    quoted: Money
    assessed: Money
    paid: Money  # to customs, from escrow
    refunded: Money  # to the buyer: the quote was above the assessment
    borne_by_seller: Money  # the assessment above the quote, from the goods' part
    shortfall: Money  # owed to customs beyond what escrow held (released before assessment)


def escrow_duties_settle(
    *, order: Order, assessed: Money, declaration_reference: str
) -> DutiesSettled | None:
    """Pay a DDP order's assessed import duties (in the order's currency) from escrow and
    settle the difference to the quote. Once per order: a repeated call returns None."""
    if assessed.currency != order.total.currency or assessed.amount < 0:
        raise ApplicationError(
            _("The assessment is a non-negative amount in the order's currency."),
            PaymentsErrorCode.DUTIES_INVALID,
        )
    with transaction.atomic():
        # the intent, then the order: the order in which a payment locks them
        intent = PaymentIntent.objects.select_for_update().get(order_id=order.pk)
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if intent.duties_settled_at is not None:
            return None
        if locked.status not in PAYABLE:
            # refunded (all of escrow went back, the quote with it) or never paid: there is
            # nothing here to pay customs from
            logger.warning(
                "duties: %s is %s; its import duties are not paid from escrow",
                locked.reference,
                locked.status,
            )
            return None
        assessed_minor = _in_intent_currency(assessed, intent)
        escrow = escrow_account(order=locked)
        held = money_to_minor(account_balance(escrow))
        # the quote is always there (claims and releases leave it); above it, what is left of
        # the seller's part, which a release before the assessment may have emptied
        paid = min(assessed_minor, held)
        if paid:
            money = money_from_minor(paid, intent.currency)
            ledger_post(
                kind=LedgerTransaction.Kind.DUTIES,
                description=f"Import duties of {locked.reference} (DDP), {declaration_reference}",
                reference=locked.reference,
                idempotency_key=f"duties:{locked.pk}",
                postings=[
                    Posting(escrow, -money),
                    Posting(
                        duties_account(hub=locked.destination_hub, currency=intent.currency),
                        money,
                    ),
                ],
                actor_label="customs",
            )
        refund = min(max(intent.duties_minor - assessed_minor, 0), held - paid)
        if refund:
            escrow_refund_to_payers(
                locked,
                refund,
                "customs",
                f"Duties assessed below the quote ({declaration_reference})",
                key="duties-refund",
            )
        intent.duties_assessed_minor = assessed_minor
        intent.duties_settled_at = timezone.now()
        intent.save(update_fields=["duties_assessed_minor", "duties_settled_at", "updated_at"])

    def money(minor: int) -> Money:
        return money_from_minor(minor, intent.currency)

    if paid < assessed_minor:
        logger.error(
            "duties: %s owes customs %s more than escrow held",
            locked.reference,
            money(assessed_minor - paid),
        )
    return DutiesSettled(
        quoted=money(intent.duties_minor),
        assessed=money(assessed_minor),
        paid=money(paid),
        refunded=money(refund),
        borne_by_seller=money(max(paid - intent.duties_minor, 0)),
        shortfall=money(assessed_minor - paid),
    )


def _in_intent_currency(amount: Money, intent: PaymentIntent) -> int:
    """The buyer paid at the intent's rate: duties are owed from escrow at the same rate."""
    if intent.fx_rate is None:
        return money_to_minor(amount)
    converted = (amount.amount * intent.fx_rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return money_to_minor(Money(converted, intent.currency))
