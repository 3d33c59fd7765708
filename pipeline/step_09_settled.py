"""Step 9: the bank settled the payout of an order's settlement → the order is settled, the
end of its journey. A payout the bank rejected is back in the seller's balance: when the
account itself was wrong (payments flags it and tells the owners), every settlement whose
payout was rejected, or which could not be paid out, is sent again once the owners change
the payout account; when the bank's reason was its own (funds, unspecified), it is sent
again at once, up to PAYOUT_ATTEMPTS times, then held in the balance with an alert."""

import logging

from django.db import transaction

from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.events import PayoutAccountChanged
from hubs.models import Order, User
from hubs.selectors import official_emails
from hubs.services.orders import order_transition
from payments.events import PayoutReported
from payments.models import Payout, Settlement
from payments.selectors import (
    order_of_settlement,
    payout_by_id,
    settlement_by_id,
    settlement_payouts_rejected,
    settlements_awaiting_payout,
)
from payments.services.payouts import ACCOUNT_REASONS, settlement_pay_out

logger = logging.getLogger(__name__)
PAYOUT_ATTEMPTS = 3


# a payout of no settlement is the owners' own payout of their balance
@subscribe(
    "payments.payout_reported",
    name="pipeline.settled",
    when=lambda event: event.settlement_id is not None,
)
def settled(event: PayoutReported) -> None:
    if event.status == Payout.Status.REJECTED and event.reason_code not in ACCOUNT_REASONS:
        _paid_out_again(settlement_by_id(settlement_id=event.settlement_id))
        return
    if event.status != Payout.Status.SETTLED:
        return
    order = order_of_settlement(settlement_id=event.settlement_id)
    if order.status != Order.Status.COMPLETED:
        return  # settled already (a repeated report)
    payout = payout_by_id(payout_id=event.payout_id)
    order_transition(
        order=order,
        to=Order.Status.SETTLED,
        actor_label="pipeline",
        reason=order_words.reason_record(
            order_words.PAID_OUT, payout=payout.end_to_end_id, amount=payout.amount
        ),
    )


def _paid_out_again(settlement: Settlement) -> None:
    rejected = settlement_payouts_rejected(settlement=settlement)
    if rejected < PAYOUT_ATTEMPTS:
        settlement_pay_out(settlement=settlement)
        return
    email_after_commit(
        to=official_emails(role=User.OfficialRole.MDEC_OFFICER),
        subject=f"eWTP Hub: payout of order {settlement.order.reference} held",
        body=(
            f"The partner bank rejected the payout of {settlement.net} for order "
            f"{settlement.order.reference} {rejected} times for reasons of its own. The "
            "money stays in the seller's balance until someone looks into it with the bank."
        ),
    )


@subscribe("hubs.payout_account_changed", name="pipeline.payouts_retried")
def payouts_retried(event: PayoutAccountChanged) -> None:
    for settlement in settlements_awaiting_payout(organization_id=event.organization_id):
        try:
            with transaction.atomic():  # one settlement's trouble is not the others'
                settlement_pay_out(settlement=settlement)
        except Exception:  # logged; the stuck-order sweeper tries it again later
            logger.exception("pipeline: payout of settlement %s failed", settlement.pk)
