"""The hub as several machines run it: two web processes, two workers and two beats, each in a
working directory of its own and sharing nothing but PostgreSQL, Redis and an S3-compatible
object store (moto's, on loopback). A seller's listing import and KYC document, and a
consumer's order from the channel's API to the payout, complete across them; then the active
beat is killed and the other takes over within a minute without running any periodic task
twice.

The test plays the people and the clock as the journey tests do (tests/journey.py): the
channel and the bank over HTTP, one web process each; the hubs' operators through the
services. The workers do every pipeline step; the beats send the hub's own schedule, with
the outbox sweep every 2 seconds (OUTBOX_SWEEP_SECONDS) so that its runs can be counted.
"""

import itertools
import json
import os
import secrets
import signal
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import pytest
import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from ewtp.common.beat import heartbeat_key
from hubs.models import KycDocument, Order, Product, ProductImport, User
from payments.models import Payout
from payments.services.escrow import escrow_release
from payments.services.fx import fx_rates_load
from payments.services.payouts import payout_status_report, payouts_batch
from tests import factories, ledger
from tests.journey import ORDER_STATUSES, Journey, worker_settles, world_build
from tests.processes import (
    Credentials,
    answers,
    beat_command,
    consumer_order_placed,
    database_url_of_this_test,
    environment_of_a_process,
    free_port,
    hashed_as_production,
    listing_file,
    output_of,
    payment_reported,
    seller_uploads,
    signed_in,
    started,
    wait_for,
    web_command,
    worker_command,
)
from tests.storage.conftest import s3_environment

