"""Settings of the `celery beat` processes that tests/common/test_beat_failover.py starts: the
test settings with a real broker and a schedule of two fast entries sending to the test's own
queue (BEAT_TEST_QUEUE). Its key prefix comes through REDBEAT_KEY_PREFIX, as in production."""

from datetime import timedelta

from ewtp.settings.test import *  # noqa: F403
from ewtp.settings.test import env

CELERY_TASK_ALWAYS_EAGER = False

# Nothing takes these messages: the test reads them off the queue. The task name is not one
# the hub has, so a stray worker on the queue could only reject them.
_QUEUE = env("BEAT_TEST_QUEUE")
CELERY_BEAT_SCHEDULE = {
    "probe-every-2s": {
        "task": "tests.beat_probe",
        "schedule": timedelta(seconds=2),
        "options": {"queue": _QUEUE},
    },
    "probe-every-3s": {
        "task": "tests.beat_probe",
        "schedule": timedelta(seconds=3),
        "options": {"queue": _QUEUE},
    },
}
