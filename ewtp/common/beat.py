"""The beat of a hub with Redis: any number of `celery beat` processes, one of them sending.

celery-redbeat keeps the schedule in Redis and lets the process that holds its lock tick; the
others wait in `acquire` and poll the lock every `max_interval` seconds. The lock is extended at
the start of every tick and lives `lock_timeout` seconds, so a standby takes over at most
`lock_timeout + max_interval` seconds after the active beat dies (settings/celery_schedule.py).

Two things are added to redbeat here:

- Each run is claimed before it is sent, in one Redis script: the claim succeeds only while
  this process still holds the lock and the entry's stored run is still the one this tick read.
  Redbeat already stores the next `last_run_at` before it publishes (a beat killed between the
  two loses that run; none is sent twice), but it checks the lock once per tick: a beat that
  stalls mid-tick past its lock would send, from its stale reading, runs the new holder has
  already sent. With the claim it stops instead (the lock is gone: `run_claim` raises).
- The lock holder writes a heartbeat (Redis's own clock, host, pid) after every tick, which
  /readyz reads (`beat_heartbeat_read`): a hub whose beat stopped says so.

Every message carries a `beat_run` header, `<entry>#<run number>`, the number claimed with it:
two messages of one entry never carry the same number.
"""

import json
import os
import socket
from functools import cached_property, lru_cache

import redis
from celery.signals import beat_init
from celery.utils.log import get_logger
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from redbeat.decoder import RedBeatJSONEncoder
from redbeat.schedulers import (
    RedBeatConfig,
    RedBeatScheduler,
    RedBeatSchedulerEntry,
    acquire_distributed_beat_lock,
    ensure_conf,
    get_redis,
)

logger = get_logger("celery.beat")

HEARTBEAT_SUFFIX = ":heartbeat"

# KEYS: the entry's hash, the schedule's sorted set, the lock.
# ARGV: this beat's lock token, the entry's meta as this tick read it, the new meta, the score.
# -1: the lock is not ours any more; 0: another beat (or an earlier tick) already claimed it.
_CLAIM_RUN = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
local stored = redis.call('HGET', KEYS[1], 'meta') or ''
if stored ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'meta', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], KEYS[1])
return 1
"""

# KEYS: the heartbeat's hash, the lock. ARGV: the lock token, host, pid.
# Stamped with Redis's clock, which readers compare with the same clock: no skew between hosts.
_HEARTBEAT = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local now = redis.call('TIME')
local at = now[1] .. '.' .. string.format('%06d', tonumber(now[2]))
redis.call('HSET', KEYS[1], 'at', at, 'host', ARGV[2], 'pid', ARGV[3])
return 1
"""


# Importing redbeat connects its lock-taking handler to every beat's start, and that handler
# fails on a beat with a schedule file (the demo's), which has no lock: it runs for redbeat's
# schedulers only, so that this module (read by /readyz and /metrics) may be imported anywhere.
beat_init.disconnect(acquire_distributed_beat_lock)


@beat_init.connect
def _lock_acquired(sender=None, **kwargs):
    if isinstance(sender.scheduler, RedBeatScheduler):
        acquire_distributed_beat_lock(sender=sender, **kwargs)


class BeatLockLost(RuntimeError):
    """This beat no longer holds the schedule's lock: it must stop sending."""


class NamespacedRedBeatConfig(RedBeatConfig):
    """Redbeat's settings as Django names them (CELERY_REDBEAT_…). Redbeat asks whether a key
    was set under its bare name only, so without this it ignores CELERY_REDBEAT_REDIS_OPTIONS
    and warns that CELERY_REDBEAT_REDIS_URL is missing."""

    def is_key_in_conf(self, name):
        namespaced = f"{self.app.namespace or ''}_{name}".upper()
        keys = {key.upper() for key in self.app.conf}
        return name.upper() in keys or namespaced in keys


