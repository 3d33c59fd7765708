"""The hub's processes (web, worker, beat) started for a test as a deployment starts them: each
a process of its own in a working directory of its own, configured only by its environment,
against the test's database, Redis and object store. Loopback only."""

import csv
import io
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from hubs.services.imports import COLUMNS
from tests.factories import TEST_PASSWORD
from tests.journey import resident_id
from tests.listing_files import GOOD_LISTING

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url_of_this_test() -> str:
    """DATABASE_URL of the test's own database (pytest-django's test_<name>)."""
    database = urlsplit(os.environ["DATABASE_URL"])
    return database._replace(path="/" + connection.settings_dict["NAME"]).geturl()


def environment_of_a_process(**overrides: str) -> dict[str, str]:
    """This machine's environment without what the test run set for itself, plus
    ``overrides``: what an operator would give the process."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "PYTEST_", "STORAGE_S3_", "CELERY_", "REDBEAT_"))
        and name not in ("MEDIA_ROOT", "DATABASE_URL")
    }
    return {"PYTHONPATH": str(settings.BASE_DIR), **kept, **overrides}


def web_command(port: int) -> list[str]:
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "runserver"]
    return [*command, f"127.0.0.1:{port}", "--noreload", "--skip-checks"]


def worker_command(name: str = "worker") -> list[str]:
    # no -Q: the worker takes every queue of its prefix (CELERY_QUEUE), whichever of them a
    # task is routed to (ewtp/settings/celery_routes.py)
    return [
        str(BIN / "celery"),
        "-A",
        "ewtp",
        "worker",
        "--pool",
        "solo",
        "--without-mingle",
        "--without-gossip",
        "--loglevel",
        "INFO",
        "--hostname",
        f"{name}@%h",
    ]


def beat_command() -> list[str]:
    return [str(BIN / "celery"), "-A", "ewtp", "beat", "--loglevel", "INFO"]


@contextmanager
def started(command: list[str], *, cwd: Path, env: dict[str, str]):
    """A process for the ``with`` block in the (new) working directory ``cwd``, killed when
    the block ends however it ends; its output goes to ``cwd/output.log``."""
    cwd.mkdir(parents=True, exist_ok=True)
    with (cwd / "output.log").open("wb") as output:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=output, start_new_session=True
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


def output_of(cwd: Path, last: int = 4000) -> str:
    path = cwd / "output.log"
    return path.read_text(errors="replace")[-last:] if path.exists() else ""


def wait_for(condition, *, until: float, what: str, every: float = 0.25):
    """``condition()``'s first true value before the monotonic time ``until``."""
    while time.monotonic() < until:
        if result := condition():
            return result
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:  # not listening yet, or still loading the hub
        return False


def hashed_as_production(secret: str) -> str:
    """``secret`` hashed as a hub process checks it: the tests' fast hasher is unknown there."""
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(secret, hasher.salt())


def signed_in(base: str, user) -> requests.Session:
    """A browser signed in to the hub process at ``base`` as ``user`` (whose password is the
    factories' TEST_PASSWORD, hashed_as_production)."""
    browser = requests.Session()
    browser.get(f"{base}/accounts/login/", timeout=10)
    response = browser.post(
        f"{base}/accounts/login/",
        data={
            "username": user.email,
            "password": TEST_PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return browser


def listing_file(skus: list[str]) -> bytes:
    """A listing CSV of a good row for each SKU."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for sku in skus:
        writer.writerow({column: GOOD_LISTING.get(column, "") for column in COLUMNS} | {"sku": sku})
    return out.getvalue().encode()


def seller_uploads(base: str, seller_owner, content: bytes) -> None:
    """Sign in and upload a listing file, as a browser does."""
    browser = signed_in(base, seller_owner)
    browser.get(f"{base}/products/imports/", timeout=10)
    uploaded = browser.post(
        f"{base}/products/imports/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        files={"file": ("listings.csv", content, "text/csv")},
        allow_redirects=False,
        timeout=10,
    )
    assert uploaded.status_code == 302, uploaded.text[:500]


class Credentials:
    """A partner's client id and a fresh secret of the test's, stored as a hub process
    checks it."""

    def __init__(self, api_client):
        from oauth2_provider.models import Application

        self.client_id = api_client.application.client_id
        self.client_secret = secrets.token_urlsafe(32)
        Application.objects.filter(client_id=self.client_id).update(
            client_secret=hashed_as_production(self.client_secret)
        )

    def headers(self, base: str, idempotency_key: str) -> dict[str, str]:
        """A bearer token from the hub process at ``base``, and the request's key."""
        response = requests.post(
            f"{base}/api/v1/oauth/token/",
            data={"grant_type": "client_credentials"},
            auth=(self.client_id, self.client_secret),
            timeout=10,
        )
        assert response.status_code == 200, response.text
        bearer = f"Bearer {response.json()['access_token']}"
        return {"Authorization": bearer, "Idempotency-Key": idempotency_key}


def consumer_order_placed(base: str, channel: Credentials, world, *, n: int, incoterm="DAP"):
    """A consumer's order of two of the world's product placed on the channel API at
    ``base``; its reference."""
    placed = requests.post(
        f"{base}/api/v1/orders/",
        json={
            "seller": str(world.seller.public_id),
            "destination_hub": "HGH",
            "incoterm": incoterm,
            "lines": [{"product": str(world.product.public_id), "quantity": 2}],
            "consumer": {
                "name": f"Chen Jing {n}",
                "address": f"{18 + n} Wensan Road, Hangzhou",
                "country": "CN",
                "id_reference": resident_id(n),
            },
        },
        headers=channel.headers(base, f"order-{uuid.uuid4()}"),
        timeout=20,
    )
    assert placed.status_code == 201, placed.text
    return placed.json()["reference"]


def payment_reported(base: str, bank: Credentials, order, *, n: int) -> None:
    """The bank reports consumer ``n``'s payment of the order's intent to ``base``."""
    intent = order.payment_intent
    paid = requests.post(
        f"{base}/api/v1/payments/incoming",
        json={
            "order_reference": order.reference,
            "bank_reference": f"B-{order.reference}",
            "amount": {"amount": str(intent.amount.amount), "currency": intent.currency},
            "payer": {"name": f"Chen Jing {n}", "id_reference": resident_id(n)},
        },
        headers=bank.headers(base, f"pay-{order.reference}"),
        timeout=20,
    )
    assert paid.status_code == 201, paid.text
