"""FX: reference rates, quotes with the hub's spread, and conversions through the ledger.

Rates are stored as the source publishes them (the ECB: units per 1 EUR); a cross rate goes
through the base (MYR→CNY = CNY per EUR ÷ MYR per EUR). The spread is the hub's margin,
taken from the amount the receiver gets; the quote shows both the market and the applied
rate, so a seller sees what it is paid before payout. A conversion is one ledger transaction
through the FX position accounts, with an FxConversion row naming the rate used.

Today's quotes refuse a rate older than FX_MAX_RATE_AGE_DAYS TARGET business days
(ewtp.common.rate_age); the daily feed that keeps them fresh is fx_feeds.py.
"""

import csv
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.errors import ApplicationError
from ewtp.common.money import minor_units, money_to_minor
from ewtp.common.outbox import event_record
from ewtp.common.rate_age import rate_age_check

from ..errors import PaymentsErrorCode
from ..events import FxRatesLoaded
from ..models import Account, FxConversion, FxRate, LedgerTransaction
from .accounts import fx_account
from .ledger import Posting, ledger_post

BUNDLED_ECB_FILE = Path(__file__).resolve().parent.parent / "data" / "ecb-reference-rates.csv"


@dataclass(frozen=True)
class RateRow:
    quote: str
    rate: Decimal
    as_of: date


