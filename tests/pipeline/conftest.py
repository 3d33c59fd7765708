import pytest

from payments.services.fx import fx_rates_load
from tests.conftest import celery_worker
from tests.journey import Journey, worker_settles, world_build


@pytest.fixture
def worker_journey(kul, hgh, isolated_queue, hs_nomenclature):
    """The journey on a real Celery worker on Redis (transactional tests only): each action
    waits until the worker has delivered every event it caused. The HS nomenclature is loaded
    again if an earlier transactional test emptied it: the bundled tariff is checked against
    it."""
    world = world_build()
    with celery_worker(isolated_queue):
        journey = Journey(world, worker_settles)
        journey.run(fx_rates_load)  # → customs rates of the day, on the worker
        yield journey
