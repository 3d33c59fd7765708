import pytest
from celery.contrib.testing.worker import start_worker

from ewtp.celery import app
from payments.services.fx import fx_rates_load
from tests.common.test_celery_worker import isolated_queue  # noqa: F401 - a fixture
from tests.journey import Journey, worker_settles, world_build


@pytest.fixture
def worker_journey(kul, hgh, isolated_queue):  # noqa: F811
    """The journey on a real Celery worker on Redis (transactional tests only): each action
    waits until the worker has delivered every event it caused."""
    world = world_build()
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        queues=[isolated_queue],
        perform_ping_check=False,
        shutdown_timeout=10,
    ):
        journey = Journey(world, worker_settles)
        journey.run(fx_rates_load)  # → customs rates of the day, on the worker
        yield journey
