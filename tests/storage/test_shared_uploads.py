"""The compose shape: a product import saved by the web process is read by a worker that shares
no folder with it, through object storage (moto's S3 server on loopback), a real Redis broker
and the PostgreSQL test database.

Both run as processes of their own, each in an empty working directory, with the settings a
deployment gives them from the environment (ewtp.settings.local, STORAGE_S3_*, a queue of
this test's own): the seller signs in and uploads over HTTP, the worker imports.
"""

import os
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from hubs.models import Product, ProductImport, User
from tests.factories import TEST_PASSWORD
from tests.processes import (
    answers,
    database_url_of_this_test,
    environment_of_a_process,
    free_port,
    hashed_as_production,
    listing_file,
    output_of,
    seller_uploads,
    started,
    wait_for,
    web_command,
    worker_command,
)

from .conftest import s3_client, s3_environment

DEADLINE_SECONDS = 45  # start-up of both processes included
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL"),
    pytest.mark.skipif(not POSTGRES, reason="needs DATABASE_URL on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@contextmanager
def web_and_worker(tmp_path: Path, env: dict[str, str], *, until: float):
    """The web process (runserver) and a worker, each in a working directory of its own; the
    web's address once it answers. Their output is shown if the block fails."""
    port = free_port()
    try:
        with ExitStack() as stack:
            for name, command in (("web", web_command(port)), ("worker", worker_command())):
                stack.enter_context(started(command, cwd=tmp_path / name, env=env))
            base = f"http://127.0.0.1:{port}"
            wait_for(lambda: answers(f"{base}/livez"), until=until, what="the web process")
            yield base
    except AssertionError:
        for name in ("web", "worker"):
            print(f"--- {name}\n" + output_of(tmp_path / name))
        raise


def test_an_import_uploaded_to_the_web_is_imported_by_a_worker_on_another_machine(
    tmp_path, hs_nomenclature, seller_owner, s3_endpoint, s3_bucket
):
    until = time.monotonic() + DEADLINE_SECONDS
    seller = seller_owner.memberships.get().organization
    User.objects.filter(pk=seller_owner.pk).update(password=hashed_as_production(TEST_PASSWORD))
    env = environment_of_a_process(
        DJANGO_SETTINGS_MODULE="ewtp.settings.local",
        DJANGO_DEBUG="false",
        DATABASE_URL=database_url_of_this_test(),
        # the prefix of this test's own queues
        CELERY_QUEUE=f"tests-storage-{uuid.uuid4().hex[:8]}",
        **s3_environment(s3_endpoint, s3_bucket),
    )
    with web_and_worker(tmp_path, env, until=until) as base:
        seller_uploads(base, seller_owner, listing_file(["BTK-001", "BTK-002"]))
        job = wait_for(
            lambda: ProductImport.objects.filter(
                seller=seller, status__in=["done", "failed"]
            ).first(),
            until=until,
            what="the worker to finish the import",
        )

    assert (job.status, job.failure) == ("done", "")
    assert (job.created_count, job.error_count) == (2, 0)
    assert set(Product.objects.filter(seller=seller).values_list("sku", flat=True)) == {
        "BTK-001",
        "BTK-002",
    }
    # the file went to the bucket, not to a folder of the web process
    stored = s3_client(s3_endpoint).get_object(Bucket=s3_bucket, Key=job.file.name)
    assert b"BTK-002" in stored["Body"].read()
    assert not (Path(settings.MEDIA_ROOT) / job.file.name).exists()
