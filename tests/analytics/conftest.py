"""The dashboards' reader, and a journey with a row in every table a chart draws."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import FxDay, MoneyDay
from analytics.services.rollups import upsert_rows
from tests.analytics.trade import credit_line_drawn, trade


@pytest.fixture
def until():
    """A period's end that takes in the journey's flight (it lands today or tomorrow)."""
    return (timezone.now() + timedelta(days=2)).date().isoformat()


@pytest.fixture
def traded(journey):
    """The small journey, with escrow also holding yuan, a conversion and a credit line."""
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
    credit_line_drawn(journey.world.seller)
    return journey
