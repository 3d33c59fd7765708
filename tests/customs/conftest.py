"""What many customs tests start from: an HGH customs officer, the customs rates of the day,
and a tariff with no line for T-shirts into China."""

import pytest
from django.db.models import Q

from customs.models import TariffLine
from hubs.models import User
from payments.services.fx import fx_rates_load
from tests import factories


@pytest.fixture
def officer(hgh):
    """A customs officer at Hangzhou, where most of these tests declare their imports."""
    return factories.UserFactory(official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh)


@pytest.fixture
def customs_rates(kul, hgh, lanes_by_rule, django_capture_on_commit_callbacks):
    """The bundled tariff, lanes by rule, and the customs rates of the day, which the
    pipeline derives from the day's reference rates."""
    with django_capture_on_commit_callbacks(execute=True):
        fx_rates_load()


@pytest.fixture
def no_cn_line_for_t_shirts(tariff):
    """The bundled tariff, but no CN line in force covers T-shirts (HS 6109), at any level."""
    TariffLine.objects.filter(country="CN").filter(
        Q(hs_code__startswith="6109") | Q(hs_code__in=["61", "6109"])
    ).delete()