class BundledEcbSource:
    """The ECB reference rates shipped with the hub (payments/data): offline and reproducible."""

    name, base = "ECB", "EUR"

    def fetch(self) -> list[RateRow]:
        with open(BUNDLED_ECB_FILE, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            return [
                RateRow(quote=currency, rate=Decimal(value), as_of=date.fromisoformat(row["Date"]))
                for row in reader
                for currency, value in row.items()
                if currency != "Date" and value and value != "N/A"
            ]


def fx_rates_load(*, source=None) -> int:
    """Store what the source gives (a re-run of the same day changes nothing); returns how
    many rows were new. The beat task fetches through fx_feeds.fx_feed_fetch instead, which
    also keeps the document."""
    source = source or import_string(settings.FX_RATE_SOURCE)()
    return fx_rates_store(source=source, rows=source.fetch())


def fx_rates_store(*, source, rows: list[RateRow]) -> int:
    """Store the source's rows; a rate already stored for its day is kept as it is."""
    existing = set(
        FxRate.objects.filter(
            source=source.name, as_of__gte=min((r.as_of for r in rows), default=date.max)
        ).values_list("quote", "as_of")
    )
    new = [
        FxRate(source=source.name, base=source.base, quote=r.quote, rate=r.rate, as_of=r.as_of)
        for r in rows
        if (r.quote, r.as_of) not in existing
    ]
    with transaction.atomic():
        FxRate.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        if new:
            days = [rate.as_of for rate in new]
            event_record(
                FxRatesLoaded(
                    source=source.name,
                    first_day=min(days).isoformat(),
                    last_day=max(days).isoformat(),
                    count=len(new),
                )
            )
    return len(new)


@dataclass(frozen=True)
class FxQuote:
    source: Money
    target: Money
    market_rate: Decimal  # target units per source unit
    spread_percent: Decimal
    applied_rate: Decimal
    rate_source: str
    rate_as_of: date


def _per_base(currency: str, on: date) -> FxRate | None:
    return FxRate.objects.filter(quote=currency, as_of__lte=on).order_by("-as_of").first()


def fx_quote(
    *, amount: Money, to: str, on: date | None = None, spread_percent: Decimal | None = None
) -> FxQuote:
    """How much ``amount`` is in ``to`` at the latest rate on or before ``on``, less the spread.
    The target is rounded down to its minor unit: a conversion never creates money.

    For today (``on`` None, today or later) a rate more than FX_MAX_RATE_AGE_DAYS TARGET
    business days old is refused (RateStale, ``fx_rate_stale``) rather than used; a past
    ``on`` takes the rate in force that day, however old (ewtp.common.rate_age)."""
    on = on or timezone.localdate()
    spread = settings.FX_SPREAD_PERCENT if spread_percent is None else spread_percent
    source_currency = amount.currency.code
    if source_currency == to:
        return FxQuote(amount, amount, Decimal(1), Decimal(0), Decimal(1), "identity", on)
    rates = {}
    for currency in (source_currency, to):
        if currency == "EUR":
            continue
        row = _per_base(currency, on)
        if row is None:
            raise ApplicationError(
                _("No %(currency)s reference rate on or before %(day)s.")
                % {"currency": currency, "day": on},
                PaymentsErrorCode.FX_RATE_MISSING,
            )
        rate_age_check(currency=currency, as_of=row.as_of, on=on)
        rates[currency] = row
    per_eur = {c: r.rate for c, r in rates.items()} | {"EUR": Decimal(1)}
    market = per_eur[to] / per_eur[source_currency]
    applied = market * (1 - Decimal(str(spread)) / 100)
    step = Decimal(1).scaleb(-minor_units(to))
    target = Money((amount.amount * applied).quantize(step, rounding=ROUND_DOWN), to)
    oldest = min((r for r in rates.values()), key=lambda r: r.as_of)
    return FxQuote(
        amount, target, market, Decimal(str(spread)), applied, oldest.source, oldest.as_of
    )


def fx_reference_rate(*, source: str, to: str) -> tuple[Decimal, str, date]:
    """Today's reference rate (``to`` units per ``source`` unit, without the spread), its
    source and date: for a price the hub publishes in one currency and charges in another
    (hubs' shipping rates, through settings.CHARGES_FX_RATE). Refuses a stale rate as
    fx_quote does."""
    quote = fx_quote(amount=Money(1, source), to=to, spread_percent=Decimal(0))
    return quote.market_rate, quote.rate_source, quote.rate_as_of


def fx_postings(*, quote: FxQuote, debit: Account, credit: Account) -> list[Posting]:
    """``quote.source`` out of ``debit`` and ``quote.target`` into ``credit``, through the FX
    position accounts of both currencies (each currency balances on its own)."""
    source, target = quote.source, quote.target
    return [
        Posting(debit, -source),
        Posting(fx_account(currency=source.currency.code), source),
        Posting(fx_account(currency=target.currency.code), -target),
        Posting(credit, target),
    ]


def fx_conversion_record(*, ledger_transaction: LedgerTransaction, quote: FxQuote) -> FxConversion:
    """The rate a transaction converted at, next to it (once: a retried posting finds it)."""
    conversion, _created = FxConversion.objects.get_or_create(
        ledger_transaction=ledger_transaction,
        defaults={
            "from_minor": money_to_minor(quote.source),
            "from_currency": quote.source.currency.code,
            "to_minor": money_to_minor(quote.target),
            "to_currency": quote.target.currency.code,
            "market_rate": quote.market_rate.quantize(Decimal("1e-10")),
            "spread_percent": quote.spread_percent,
            "applied_rate": quote.applied_rate.quantize(Decimal("1e-10")),
            "rate_source": quote.rate_source,
            "rate_as_of": quote.rate_as_of,
        },
    )
    return conversion


def fx_convert(
    *,
    quote: FxQuote,
    debit: Account,
    credit: Account,
    description: str,
    reference: str = "",
    idempotency_key: str | None = None,
    actor_label: str = "",
) -> LedgerTransaction:
    """Convert between two accounts as one ledger transaction, and record the rate used."""
    with transaction.atomic():
        ledger_transaction = ledger_post(
            kind=LedgerTransaction.Kind.FX,
            description=description,
            reference=reference,
            idempotency_key=idempotency_key,
            actor_label=actor_label,
            postings=fx_postings(quote=quote, debit=debit, credit=credit),
        )
        fx_conversion_record(ledger_transaction=ledger_transaction, quote=quote)
    return ledger_transaction