class HubBeatEntry(RedBeatSchedulerEntry):
    """A schedule entry that remembers the meta it was read with, to claim its next run."""

    def __init__(self, *args, read_meta: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.read_meta = read_meta  # the entry's meta string as Redis held it, "" for none

    @classmethod
    def from_key(cls, key, app=None):
        ensure_conf(app)
        with get_redis(app).pipeline() as pipe:
            pipe.hget(key, "definition")
            pipe.hget(key, "meta")
            definition, meta = pipe.execute()
        if not definition:
            raise KeyError(key)
        decoded_meta = cls.decode_meta(meta)
        entry = cls(app=app, read_meta=meta or "", **cls.decode_definition(definition))
        # celery's ScheduleEntry sets last_run_at to now when given None: never run stays None
        entry.last_run_at = decoded_meta["last_run_at"]
        entry.total_run_count = decoded_meta.get("total_run_count") or 0
        return entry

    def advanced(self) -> "HubBeatEntry":
        """This entry with its next run starting now (not yet stored)."""
        last_run_at, total_run_count = self.default_now(), self.total_run_count + 1
        meta = {"last_run_at": last_run_at, "total_run_count": total_run_count}
        return type(self)(
            **{
                **dict(self),
                **meta,
                "read_meta": json.dumps(meta, cls=RedBeatJSONEncoder),
            }
        )


class HubBeatScheduler(RedBeatScheduler):
    """RedBeatScheduler that claims each run under the lock and writes a heartbeat."""

    Entry = HubBeatEntry

    def __init__(self, app, *args, **kwargs):
        app.redbeat_conf = NamespacedRedBeatConfig(app)
        super().__init__(app, *args, **kwargs)
        # A tick is at most max_interval apart from the last one, plus the time it takes to
        # send what is due: the lock must outlive that with room to spare, or the active beat
        # loses it while healthy and stops.
        if self.lock_timeout < 3 * self.max_interval:
            raise ImproperlyConfigured(
                f"The beat lock timeout ({self.lock_timeout} s) must be at least three beat "
                f"intervals ({self.max_interval} s)."
            )

    @cached_property
    def _scripts(self) -> dict:
        client = get_redis(self.app)
        return {
            "claim": client.register_script(_CLAIM_RUN),
            "heartbeat": client.register_script(_HEARTBEAT),
        }

    def tick(self, **kwargs):
        if self.lock is None:
            # redbeat takes the lock in a beat_init handler, whose errors celery only logs
            raise BeatLockLost("this beat never acquired its lock (see the log above)")
        interval = super().tick(**kwargs)  # extends the lock first, then sends what is due
        self.heartbeat_write()
        return interval

    def maybe_due(self, entry, **kwargs):
        is_due, next_time_to_run = entry.is_due()
        if not is_due:
            return next_time_to_run
        run = self.run_claim(entry)
        if run is None:
            logger.warning("beat: %s was already sent for this run; not sending it", entry.name)
            return next_time_to_run
        headers = {**run.options.get("headers", {})}
        headers["beat_run"] = f"{run.name}#{run.total_run_count}"
        run.options = {**run.options, "headers": headers}
        logger.info("Scheduler: Sending due task %s (%s)", run.name, run.task)
        try:
            # advance=False: the run is already claimed and stored
            self.apply_async(run, advance=False, **kwargs)
        except Exception as exc:
            # this run is lost (claimed, not sent); the next one is due on schedule
            logger.exception("Scheduler: Message Error: %s", exc)
        return next_time_to_run

    def run_claim(self, entry: HubBeatEntry) -> HubBeatEntry | None:
        """The entry's next run, stored in Redis as started now; None when that run was
        claimed already. Raises BeatLockLost when this beat no longer holds the lock."""
        run = entry.advanced()
        outcome = self._scripts["claim"](
            keys=[entry.key, self.app.redbeat_conf.schedule_key, self.lock.name],
            args=[self.lock.local.token, entry.read_meta, run.read_meta, run.score],
        )
        if outcome == -1:
            raise BeatLockLost(f"lost the beat lock {self.lock.name} before sending {entry.name}")
        return run if outcome == 1 else None

    def heartbeat_write(self) -> None:
        written = self._scripts["heartbeat"](
            keys=[heartbeat_key(self.app.redbeat_conf.key_prefix), self.lock.name],
            args=[self.lock.local.token, socket.gethostname(), os.getpid()],
        )
        if not written:
            raise BeatLockLost(f"lost the beat lock {self.lock.name} during a tick")


def beat_in_redis() -> bool:
    """Whether this hub's beat runs on Redis (HubBeatScheduler) and so writes a heartbeat."""
    return bool(getattr(settings, "CELERY_REDBEAT_KEY_PREFIX", ""))


def heartbeat_key(key_prefix: str) -> str:
    return key_prefix + HEARTBEAT_SUFFIX


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    # one pool per process; short timeouts, since a probe waits on this
    return redis.Redis.from_url(
        url, socket_timeout=2, socket_connect_timeout=2, decode_responses=True
    )


def beat_heartbeat_read() -> dict | None:
    """The last heartbeat of this hub's beat, with its age by Redis's clock: {"age_seconds",
    "host", "pid"}; None when no beat has ever ticked. Raises redis errors."""
    client = _client(settings.CELERY_REDBEAT_REDIS_URL)
    with client.pipeline(transaction=False) as pipe:
        pipe.time()
        pipe.hgetall(heartbeat_key(settings.CELERY_REDBEAT_KEY_PREFIX))
        (seconds, microseconds), beat = pipe.execute()
    if not beat.get("at"):
        return None
    now = seconds + microseconds / 1_000_000
    return {
        "age_seconds": round(now - float(beat["at"]), 1),
        "host": beat.get("host", ""),
        "pid": int(beat.get("pid", 0) or 0),
    }
