"""Customs' series on /metrics (ewtp/common/metrics.py): the declarations open in each state,
those decided in the last minute (the rate of clearance), and the age of the oldest one
waiting for customs in each hub and lane. One query per scrape, whatever the number of
declarations: the open ones and the last minute's decisions, grouped.
"""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .models import Declaration

Status = Declaration.Status
DECIDED = (Status.RELEASED, Status.REJECTED, Status.CANCELLED)
OPEN = tuple(status for status in Status if status not in DECIDED)
# a draft waits for its declarant, not for customs
WAITING = tuple(status for status in OPEN if status != Status.DRAFT)
DECIDED_WINDOW = timedelta(minutes=1)
NO_LANE = "none"  # not yet sent to a lane (submitted, being assessed or classified)


def declaration_counts(*, now) -> list[dict]:
    """The open declarations and those decided since ``now`` - DECIDED_WINDOW, counted by
    hub, regime, status and lane, with the oldest's filing time of each group. The indexes
    on (status, status_changed_at) and (hub, status, created_at) serve it."""
    return list(
        Declaration.objects.filter(
            Q(status__in=OPEN) | Q(status__in=DECIDED, status_changed_at__gte=now - DECIDED_WINDOW)
        )
        .values("hub__code", "regime", "status", "lane")
        .annotate(count=Count("id"), oldest=Min("created_at"))
        .order_by()
    )


class DeclarationsCollector:
    def collect(self):
        now = timezone.now()
        open_ = GaugeMetricFamily(
            "ewtp_customs_declarations_open",
            "Declarations not yet decided (released, rejected or cancelled), by state.",
            labels=["hub", "regime", "status"],
        )
        decided = GaugeMetricFamily(
            "ewtp_customs_declarations_decided_last_minute",
            "Declarations released, rejected or cancelled in the last 60 seconds.",
            labels=["hub", "regime", "status"],
        )
        oldest = GaugeMetricFamily(
            "ewtp_customs_oldest_waiting_declaration_age_seconds",
            "Age since filing of the oldest declaration waiting for customs (submitted to "
            "accepted, not yet released or rejected), by hub and lane.",
            labels=["hub", "lane"],
        )
        counts: dict[tuple, int] = defaultdict(int)
        oldest_filed: dict[tuple, object] = {}
        for row in declaration_counts(now=now):
            hub, status = row["hub__code"], row["status"]
            counts[(hub, row["regime"], status)] += row["count"]
            if status in WAITING:
                lane = (hub, row["lane"] or NO_LANE)
                oldest_filed[lane] = min(oldest_filed.get(lane, row["oldest"]), row["oldest"])
        for labels, count in sorted(counts.items()):
            (decided if labels[2] in DECIDED else open_).add_metric(list(labels), count)
        for labels, filed in sorted(oldest_filed.items()):
            oldest.add_metric(list(labels), max((now - filed).total_seconds(), 0.0))
        return [open_, decided, oldest]
