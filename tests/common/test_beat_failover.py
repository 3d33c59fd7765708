"""Two real `celery beat` processes on one Redis: one sends, the other waits; killed, the
active one's place is taken within a minute, and no run is sent twice.

The beats run tests/beat_settings.py (two entries, every 2 s and 3 s, to this test's queue)
under this test's key prefix, with the hub's own lock timeout and tick. Nothing consumes the
queue: the test takes each message off it as it arrives and notes when, who sent it (the
`origin` header names the sender's pid) and which run it is (`beat_run`).
"""

import itertools
import json
import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
INTERVALS = {"probe-every-2s": 2.0, "probe-every-3s": 3.0}
# Seconds from the kill to the standby's first message. Required: within a minute. Expected:
# the lock outlives the killed beat's last tick by 30 s and the standby tries it every 5 s, so
# 35 s at most, and a little for the standby's first tick.
TAKEOVER_LIMIT = 40

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI runs it on Redis)"),
]


@dataclass(frozen=True)
class Sent:
    at: float  # time.monotonic() when the test took it off the queue
    pid: int
    entry: str
    run: int


class Queue:
    """The test's queue, read as messages arrive (polled every 0.1 s)."""

    def __init__(self, client: redis.Redis, name: str):
        self.client, self.name, self.sent = client, name, []

    def drain_for(self, seconds: float, until=None) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for raw in self.client.rpop(self.name, 100) or []:
                headers = json.loads(raw)["headers"]
                entry, run = headers["beat_run"].split("#")
                pid = int(headers["origin"].removeprefix("gen").split("@")[0])
                self.sent.append(Sent(time.monotonic(), pid, entry, int(run)))
            if until is not None and until():
                return
            time.sleep(0.1)


def beat_start(workdir: Path, env: dict) -> subprocess.Popen:
    workdir.mkdir()
    with (workdir / "beat.log").open("w") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [str(ROOT / ".venv/bin/celery"), "-A", "ewtp", "beat", "--loglevel=INFO"],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def log_of(workdir: Path) -> str:
    return (workdir / "beat.log").read_text(errors="replace")


def waiting_for_lock(workdir: Path) -> bool:
    # "beat: Starting..." is logged just before the beat_init signal, whose handler takes
    # (or waits for) the lock
    return "beat: Starting..." in log_of(workdir)


def test_a_standby_beat_takes_over_and_no_run_is_sent_twice(tmp_path):
    tag = uuid.uuid4().hex[:8]
    queue_name, prefix = f"tests-beat-{tag}", f"tests-beat-{tag}:"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.beat_settings",
        "REDIS_URL": REDIS_URL,
        "REDBEAT_KEY_PREFIX": prefix,
        "BEAT_TEST_QUEUE": queue_name,
    }
    for setting in ("BEAT_LOCK_TIMEOUT", "BEAT_MAX_LOOP_INTERVAL", "CELERY_QUEUE"):
        env.pop(setting, None)  # the hub's defaults
    client = redis.Redis.from_url(REDIS_URL)
    queue = Queue(client, queue_name)
    dirs = {"a": tmp_path / "a", "b": tmp_path / "b"}
    beats = {name: beat_start(path, env) for name, path in dirs.items()}
    try:
        # 1. both run; one sends
        queue.drain_for(20, until=lambda: all(waiting_for_lock(p) for p in dirs.values()))
        queue.drain_for(8)
        assert all(beat.poll() is None for beat in beats.values()), _logs(dirs)
        senders = {sent.pid for sent in queue.sent}
        assert len(senders) == 1, (senders, _logs(dirs))
        active = next(name for name, beat in beats.items() if beat.pid in senders)
        standby = "b" if active == "a" else "a"
        assert len(queue.sent) >= 4, _logs(dirs)
        assert _heartbeat_pid(client, prefix) == beats[active].pid
        assert "Acquired lock" not in log_of(dirs[standby])

        # 2. the active beat is killed; the standby takes over
        os.kill(beats[active].pid, signal.SIGKILL)
        beats[active].wait(timeout=10)
        killed_at, before_kill = time.monotonic(), len(queue.sent)
        queue.drain_for(
            TAKEOVER_LIMIT,
            until=lambda: any(s.pid == beats[standby].pid for s in queue.sent[before_kill:]),
        )
        taken_over = [s for s in queue.sent[before_kill:] if s.pid == beats[standby].pid]
        assert taken_over, f"no message within {TAKEOVER_LIMIT} s of the kill\n{_logs(dirs)}"
        takeover_seconds = taken_over[0].at - killed_at
        queue.drain_for(7)
        assert beats[standby].poll() is None, _logs(dirs)
        assert _heartbeat_pid(client, prefix) == beats[standby].pid

        # 3. no run twice: per entry, run numbers unique and rising, at most one lost to the
        # kill (claimed, not sent); and never two messages closer than the interval allows
        after = [s for s in queue.sent if s.pid == beats[standby].pid]
        assert {s.pid for s in queue.sent} == {beats[active].pid, beats[standby].pid}
        for entry, interval in INTERVALS.items():
            runs = [s for s in queue.sent if s.entry == entry]
            numbers = [s.run for s in runs]
            assert numbers == sorted(set(numbers)), (entry, numbers)
            assert numbers[-1] - numbers[0] + 1 - len(numbers) <= 1, (entry, numbers)
            gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(runs)]
            assert min(gaps) > interval * 0.7, (entry, gaps)
            new_runs = [s for s in after if s.entry == entry]
            elapsed = new_runs[-1].at - new_runs[0].at
            assert len(new_runs) <= elapsed / interval + 1.5, (entry, len(new_runs), elapsed)
        print(
            f"takeover after {takeover_seconds:.1f} s; {len(queue.sent)} messages, "
            f"{before_kill} before the kill, {len(after)} from the standby"
        )
    finally:
        for beat in beats.values():
            if beat.poll() is None:
                os.kill(beat.pid, signal.SIGKILL)
                beat.wait(timeout=10)
        for key in client.scan_iter(match=f"*tests-beat-{tag}*"):
            client.delete(key)
        client.close()


def _heartbeat_pid(client: redis.Redis, prefix: str) -> int:
    return int(client.hget(f"{prefix}:heartbeat", "pid") or 0)


def _logs(dirs: dict[str, Path]) -> str:
    return "\n".join(f"--- beat {name}\n{log_of(path)[-3000:]}" for name, path in dirs.items())
