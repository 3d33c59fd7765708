"""Reference rates for the tests' today — test data, and named so.

The hub refuses to convert money "today" at a rate more than FX_MAX_RATE_AGE_DAYS business
days old, and much of the suite converts money today. ``EcbShapedTestRates`` (the test
settings' FX_RATE_SOURCE) is the recorded ECB feed (payments/data: the ECB's values of
2026-04-13) with its day moved to the latest TARGET business day on or before the tests'
today, stored under the source name ``ECB-TEST`` rather than ``ECB``: the values are real,
the day is not. It goes through the same parser as the live feed.
"""

import re
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from customs.models import CustomsExchangeRate
from ewtp.common.rate_age import target_business_day_latest
from payments.models import FxRate
from payments.services.fx_feeds import EcbRecordedFeed

RECORDED_DAY = re.compile(rb"time='\d{4}-\d{2}-\d{2}'")


class EcbShapedTestRates(EcbRecordedFeed):
    name = "ECB-TEST"

    def download(self) -> bytes:
        day = target_business_day_latest(timezone.localdate())
        moved, count = RECORDED_DAY.subn(f"time='{day.isoformat()}'".encode(), super().download())
        assert count == 1, "the recorded feed carries one day"
        return moved


def reference_rates_aged(*, days: int) -> None:
    """Move every stored reference rate, and the customs rates derived from them, ``days``
    calendar days back: the state of a hub whose feed stopped that long ago. (One day of
    rates is stored in these tests, so no two rows meet on a day.)"""
    FxRate.objects.update(as_of=F("as_of") - timedelta(days=days))
    CustomsExchangeRate.objects.update(valid_from=F("valid_from") - timedelta(days=days))
