"""Lanes routed by the restricted-goods rule alone, and the KUL importer the permit tests
follow."""

import pytest

from customs.models import RiskRule
from hubs.models import User
from tests import factories


@pytest.fixture
def restricted_goods_rule_only(lanes_by_rule):
    """The bundled tariff, random selection and the new-exporter rule off: a permit line
    sends a declaration to the blue lane, nothing else does."""
    RiskRule.objects.filter(code="new_exporter").update(enabled=False)


@pytest.fixture
def kul_importer(kul, restricted_goods_rule_only):
    """A KUL importer and its owner, and a KUL customs officer."""
    importer = factories.SellerFactory(home_hub=kul)
    owner = factories.member(importer)
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul, email="o@kul.my"
    )
    return {"importer": importer, "owner": owner, "officer": officer, "kul": kul}
