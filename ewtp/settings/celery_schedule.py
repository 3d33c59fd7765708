"""Background work: the Celery broker and its queue, the workers' limits, the one beat
schedule of the hub and the outbox its sweep re-drives."""

from datetime import timedelta

from celery.schedules import crontab

from .environment import REDIS_URL, VAR_DIR, env

# Without REDIS_URL the broker is kombu's filesystem transport under var/, so web, worker and
# beat of the demo talk through plain files and need no server.
CELERY_BROKER_DIR = VAR_DIR / "celery" / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message not acknowledged within this window is delivered again (acks_late). Time-
    # based steps never use ETAs/countdowns longer than this: they are beat sweeps instead.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Hubs that share one broker (staging beside production, a benchmark beside the demo) keep
# apart by queue: every task this process sends, and the worker's own follow-ups, go here.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# acks_late alone loses the task of a worker killed mid-run (the message is acked as
# "failed"); reject_on_worker_lost puts it back on the queue instead.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TIME_LIMIT", default=90)
CELERY_TASK_TRACK_STARTED = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Without it Celery's Django fixup closes the database connection after every task, and a
# one-query task spends most of its time reconnecting (~200 tasks/s against ~660/s reused).
# A connection is still closed when unusable, and recycled after this many tasks.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"

# The one beat schedule of the hub: every time-based step is a sweep over the database.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "ewtp.common.tasks.outbox_sweep_task",
        "schedule": timedelta(seconds=env.int("OUTBOX_SWEEP_SECONDS", default=30)),
    },
    "webhooks-sweep": {
        "task": "ewtp.common.tasks.webhooks_sweep_task",
        "schedule": timedelta(seconds=30),
    },
    "credit-scores-nightly": {
        "task": "pipeline.tasks.credit_scores_nightly_task",
        "schedule": crontab(hour=2, minute=0),
    },
    "instalments-overdue": {
        "task": "payments.tasks.instalments_overdue_task",
        "schedule": crontab(hour=1, minute=0),
    },
    "money-rollup": {
        "task": "analytics.tasks.money_rollup_task",
        "schedule": timedelta(minutes=1),
    },
    "emails-sweep": {
        "task": "ewtp.common.tasks.emails_sweep_task",
        "schedule": timedelta(minutes=2),
    },
    "orders-expire": {
        "task": "hubs.tasks.orders_expire_task",
        "schedule": timedelta(seconds=env.int("ORDER_EXPIRY_SWEEP_SECONDS", default=60)),
    },
    "payouts-batch": {
        "task": "payments.tasks.payouts_batch_task",
        "schedule": timedelta(hours=24),
    },
    # the day's conversions settled with each bank (FX deals), once the day is over
    "treasury-settle": {
        "task": "payments.tasks.treasury_settle_task",
        "schedule": crontab(hour=0, minute=30),
    },
    # The ECB publishes its reference rates on TARGET business days around 16:00 CET (15:00
    # UTC; 14:00 in summer time): fetched after it, then twice later in the day in case the
    # feed was late or down (a run that finds the day's rates stored fetches nothing). On a
    # TARGET holiday the feed repeats the last day, which changes nothing.
    "fx-rates-refresh": {
        "task": "payments.tasks.fx_rates_refresh_task",
        "schedule": crontab(minute=30, hour="15,17,20", day_of_week="mon-fri"),
    },
    "escrow-release-due": {
        "task": "payments.tasks.escrow_release_due_task",
        "schedule": timedelta(minutes=env.int("ESCROW_SWEEP_MINUTES", default=15)),
    },
    "flights-advance": {
        "task": "logistics.tasks.flights_advance_task",
        "schedule": timedelta(minutes=env.int("FLIGHTS_ADVANCE_MINUTES", default=5)),
    },
    "consolidate": {
        "task": "logistics.tasks.consolidate_task",
        "schedule": timedelta(minutes=env.int("CONSOLIDATION_MINUTES", default=15)),
    },
    "orders-stuck-sweep": {
        "task": "pipeline.tasks.orders_stuck_sweep_task",
        "schedule": timedelta(minutes=30),
    },
    "declarations-stuck-sweep": {
        "task": "customs.tasks.declarations_stuck_sweep_task",
        "schedule": timedelta(minutes=5),
    },
    # unregistered sellers whose LVG sales into Malaysia near or pass the registration
    # threshold are told by e-mail, each mark once (customs/services/lvg.py)
    "lvg-threshold-sweep": {
        "task": "customs.tasks.lvg_threshold_sweep_task",
        "schedule": crontab(hour=19, minute=15),  # 03:15 in Kuala Lumpur
    },
    "idempotency-keys-expire": {
        "task": "ewtp.common.tasks.idempotency_keys_expire_task",
        "schedule": timedelta(hours=1),
    },
}

# An outbox event still undelivered this long after it was recorded is re-driven by the sweep.
OUTBOX_REDRIVE_AFTER = timedelta(seconds=env.int("OUTBOX_REDRIVE_AFTER_SECONDS", default=60))
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
