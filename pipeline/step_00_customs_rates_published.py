"""Step 0, before any order: customs needs its exchange rates of the day to convert declared
values. When new reference rates arrive (payments), each hub country's customs rates are
derived from them (customs currency per unit of every other currency, crossed through the
reference base) and stored in customs with their source and date."""

from datetime import date
from decimal import Decimal

from customs.services.duty import CUSTOMS_CURRENCY
from customs.services.rates import customs_rates_record
from ewtp.common.outbox import subscribe
from payments.events import FxRatesLoaded
from payments.selectors import reference_rates

PRECISION = Decimal("1e-10")


@subscribe("payments.fx_rates_loaded", name="pipeline.customs_rates_published")
def customs_rates_published(event: FxRatesLoaded) -> None:
    days = reference_rates(
        source=event.source,
        first_day=date.fromisoformat(event.first_day),
        last_day=date.fromisoformat(event.last_day),
    )
    for country, customs_currency in CUSTOMS_CURRENCY.items():
        rows = [
            (day, currency, (Decimal(rates[customs_currency]) / Decimal(rate)).quantize(PRECISION))
            for day, rates in days.items()
            if customs_currency in rates
            for currency, rate in rates.items()
            if currency != customs_currency
        ]
        customs_rates_record(country=country, rows=rows, source=f"{event.source} reference")
