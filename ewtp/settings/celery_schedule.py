"""Background work: the Celery broker and its queue, the workers' limits, the beat (where its
schedule is kept, how a standby takes over) and its one schedule, and the outbox its sweep
re-drives."""

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
# The prefix of this deployment's queues, `<prefix>.<kind>[.<HUB>]` (celery_routes.py): hubs
# that share one broker (staging beside production, a benchmark beside the demo) keep apart by
# it. A task that no route names goes to the bare prefix.
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
CELERY_TIMEZONE = "UTC"

# The beat. With Redis, any number of `celery beat` processes: the schedule and the time of
# each entry's last run live in Redis, one process holds the lock and sends, the others wait
# and take over (ewtp/common/beat.py). The active beat extends its lock every tick
# (BEAT_MAX_LOOP_INTERVAL at most); a standby polls for it as often, so one takes over at most
# BEAT_LOCK_TIMEOUT + BEAT_MAX_LOOP_INTERVAL seconds (35 by default) after the active beat
# died. Without Redis (the embedded demo), one beat process with its schedule file.
BEAT_MAX_LOOP_INTERVAL = env.int("BEAT_MAX_LOOP_INTERVAL", default=5)
BEAT_LOCK_TIMEOUT = env.int("BEAT_LOCK_TIMEOUT", default=30)
# /readyz answers 503 when the beat's last heartbeat is older: longer than a takeover, so that
# a failover alone never makes the hub unready.
BEAT_STALE_AFTER = env.int("BEAT_STALE_AFTER", default=120)
if REDIS_URL:
    CELERY_BEAT_SCHEDULER = "ewtp.common.beat.HubBeatScheduler"
    CELERY_BEAT_MAX_LOOP_INTERVAL = BEAT_MAX_LOOP_INTERVAL
    CELERY_REDBEAT_REDIS_URL = REDIS_URL
    # hubs sharing one Redis keep their schedules, locks and heartbeats apart, as their queues
    CELERY_REDBEAT_KEY_PREFIX = env(
        "REDBEAT_KEY_PREFIX", default=f"redbeat:{CELERY_TASK_DEFAULT_QUEUE}:"
    )
    CELERY_REDBEAT_LOCK_TIMEOUT = BEAT_LOCK_TIMEOUT
    # A Redis that stops answering fails the beat (its supervisor restarts it) rather than
    # hanging it: the lock then passes to a beat that can reach Redis.
    CELERY_REDBEAT_REDIS_OPTIONS = {"socket_timeout": 10, "socket_connect_timeout": 5}
else:
    CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

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
