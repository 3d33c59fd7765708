"""The declarant's organisation, with its owner (the officer who audits is the HGH customs
officer of tests/customs/conftest.py)."""

import pytest

from tests import factories


@pytest.fixture
def seller(kul):
    seller = factories.SellerFactory(home_hub=kul)
    seller.owner = factories.member(seller)
    return seller
