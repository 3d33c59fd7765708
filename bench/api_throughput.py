"""The API against the framework's floor, on one real server, as ratios from one run.

A real gunicorn (2 sync workers) serves the hub from the benchmark's PostgreSQL database,
with one extra URL: /bench/floor, a DRF view with no authentication and a constant body
(bench/floor_urls.py). Client threads send requests over HTTP with a bank's bearer token:

- GET /api/v1/ping (token authentication only) against the floor;
- GET /api/v1/statements/ and GET /api/v1/payouts/batches/ (40 batches of 20 payouts)
  against the floor;
- POST /api/v1/payments/incoming, each paying a different prepared order (row locks, the
  ledger posting with its deferred balance check, the outbox event, the idempotency key),
  against ping.

Goals (the throughput issue): ping ≥ 0.6× the floor, the two lists ≥ 0.35× each, a payment
≥ 0.35× ping.
"""

import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness import run_benchmark

ORDERS = 300
CALLS = 600
THREADS = 4
BATCHES, PAYOUTS_PER_BATCH = 40, 20
ROOT = Path(__file__).resolve().parent.parent


def payout_batches(bank) -> None:
    """Batches as the payout sweep leaves them, written directly: the list reads them."""
    from payments.models import LedgerTransaction, Payout, PayoutBatch
    from tests import factories

    seller = factories.SellerFactory()
    posted = LedgerTransaction.objects.create(kind="adjustment", description="bench payouts")
    for b in range(BATCHES):
        batch = PayoutBatch.objects.create(
            bank=bank,
            message_id=f"BENCH-{b:04d}",
            payout_count=PAYOUTS_PER_BATCH,
            totals=[{"currency": "MYR", "minor": sum(range(10_000, 10_000 + PAYOUTS_PER_BATCH))}],
        )
        Payout.objects.bulk_create(
            Payout(
                organization=seller,
                bank=bank,
                batch=batch,
                end_to_end_id=f"BENCH-{b:04d}-{n:03d}",
                amount_minor=10_000 + n,
                currency="MYR",
                creditor_name=seller.legal_name,
                creditor_bic="MBBEMYKL",
                creditor_account="5140 1234 5678",
                status="batched",
                ledger_transaction=posted,
            )
            for n in range(PAYOUTS_PER_BATCH)
        )


def run():
    logging.disable(logging.INFO)  # preparing orders runs the pipeline's tasks in-process
    from django.db import connection
    from django.test import override_settings

    from tests import factories, ledger

    hub = factories.hub("HGH")
    # hashed with the server's hasher (the benchmark process runs with the tests' fast one)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        credentials = factories.api_client(
            kind="bank",
            name="Bench bank",
            scopes=["payments:write", "statements:read", "payouts:read"],
        )
    orders = [ledger.placed_order(destination_hub=hub).reference for _ in range(ORDERS)]
    payout_batches(credentials.client)
    server, url = _start_server(connection.settings_dict)
    try:
        token = _token(url, credentials)
        headers = {"Authorization": f"Bearer {token}"}

        def calls(path):
            return [("GET", path, None, headers)] * CALLS

        results = {"floor": _load(url, [("GET", "/bench/floor", None, {})] * CALLS)}
        results["ping"] = _load(url, calls("/api/v1/ping"))
        results["payments"] = _load(
            url,
            [
                (
                    "POST",
                    "/api/v1/payments/incoming",
                    {
                        "order_reference": reference,
                        "bank_reference": f"BENCH-{n}",
                        "amount": {"amount": "90.00", "currency": "MYR"},
                        "payer": {"name": "Bench buyer"},
                    },
                    headers | {"Idempotency-Key": f"bench-{n}"},
                )
                for n, reference in enumerate(orders)
            ],
        )
        results["statements"] = _load(url, calls("/api/v1/statements/"))
        results["batches"] = _load(url, calls("/api/v1/payouts/batches/"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"gunicorn 2 sync workers, {THREADS} client threads, PostgreSQL")
    names = {
        "floor": "GET /bench/floor (minimal DRF)",
        "ping": "GET /api/v1/ping",
        "statements": "GET /api/v1/statements/",
        "batches": "GET /api/v1/payouts/batches/",
        "payments": "POST /api/v1/payments/incoming",
    }
    for key, name in names.items():
        result = results[key]
        print(
            f"{name:34} {result['rps']:7.1f} req/s   p50 {result['p50'] * 1000:6.1f} ms   "
            f"p95 {result['p95'] * 1000:6.1f} ms   errors {result['errors']}"
        )
    for key, against, goal in (
        ("ping", "floor", 0.6),
        ("statements", "floor", 0.35),
        ("batches", "floor", 0.35),
        ("payments", "ping", 0.35),
    ):
        ratio = results[key]["rps"] / results[against]["rps"]
        print(f"ratio {key} / {against}: {ratio:.2f}x (goal ≥ {goal}x)")


def _start_server(database: dict):
    port = _free_port()
    user = database["USER"] or "postgres"
    host = database["HOST"] or "127.0.0.1"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "floor_settings",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"postgres://{user}@{host}:{database['PORT'] or 5432}/{database['NAME']}",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ewtp.wsgi:application",
            "--pythonpath",
            str(ROOT / "bench"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _token(url, credentials) -> str:
    import base64
    import urllib.parse

    basic = base64.b64encode(f"{credentials.client_id}:{credentials.client_secret}".encode())
    request = urllib.request.Request(
        f"{url}/api/v1/oauth/token/",
        data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
        headers={
            "Authorization": f"Basic {basic.decode()}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())["access_token"]


def _load(url, calls) -> dict:
    """Send ``calls`` from THREADS threads; requests per second and latency percentiles."""
    latencies, errors, lock = [], [], threading.Lock()
    pending = list(calls)

    def worker():
        while True:
            with lock:
                if not pending:
                    return
                method, path, body, headers = pending.pop()
            data = json.dumps(body).encode() if body is not None else None
            request = urllib.request.Request(
                url + path,
                data=data,
                method=method,
                headers=headers | ({"Content-Type": "application/json"} if data else {}),
            )
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
            except urllib.error.HTTPError as error:
                errors.append(error.code)
            latency = time.perf_counter() - started
            with lock:
                latencies.append(latency)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "errors": len(errors),
    }


if __name__ == "__main__":
    run_benchmark(run)
