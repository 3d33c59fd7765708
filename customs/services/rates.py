"""Customs exchange rates: the rate a country's customs applies on a date, and the loading of
rates derived from the reference rates the hub receives (through the pipeline)."""

from datetime import date
from decimal import Decimal

from ewtp.common.errors import ApplicationError
from ewtp.common.rate_age import rate_age_check

from ..errors import CustomsErrorCode
from ..models import CustomsExchangeRate
from .duty import CUSTOMS_CURRENCY


def customs_rate(*, country: str, currency: str, on: date) -> tuple[Decimal, str]:
    """Units of the country's customs currency per unit of ``currency`` in force on ``on``,
    and where the rate came from (recorded on the declaration). A valuation for today
    refuses a rate derived from reference rates more than FX_MAX_RATE_AGE_DAYS business days
    old (``fx_rate_stale``, ewtp.common.rate_age); a past date takes the rate of then."""
    if currency == CUSTOMS_CURRENCY[country]:
        return Decimal(1), "identity"
    row = (
        CustomsExchangeRate.objects.filter(country=country, currency=currency, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )
    if row is None:
        raise ApplicationError(
            f"Customs in {country} has no exchange rate for {currency} on or before {on}.",
            CustomsErrorCode.CUSTOMS_RATE_MISSING,
            extra={"field": "currency"},
        )
    rate_age_check(currency=currency, as_of=row.valid_from, on=on)
    return row.rate, f"{row.source} {row.valid_from.isoformat()}"[:50]


def customs_rates_record(
    *, country: str, rows: list[tuple[date, str, Decimal]], source: str
) -> int:
    """Store (valid_from, currency, rate) rows; a rate already stored for that day is kept,
    so a re-run changes nothing. Returns how many rows were new."""
    existing = set(
        CustomsExchangeRate.objects.filter(
            country=country, valid_from__gte=min((r[0] for r in rows), default=date.max)
        ).values_list("valid_from", "currency")
    )
    new = [
        CustomsExchangeRate(
            country=country, currency=currency, rate=rate, valid_from=on, source=source[:50]
        )
        for on, currency, rate in rows
        if (on, currency) not in existing
    ]
    CustomsExchangeRate.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)
