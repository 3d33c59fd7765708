"""Step 9: the bank settled the payout of an order's settlement → the order is settled, the
end of its journey. A payout the bank rejected is back in the seller's balance (payments
flags the account and tells the owners); when the owners change the payout account, every
settlement whose payout was rejected, or which could not be paid out, is sent again."""

from django.db import transaction

from ewtp.common.outbox import subscribe
from hubs.events import PayoutAccountChanged
from hubs.models import Order
from hubs.services.orders import order_transition
from payments.events import PayoutReported
from payments.models import Payout, Settlement
from payments.services.payouts import settlement_pay_out


@subscribe("payments.payout_reported", name="pipeline.settled")
def settled(event: PayoutReported) -> None:
    if event.settlement_id is None or event.status != Payout.Status.SETTLED:
        return
    order = Order.objects.get(settlement__pk=event.settlement_id)
    if order.status != Order.Status.COMPLETED:
        return  # settled already (a repeated report)
    payout = Payout.objects.get(pk=event.payout_id)
    order_transition(
        order=order,
        to=Order.Status.SETTLED,
        actor_label="pipeline",
        reason=f"Payout {payout.end_to_end_id} of {payout.amount} reached the seller's bank.",
    )


@subscribe("hubs.payout_account_changed", name="pipeline.payouts_retried")
def payouts_retried(event: PayoutAccountChanged) -> None:
    waiting = Settlement.objects.filter(
        organization_id=event.organization_id, order__status=Order.Status.COMPLETED
    ).exclude(payouts__status__in=Payout.LIVE)
    for settlement in waiting.order_by("id"):
        with transaction.atomic():  # one settlement's trouble is not the others'
            settlement_pay_out(settlement=settlement)
