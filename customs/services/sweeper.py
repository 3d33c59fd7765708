"""The stuck sweeper: declarations that stay in a state longer than they should.

One in an automatic state (submitted, assessed) past CUSTOMS_STUCK_AUTOMATIC_MINUTES lost its
task (a broker outage, a worker killed): it is re-driven, at most once per that period, which
is safe because each step acts only from its own state. One waiting for an officer (lane, held) past
CUSTOMS_STUCK_QUEUED_HOURS is a queue falling behind. Either is reported once per state to the
hub's customs officers (and logged), so nobody is e-mailed every five minutes.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ewtp.common.notifications import email_after_commit
from hubs.models import User

from ..models import Declaration
from .filing import declarations_process_enqueue

logger = logging.getLogger(__name__)
AUTOMATIC = (Declaration.Status.SUBMITTED, Declaration.Status.ASSESSED)
QUEUED = (Declaration.Status.LANE, Declaration.Status.HELD, Declaration.Status.CLASSIFY)
BATCH = 1000


def declarations_stuck_sweep(*, now=None) -> tuple[int, int]:
    """Returns (re-driven, newly reported)."""
    now = now or timezone.now()
    automatic = Declaration.objects.filter(
        status__in=AUTOMATIC,
        status_changed_at__lt=now - timedelta(minutes=settings.CUSTOMS_STUCK_AUTOMATIC_MINUTES),
    )
    queued = Declaration.objects.filter(
        status__in=QUEUED,
        status_changed_at__lt=now - timedelta(hours=settings.CUSTOMS_STUCK_QUEUED_HOURS),
    )
    with transaction.atomic():
        stuck = list(
            (automatic | queued)
            .filter(stuck_reported_at__isnull=True)
            .select_related("hub")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("status_changed_at")[:BATCH]
        )
        Declaration.objects.filter(pk__in=[d.pk for d in stuck]).update(stuck_reported_at=now)
        _report(stuck, now)
    redriven = _claim_redrive(automatic, now)
    transaction.on_commit(lambda: declarations_process_enqueue(redriven))
    return len(redriven), len(stuck)


def _claim_redrive(automatic, now) -> list[int]:
    """The oldest stuck declarations not re-driven in the last period, claimed (a second
    sweeper running at once skips them), so a backlog is not queued again every sweep."""
    period = now - timedelta(minutes=settings.CUSTOMS_STUCK_AUTOMATIC_MINUTES)
    with transaction.atomic():
        ids = list(
            automatic.filter(Q(redriven_at__isnull=True) | Q(redriven_at__lt=period))
            .select_for_update(skip_locked=True)
            .order_by("status_changed_at")
            .values_list("pk", flat=True)[:BATCH]
        )
        Declaration.objects.filter(pk__in=ids).update(redriven_at=now)
    return ids


def _report(stuck: list[Declaration], now) -> None:
    by_hub = defaultdict(list)
    for declaration in stuck:
        by_hub[declaration.hub].append(declaration)
    for hub, declarations in by_hub.items():
        lines = [
            f"{d.reference}  {d.get_status_display()}  {d.lane or '-'}  since "
            f"{d.status_changed_at:%Y-%m-%d %H:%M} UTC ({(now - d.status_changed_at)} ago)"
            for d in declarations
        ]
        logger.warning("customs: %s declarations stuck at %s", len(lines), hub.code)
        officers = User.objects.filter(
            official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hub, is_active=True
        )
        email_after_commit(
            to=list(officers.values_list("email", flat=True)),
            subject=f"eWTP Hub {hub.code}: {len(lines)} declarations stuck",
            body="These declarations have stayed in one state longer than expected:\n\n"
            + "\n".join(lines),
        )
