"""The seller the LVG tests follow, and a registration threshold a few sales reach."""

import pytest

from customs.models import RegimeParameter
from tests import factories


@pytest.fixture
def seller(hgh):
    """A seller in Hangzhou selling online to consumers in Malaysia, with its owner."""
    organization = factories.SellerFactory(
        legal_name="Hangzhou Silk Online Co., Ltd.", country="CN", home_hub=hgh
    )
    return organization, factories.member(organization)


@pytest.fixture
def threshold_1000():
    """The registration threshold as dated data: RM1,000 here (RM500,000 in the bundled
    parameters), so that a few sales reach it."""
    RegimeParameter.objects.filter(name="lvg_registration_threshold").update(value="1000")
