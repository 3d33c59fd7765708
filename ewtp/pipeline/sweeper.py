"""Orders stuck in a step of the journey longer than it should take (PIPELINE_STUCK_HOURS per
status: paid without its export declaration moving on, in customs, shipped but not
delivered): the MDEC officers are e-mailed the list, each order once per status it is stuck
in (the report is in the order's audit trail). The steps themselves are retried by the
outbox; what is left here is what needs a person."""

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
from hubs.models import Order, OrderTransition, User

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
