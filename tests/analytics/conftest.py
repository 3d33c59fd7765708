"""The dashboards' reader, and a journey with a row in every table a chart draws."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import FxDay, MoneyDay
from analytics.services.rollups import upsert_rows
from tests import factories
from tests.analytics.trade import trade


@pytest.fixture
def officer(db):
    return factories.UserFactory(official_role="mdec_officer")


@pytest.fixture
def until():
    """A period's end that takes in the journey's flight (it lands today or tomorrow)."""
    return (timezone.now() + timedelta(days=2)).date().isoformat()


@pytest.fixture
def traded(journey):
    """The small journey, with escrow also holding yuan, a conversion and a credit line."""
    from moneyed import Money

    from payments.services.credit import CreditRequest, credit_apply, credit_score_record
    from payments.services.loans import loan_draw
    from tests.payments.test_loans import GOOD

    trade(journey)
    today = timezone.localdate()
    upsert_rows(
        MoneyDay,
        [
            ((today, measure, "CNY", "KUL", "CN", "other"), {"amount_minor": amount}, {})
            for measure, amount in (("paid_in", 50_000), ("escrow_net", 50_000), ("fees", 1_250))
        ],
    )
    upsert_rows(
        FxDay,
        [((today, "CNY", "MYR"), {"conversions": 2, "from_minor": 50_000, "to_minor": 32_000}, {})],
    )
    lender = factories.api_client(kind="bank", name="Lender", scopes=["credit:write"]).client
    seller = journey.world.seller
    stored = credit_score_record(organization=seller, record=GOOD, trigger="test")
    application = credit_apply(
        organization=seller,
        stored=stored,
        request=CreditRequest(Money("3000", "MYR"), 3, lender.pk, consent=True),
        actor=None,
    )
    loan_draw(application=application, actor=None)
    return journey
