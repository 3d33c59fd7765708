"""Orders stuck in a step of the journey longer than it should take (PIPELINE_STUCK_HOURS per
status). A step the platform runs by itself (placed: the payment request; paid: the export
declaration; completed: the seller's payout) is first driven again, as its event would
drive it (each step is idempotent); an order that is still there, or stuck where people act
(in customs, shipped but not delivered), is e-mailed to the MDEC officers, once per status
it is stuck in (the report is in the order's audit trail). Failed steps are retried by the
outbox; what reaches the officers is what needs a person."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from ewtp.common.audit import audit_record
from ewtp.common.models import AuditEntry
from ewtp.common.notifications import email_after_commit
from hubs.events import OrderPlaced
from hubs.models import Order, OrderTransition, User
from payments.events import OrderPaid
from payments.models import PaymentIntent, Payout, Settlement
from payments.services.loans import loan_deduct_from_settlement
from payments.services.payouts import settlement_pay_out

logger = logging.getLogger(__name__)
ACTION = "pipeline.order.stuck"
BATCH = 500


def orders_stuck_sweep(*, now=None) -> int:
    """Returns how many orders were newly reported."""
    now = now or timezone.now()
    since = OrderTransition.objects.filter(order=OuterRef("pk")).order_by("-created_at", "-id")
    reported = []
    with transaction.atomic():
        for status, hours in settings.PIPELINE_STUCK_HOURS.items():
            reported_before = AuditEntry.objects.filter(
                action=ACTION,
                target_type="hubs.order",
                target_id=Cast(OuterRef("pk"), CharField()),
                data__status=status,
            )
            orders = (
                Order.objects.filter(status=status)
                .annotate(since=Subquery(since.values("created_at")[:1]))
                .filter(since__lt=now - timedelta(hours=hours))
                .exclude(Exists(reported_before))  # before the batch is cut: none starve
                .select_related("origin_hub", "destination_hub")
                .order_by("since")[:BATCH]
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

    payment_requested(
        OrderPlaced(
            order_id=order.pk,
            reference=order.reference,
            seller_id=order.seller_id,
            total_amount=str(order.total.amount),
            currency=order.total.currency.code,
        )
    )


def _redrive_export_declaration(order: Order) -> None:
    from .step_02_export_declared import export_declared

    intent = PaymentIntent.objects.get(order=order)
    export_declared(
        OrderPaid(
            order_id=order.pk,
            intent_id=intent.pk,
            amount_minor=intent.received_minor,
            currency=intent.currency,
        )
    )


def _redrive_payout(order: Order) -> None:
    settlement = Settlement.objects.filter(order=order).first()
    if settlement is not None:  # step 8 as a whole: the loan's share first, then the rest
        loan_deduct_from_settlement(settlement=settlement)
        settlement_pay_out(settlement=settlement)


REDRIVEN = {
    Order.Status.PLACED: _redrive_payment_request,
    Order.Status.PAID: _redrive_export_declaration,
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
        return Payout.objects.filter(
            settlement__order=order, status__in=Payout.LIVE, created_at__gte=recent
        ).exists()
    return Order.objects.filter(pk=order.pk).exclude(status=order.status).exists()


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
    officers = User.objects.filter(official_role=User.OfficialRole.MDEC_OFFICER, is_active=True)
    email_after_commit(
        to=list(officers.values_list("email", flat=True)),
        subject=f"eWTP Hub: {len(lines)} orders stuck in their journey",
        body="These orders have stayed in one step longer than expected:\n\n" + "\n".join(lines),
    )
