import pytest

from payments.services.fx import fx_rates_load
from tests.journey import Journey, world_build


@pytest.fixture
def journey(kul, hgh, django_capture_on_commit_callbacks):
    """The journey in-process: each action's pipeline steps run after its commit, as the
    worker would run them."""
    journey = Journey(world_build(), lambda: django_capture_on_commit_callbacks(execute=True))
    journey.run(fx_rates_load)
    return journey
