"""The age of a reference rate in TARGET business days, and today's refusal of an old one."""

import csv
from datetime import date, timedelta

import pytest
import time_machine

from ewtp.common.errors import CommonErrorCode
from ewtp.common.rate_age import (
    RateStale,
    easter_sunday,
    rate_age_check,
    rate_stale_from,
    target_business_day_latest,
    target_business_days_after,
    target_closed,
)
from payments.services.fx import BUNDLED_ECB_FILE


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2000, date(2000, 4, 23)),
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),  # the latest possible
        (2285, date(2285, 3, 22)),  # the earliest possible
    ],
)
def test_easter_is_computed_for_any_year(year, easter):
    assert easter_sunday(year) == easter


def test_the_target_closing_days():
    closed = [
        date(2026, 1, 1),
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),
        date(2026, 12, 25),
        date(2026, 12, 26),  # a Saturday this year: closed twice over
        date(2026, 12, 5),  # Saturday
        date(2026, 12, 6),  # Sunday
    ]
    assert all(target_closed(day) for day in closed)
    open_days = [date(2026, 4, 2), date(2026, 4, 7), date(2026, 12, 24), date(2026, 12, 31)]
    assert not any(target_closed(day) for day in open_days)


def test_the_calendar_is_the_ecbs_on_every_day_of_the_bundled_history():
    """The ECB's own publication days (payments/data, 2024-01-02 to 2026-04-13, two Easters
    and three Christmases) are exactly the TARGET business days of that span."""
    with open(BUNDLED_ECB_FILE, newline="", encoding="utf-8") as handle:
        published = {date.fromisoformat(row["Date"]) for row in csv.DictReader(handle)}
    day, business = min(published), set()
    while day <= max(published):
        if not target_closed(day):
            business.add(day)
        day += timedelta(days=1)
    assert published == business


def test_age_counts_business_days_only():
    thursday_before_easter = date(2026, 4, 2)
    assert target_business_days_after(thursday_before_easter, date(2026, 4, 6)) == 0
    assert target_business_days_after(thursday_before_easter, date(2026, 4, 7)) == 1
    assert target_business_days_after(date(2026, 4, 10), date(2026, 4, 13)) == 1  # weekend
    assert target_business_days_after(date(2026, 4, 13), date(2026, 4, 13)) == 0
    # counting stops past the limit: a rate of 1999 costs no more than one of last week
    assert target_business_days_after(date(1999, 1, 4), date(2026, 4, 13), at_most=4) == 5
    assert target_business_day_latest(date(2026, 4, 6)) == date(2026, 4, 2)


def test_a_rate_is_stale_from_the_fifth_business_day_after_it(settings):
    settings.FX_MAX_RATE_AGE_DAYS = 4
    assert rate_stale_from(date(2026, 4, 13)) == date(2026, 4, 20)  # Monday → next Monday
    assert rate_stale_from(date(2026, 4, 1)) == date(2026, 4, 10)  # over Easter


@time_machine.travel("2026-04-20 10:00Z", tick=False)
def test_today_refuses_a_stale_rate_and_a_past_date_takes_it(settings):
    settings.FX_MAX_RATE_AGE_DAYS = 4
    rate_age_check(currency="MYR", as_of=date(2026, 4, 14))  # four business days: fine
    with pytest.raises(RateStale) as refused:
        rate_age_check(currency="MYR", as_of=date(2026, 4, 13))
    assert refused.value.code == CommonErrorCode.FX_RATE_STALE
    assert "MYR" in refused.value.message and "2026-04-13" in refused.value.message
    assert refused.value.extra == {
        "field": "currency",
        "currency": "MYR",
        "rate_as_of": "2026-04-13",
    }
    rate_age_check(currency="MYR", as_of=date(2026, 4, 13), on=date(2026, 4, 17))  # the past
    with pytest.raises(RateStale):  # a day to come is valued at today's rate: checked too
        rate_age_check(currency="MYR", as_of=date(2026, 4, 13), on=date(2026, 4, 21))
