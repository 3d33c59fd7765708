"""Orders stuck in a step of the journey longer than it should take (PIPELINE_STUCK_HOURS per
status). A step the platform runs by itself (placed: the payment request; paid: the export
declaration, or a stock order's retail import; completed: the seller's payout) is first
driven again, as its event would drive it (each step is idempotent); an order that is still
there, or stuck where people act (in customs, shipped but not delivered), is e-mailed to the
MDEC officers, once per status it is stuck in (the report is in the order's audit trail).
Failed steps are retried by the outbox; what reaches the officers is what needs a person."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ewtp.common.audit import audit_record
from ewtp.common.notifications import email_after_commit
from hubs.events import order_placed
from hubs.models import Order, User
from hubs.selectors import official_emails, order_moved_on, orders_stuck
from payments.events import OrderPaid
from payments.selectors import order_settlement, payment_intent_of, payouts_live_since
from payments.services.loans import loan_deduct_from_settlement
from payments.services.payouts import settlement_pay_out

logger = logging.getLogger(__name__)
ACTION = "pipeline.order.stuck"
BATCH = 500


def orders_stuck_sweep(*, now=None) -> int:
    """Returns how many orders were newly reported."""
    now = now or timezone.now()
    reported = []
    with transaction.atomic():
        for status, hours in settings.PIPELINE_STUCK_HOURS.items():
            orders = orders_stuck(
                status=status, before=now - timedelta(hours=hours), unreported=ACTION, limit=BATCH
            )
            for order in orders:
                if status in REDRIVEN and _redriven(order):
                    continue  # moved on
                audit_record(
                    actor=None,
                    actor_label="pipeline",
                    action=ACTION,
                    target=order,
                    reason=f"{order.get_status_display()} for more than {hours} hours",
                    data={"status": status},
                )
                reported.append((order, hours))
        _tell_officers(reported, now)
    return len(reported)


def _redrive_payment_request(order: Order) -> None:
    from .step_01_payment_requested import payment_requested

    payment_requested(order_placed(order))


def _redrive_paid_step(order: Order) -> None:
    """Step 2 again: the export declaration, or for an order served from stock its retail
    import (or its dispatch)."""
    from .step_02_export_declared import export_declared
    from .step_02_stock_import_declared import stock_import_declared

    step = stock_import_declared if order.ships_from_stock else export_declared
    intent = payment_intent_of(order=order)
    step(
        OrderPaid(
            order_id=order.pk,
            intent_id=intent.pk,
            amount_minor=intent.received_minor,
            currency=intent.currency,
        )
    )


def _redrive_payout(order: Order) -> None:
    settlement = order_settlement(order=order)
    if settlement is not None:  # step 8 as a whole: the loan's share first, then the rest
        loan_deduct_from_settlement(settlement=settlement)
        settlement_pay_out(settlement=settlement)


REDRIVEN = {
    Order.Status.PLACED: _redrive_payment_request,
    Order.Status.PAID: _redrive_paid_step,
    Order.Status.COMPLETED: _redrive_payout,
}


def _redriven(order: Order) -> bool:
    """Run the order's step again; True when that moved the order on (a payout requested
    counts: the bank's report moves it)."""
    try:
        with transaction.atomic():
            REDRIVEN[order.status](order)
    except Exception:  # the step's own trouble: the officers hear of the order below
        logger.exception("pipeline: re-driving %s (%s) failed", order.reference, order.status)
        return False
    logger.info("pipeline: re-drove %s (%s)", order.reference, order.status)
    if order.status == Order.Status.COMPLETED:  # moved on: a payout on its way, lately sent
        recent = timezone.now() - timedelta(hours=settings.PIPELINE_STUCK_HOURS["completed"])
        return payouts_live_since(order=order, since=recent)
    return order_moved_on(order=order)


def _tell_officers(reported, now) -> None:
    if not reported:
        return
    lines = [
        f"{order.reference}  {order.origin_hub.code}→{order.destination_hub.code}  "
        f"{order.get_status_display()} since {order.since:%Y-%m-%d %H:%M} UTC "
        f"(over {hours} h)"
        for order, hours in reported
    ]
    logger.warning("pipeline: %s orders stuck", len(lines))
    email_after_commit(
        to=official_emails(role=User.OfficialRole.MDEC_OFFICER),
        subject=f"eWTP Hub: {len(lines)} orders stuck in their journey",
        body="These orders have stayed in one step longer than expected:\n\n" + "\n".join(lines),
    )