REDIS_URL = os.environ.get("REDIS_URL", "")
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
SWEEP_SECONDS = 2
TAKEOVER_LIMIT = 60
METRICS_TOKEN = secrets.token_urlsafe(24)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI runs it on Redis)"),
    pytest.mark.skipif(not POSTGRES, reason="needs DATABASE_URL on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def metrics_after_the_journey(base: str, prefix: str) -> None:
    """The hub's own series, scraped from a web process, say what the workers just did."""
    assert requests.get(f"{base}/metrics", timeout=10).status_code == 404  # not the scraper
    response = requests.get(
        f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
    )
    assert response.status_code == 200
    found = {f.name: f for f in text_string_to_metric_families(response.text)}

    def samples(name: str) -> list:
        return found[name].samples

    queues = {s.labels["queue"] for s in samples("ewtp_celery_queue_messages")}
    assert {f"{prefix}.clearance", f"{prefix}.journey", f"{prefix}.analytics"} <= queues
    finished = {s.labels["task"] for s in samples("ewtp_celery_tasks_finished")}
    assert "ewtp.common.tasks.outbox_dispatch_task" in finished
    assert any(task.startswith("customs.tasks.declaration") for task in finished), finished
    ran = [s for s in samples("ewtp_celery_task_run_seconds") if s.name.endswith("_count")]
    waited = [
        s for s in samples("ewtp_celery_task_queue_wait_seconds") if s.name.endswith("_count")
    ]
    assert sum(s.value for s in ran) > 10 and sum(s.value for s in waited) > 10
    decided = {
        (s.labels["regime"], s.labels["status"]): s.value
        for s in samples("ewtp_customs_declarations_decided_last_minute")
    }
    assert decided[("MY_EXPORT", "released")] >= 1 and decided[("CN_CBEC_IMPORT", "released")] >= 1
    assert not samples("ewtp_customs_oldest_waiting_declaration_age_seconds")  # none waiting
    assert samples("ewtp_outbox_undispatched_events")[0].value == 0
    assert samples("ewtp_outbox_lag_seconds")[0].value == 0
    webhooks = {s.labels["status"]: s.value for s in samples("ewtp_webhook_deliveries")}
    assert webhooks["failed"] == 0
    assert samples("ewtp_beat_heartbeat_age_seconds")[0].value < 30


def sweep_runs(workdirs: list[Path]) -> list[float]:
    """When each run of the outbox sweep finished, on any worker (their JSON log lines)."""
    finished = []
    for workdir in workdirs:
        for line in output_of(workdir, last=10**9).splitlines():
            if not line.startswith("{"):
                continue
            record = json.loads(line)
            message = record.get("message", "")
            if "outbox_sweep_task[" in message and " succeeded in " in message:
                assert record.get("task_id"), record  # the task's id on its own lines
                at = datetime.strptime(record["time"], "%Y-%m-%d %H:%M:%S,%f")
                finished.append(at.timestamp())
    return sorted(finished)


def test_two_webs_two_workers_two_beats(
    tmp_path, hs_nomenclature, isolated_queue, s3_endpoint, s3_bucket
):
    until = time.monotonic() + 240
    prefix = isolated_queue
    world = world_build()
    # an SME still to be verified, which sends its documents
    applicant = factories.MembershipFactory(role="owner", organization__home_hub=world.kul).user
    User.objects.filter(pk__in=[world.seller_owner.pk, applicant.pk]).update(
        password=hashed_as_production(factories.TEST_PASSWORD)
    )
    # the channel's and the bank's secrets, known to this test (stored hashed as the web does)
    channel, bank = (Credentials(world.channel), Credentials(world.bank))
    redbeat_prefix = f"redbeat:{prefix}:"
    env = environment_of_a_process(
        DJANGO_SETTINGS_MODULE="ewtp.settings.local",
        DJANGO_DEBUG="false",
        DATABASE_URL=database_url_of_this_test(),
        REDIS_URL=REDIS_URL,
        CELERY_QUEUE=prefix,
        REDBEAT_KEY_PREFIX=redbeat_prefix,
        OUTBOX_SWEEP_SECONDS=str(SWEEP_SECONDS),
        LOG_FORMAT="json",
        METRICS_TOKEN=METRICS_TOKEN,
        # a killed process's last lines are in its log
        PYTHONUNBUFFERED="1",
        **s3_environment(s3_endpoint, s3_bucket),
    )
    ports = {"web-a": free_port(), "web-b": free_port()}
    commands = {
        **{name: web_command(port) for name, port in ports.items()},
        "worker-a": worker_command("worker-a"),
        "worker-b": worker_command("worker-b"),
        "beat-a": beat_command(),
        "beat-b": beat_command(),
    }
    workdirs = {name: tmp_path / name for name in commands}
    client = redis.Redis.from_url(REDIS_URL)
    try:
        with ExitStack() as stack:
            processes = {
                name: stack.enter_context(started(command, cwd=workdirs[name], env=env))
                for name, command in commands.items()
            }
            web_a, web_b = (f"http://127.0.0.1:{port}" for port in ports.values())
            for base in (web_a, web_b):
                wait_for(lambda b=base: answers(f"{b}/livez"), until=until, what=base)
            journey = Journey(world, worker_settles)
            journey.run(fx_rates_load)  # → customs rates of the day, on a worker

            # a listing import uploaded to one web process, imported by a worker
            seller = world.seller
            seller_uploads(web_a, world.seller_owner, listing_file(["CL-001", "CL-002"]))
            job = wait_for(
                lambda: ProductImport.objects.filter(seller=seller, status="done").first(),
                until=until,
                what="the import",
            )
            assert job.created_count == 2
            assert Product.objects.filter(seller=seller, sku__in=["CL-001", "CL-002"]).count() == 2

            # a KYC document uploaded to one web process, read back through the other
            browser = signed_in(web_b, applicant)
            uploaded = browser.post(
                f"{web_b}/organisation/verification/",
                data={"kind": "registration", "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
                files={"file": ("deed.pdf", PDF, "application/pdf")},
                allow_redirects=False,
                timeout=10,
            )
            assert uploaded.status_code == 302, uploaded.text[:500]
            document = KycDocument.objects.get(
                organization=applicant.memberships.get().organization
            )
            other = signed_in(web_a, applicant)
            fetched = other.get(f"{web_a}/documents/{document.public_id}/", timeout=10)
            assert fetched.history[0].status_code == 302  # to the store's signed URL
            assert fetched.status_code == 200 and fetched.content == PDF

            # a consumer's order from the channel's API (web A) to the payout; the bank
            # reports the payment to web B
            reference = consumer_order_placed(web_a, channel, world, n=1)
            order = Order.objects.get(reference=reference)
            wait_for(
                lambda: Order.objects.get(pk=order.pk).status == "awaiting_payment",
                until=until,
                what="the payment request",
            )
            payment_reported(web_b, bank, Order.objects.get(pk=order.pk), n=1)
            wait_for(
                lambda: Order.objects.get(pk=order.pk).status == "in_customs",
                until=until,
                what="the export clearance",
            )
            parcel = journey.ship(Order.objects.get(pk=order.pk))
            journey.deliver(parcel)
            journey.run(
                escrow_release,
                order=Order.objects.get(pk=order.pk),
                actor_label="buyer",
                reason="Got it",
            )
            payout = Payout.objects.get(settlement__order=order)
            payouts_batch(bank=world.bank)
            journey.run(
                payout_status_report,
                bank=world.bank,
                end_to_end_id=payout.end_to_end_id,
                status="settled",
            )
            order = Order.objects.get(pk=order.pk)
            assert [t.to_status for t in order.transitions.all()] == [*ORDER_STATUSES, "settled"]
            assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
            # both workers took part
            for name in ("worker-a", "worker-b"):
                assert "succeeded in" in output_of(workdirs[name], last=10**9), name
            metrics_after_the_journey(web_b, prefix)

            # the active beat killed: the other takes over within a minute
            active_pid = int(client.hget(heartbeat_key(redbeat_prefix), "pid") or 0)
            active = next(n for n in ("beat-a", "beat-b") if processes[n].pid == active_pid)
            standby = "beat-b" if active == "beat-a" else "beat-a"
            # while both ran, only the lock's holder sent
            assert "Sending due task" in output_of(workdirs[active], last=10**9)
            assert "Sending due task" not in output_of(workdirs[standby], last=10**9)
            os.kill(processes[active].pid, signal.SIGKILL)
            processes[active].wait(timeout=10)
            killed_at = time.monotonic()
            wait_for(
                lambda: (
                    int(client.hget(heartbeat_key(redbeat_prefix), "pid") or 0)
                    == processes[standby].pid
                ),
                until=killed_at + TAKEOVER_LIMIT,
                what="the standby beat to take over",
                every=0.5,
            )
            took_over = time.monotonic() - killed_at
            swept_from = time.time()
            time.sleep(4 * SWEEP_SECONDS)  # a few runs sent by the new beat
            runs = sweep_runs([workdirs["worker-a"], workdirs["worker-b"]])
    except AssertionError:
        for name, workdir in workdirs.items():
            print(f"--- {name}\n{output_of(workdir)}")
        raise
    finally:
        for key in client.scan_iter(match=f"{redbeat_prefix}*"):
            client.delete(key)
        client.close()

    assert took_over <= TAKEOVER_LIMIT
    assert [run for run in runs if run > swept_from], "no sweep after the takeover"
    # no run twice: two runs of the sweep are never closer than half its interval
    gaps = [later - earlier for earlier, later in itertools.pairwise(runs)]
    assert min(gaps) > SWEEP_SECONDS / 2, gaps
    print(f"takeover in {took_over:.1f} s; {len(runs)} sweeps, closest {min(gaps):.2f} s apart")
