"""The beat on Redis (ewtp/common/beat.py): a run is claimed under the lock before it is sent,
and only the lock holder writes the heartbeat /readyz reads. One process plays both beats;
tests/common/test_beat_failover.py runs two real ones."""

import json
import os
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
import redis
from celery import Celery
from django.core.exceptions import ImproperlyConfigured
from redbeat.schedulers import RedBeatSchedulerEntry, acquire_distributed_beat_lock

from ewtp.common.beat import (
    BeatLockLost,
    HubBeatEntry,
    HubBeatScheduler,
    beat_heartbeat_read,
)

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI runs it on Redis)")


def beat_app(prefix: str, **conf) -> Celery:
    """A Celery app of its own: this test's key prefix and one entry, not the hub's schedule."""
    app = Celery(f"beat-{prefix}", set_as_current=False)
    app.config_from_object(
        {
            "broker_url": REDIS_URL or "memory://",
            "redbeat_redis_url": REDIS_URL or "redis://127.0.0.1:9/0",
            "redbeat_key_prefix": prefix,
            "redbeat_lock_timeout": 30,
            "beat_max_loop_interval": 5,
            "result_expires": None,  # no backend_cleanup entry
            "task_default_queue": f"{prefix}queue",
            "beat_schedule": {
                "probe": {"task": "tests.beat_probe", "schedule": timedelta(seconds=2)},
            },
            **conf,
        }
    )
    return app


@pytest.fixture
def beat():
    """A scheduler holding its lock, its schedule stored under this test's prefix."""
    prefix = f"tests-beat-{uuid.uuid4().hex[:8]}:"
    app = beat_app(prefix)
    scheduler = HubBeatScheduler(app=app)
    acquire_distributed_beat_lock(sender=SimpleNamespace(scheduler=scheduler))
    client = redis.Redis.from_url(REDIS_URL)
    try:
        yield scheduler
    finally:
        scheduler.close()
        for key in client.scan_iter(match=f"*{prefix}*"):  # kombu binds the queue too
            client.delete(key)
        client.close()


def test_a_lock_shorter_than_three_ticks_is_refused():
    app = beat_app("tests-beat-config:", redbeat_lock_timeout=10)
    with pytest.raises(ImproperlyConfigured, match="three beat intervals"):
        HubBeatScheduler(app=app, lazy=True)


@needs_redis
def test_a_run_read_before_another_beat_sent_it_is_not_sent_again(beat):
    key = HubBeatEntry.generate_key(beat.app, "probe")
    stale = HubBeatEntry.from_key(key, app=beat.app)  # read by a beat that then stalls

    first = beat.run_claim(HubBeatEntry.from_key(key, app=beat.app))
    assert first is not None and first.total_run_count == 1

    assert beat.run_claim(stale) is None  # that run is claimed: the stalled reading sends nothing
    # the negative control: redbeat's own advance from the same reading stores (and would
    # send) the run again
    plain = RedBeatSchedulerEntry.from_key(key, app=beat.app)
    plain.last_run_at, plain.total_run_count = stale.last_run_at, stale.total_run_count
    assert next(plain).total_run_count == 1


@needs_redis
def test_a_beat_that_lost_its_lock_sends_nothing_and_stops(beat):
    client = redis.Redis.from_url(REDIS_URL)
    client.set(beat.lock.name, "another beat's token", px=30_000)  # the lock passed on
    entry = HubBeatEntry.from_key(HubBeatEntry.generate_key(beat.app, "probe"), app=beat.app)

    with pytest.raises(BeatLockLost):
        beat.run_claim(entry)
    with pytest.raises(BeatLockLost):
        beat.heartbeat_write()
    assert HubBeatEntry.from_key(entry.key, app=beat.app).total_run_count == 0


@needs_redis
def test_the_lock_holder_heartbeat_is_read_with_its_age(beat, settings):
    settings.CELERY_REDBEAT_REDIS_URL = REDIS_URL
    settings.CELERY_REDBEAT_KEY_PREFIX = beat.app.redbeat_conf.key_prefix
    assert beat_heartbeat_read() is None

    entry = HubBeatEntry.from_key(HubBeatEntry.generate_key(beat.app, "probe"), app=beat.app)
    entry.reschedule(last_run_at=entry.last_run_at - timedelta(seconds=10))  # due now
    beat.tick()  # sends the due probe and writes the heartbeat

    heartbeat = beat_heartbeat_read()
    assert heartbeat["pid"] == os.getpid()
    assert 0 <= heartbeat["age_seconds"] < 2
    sent = redis.Redis.from_url(REDIS_URL).lrange(beat.app.conf.task_default_queue, 0, -1)
    assert [json.loads(message)["headers"]["beat_run"] for message in sent] == ["probe#1"]
