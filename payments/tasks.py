"""Celery entry points of the payments app."""

from datetime import timedelta

from celery import Task, shared_task
from django.utils import timezone

from ewtp.common.audit import SYSTEM_BEAT
from ewtp.common.errors import ConflictError

from .services.escrow import escrow_release_due
from .services.fx_feeds import fx_feed_failure_report, fx_feed_fetch
from .services.loans import instalments_overdue_sweep
from .services.payouts import payouts_batch_all
from .services.treasury import treasury_settle_all


@shared_task
def escrow_release_due_task() -> int:
    return escrow_release_due()


class _RateFeedTask(Task):
    """When the feed task gives up (its retries spent, or a document refused, which is not
    retried: the same document would be refused again) the officers are told."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        fx_feed_failure_report(error=exc)


# The ECB publishes once a day around 16:00 CET. A feed that does not answer (OSError: no
# connection, a timeout, TLS, an answer other than 200) is tried again 5, 10 and 20 minutes
# later, well within the broker's visibility timeout; then the next beat run of the day
# takes over (CELERY_BEAT_SCHEDULE "fx-rates-refresh").
@shared_task(
    base=_RateFeedTask,
    autoretry_for=(OSError,),
    retry_backoff=300,
    retry_backoff_max=1200,
    retry_jitter=False,
    max_retries=3,
)
def fx_rates_refresh_task() -> int | None:
    fetch = fx_feed_fetch()
    return fetch.pk if fetch else None


@shared_task
def payouts_batch_task() -> int:
    return payouts_batch_all(actor_label=SYSTEM_BEAT)


@shared_task
def instalments_overdue_task() -> int:
    return instalments_overdue_sweep(actor_label=SYSTEM_BEAT)


# another run holding the day's conversions: try again shortly; a day missed is taken by the
# next day's run (it settles every conversion not yet settled)
@shared_task(autoretry_for=(ConflictError,), retry_backoff=60, max_retries=3)
def treasury_settle_task() -> int:
    yesterday = timezone.now().date() - timedelta(days=1)
    return treasury_settle_all(day=yesterday, actor_label=SYSTEM_BEAT)
