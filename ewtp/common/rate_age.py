"""How old a reference rate may be when money is converted "as of today".

The ECB publishes its euro reference rates on TARGET business days only, so a rate's age is
counted in those days: Saturdays and Sundays are not days, nor are the TARGET closing days
(1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December — the ECB's published
TARGET2 calendar). A rate of Thursday before Easter is one business day old on the Tuesday
after it.

A conversion for today refuses a rate more than ``FX_MAX_RATE_AGE_DAYS`` business days old
with ``fx_rate_stale``, rather than pricing today's money at an old rate. A valuation for a
past date takes the rate in force on that date, however old: the check is for today only.
Payments (quotes, settlements) and customs (its rates derive from the same reference rates)
both apply it.
"""

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from .errors import ApplicationError, CommonErrorCode


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous Gregorian computus (Meeus/Jones/
    Butcher), so no year is looked up in a table."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def target_closed(day: date) -> bool:
    """True on a weekend or a TARGET closing day: no reference rates that day."""
    if day.weekday() >= 5:
        return True
    if (day.month, day.day) in {(1, 1), (5, 1), (12, 25), (12, 26)}:
        return True
    easter = easter_sunday(day.year)
    return day in (easter - timedelta(days=2), easter + timedelta(days=1))


def target_business_days_after(start: date, end: date, *, at_most: int | None = None) -> int:
    """How many TARGET business days there are after ``start`` up to and including ``end``
    (0 when ``end`` is not after ``start``); counting stops past ``at_most`` (its answer is
    then ``at_most + 1``), so a rate years old costs no more than a fresh one."""
    count, day = 0, start
    while day < end and (at_most is None or count <= at_most):
        day += timedelta(days=1)
        count += not target_closed(day)
    return count


def target_business_day_latest(on: date) -> date:
    """The latest TARGET business day on or before ``on``."""
    while target_closed(on):
        on -= timedelta(days=1)
    return on


def rate_stale_from(as_of: date) -> date:
    """The first day on which a rate of ``as_of`` is too old for today's conversions."""
    day, left = as_of, settings.FX_MAX_RATE_AGE_DAYS + 1
    while left:
        day += timedelta(days=1)
        left -= not target_closed(day)
    return day


class RateStale(ApplicationError):
    """Today's conversion would use a reference rate older than FX_MAX_RATE_AGE_DAYS."""


def rate_age_check(*, currency: str, as_of: date, on: date | None = None) -> None:
    """Refuse a rate of ``as_of`` for a conversion on ``on`` (today when None) if ``on`` is
    today or later and the rate is more than FX_MAX_RATE_AGE_DAYS business days old."""
    today = timezone.localdate()
    if on is not None and on < today:
        return  # a past date takes the rate in force then
    limit = settings.FX_MAX_RATE_AGE_DAYS
    age = target_business_days_after(as_of, today, at_most=limit)
    if age <= limit:
        return
    raise RateStale(
        f"No current {currency} exchange rate: the latest reference rate is of "
        f"{as_of.isoformat()}, older than the {limit} TARGET business days the hub accepts "
        f"for today's conversions (stale since {rate_stale_from(as_of).isoformat()}). Try "
        "again once new rates are loaded (each ECB business day after 16:00 CET); the hub's "
        "officers are alerted when the rate feed fails.",
        CommonErrorCode.FX_RATE_STALE,
        extra={"field": "currency", "currency": currency, "rate_as_of": as_of.isoformat()},
    )
