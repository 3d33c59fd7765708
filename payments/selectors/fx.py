"""Reads of exchange rates and conversions."""

from datetime import datetime
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Max,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from ..models import (
    FxConversion,
    FxRate,
    IncomingPayment,
)


def fx_rates_latest_day(*, source: str | None = None):
    """The newest day with reference rates (of one source), or None when there are none."""
    rows = FxRate.objects.all() if source is None else FxRate.objects.filter(source=source)
    return rows.aggregate(latest=Max("as_of"))["latest"]


def reference_rates(*, source: str, first_day, last_day) -> dict:
    """The source's rates per day: {day: {currency: units per 1 base}}."""
    days: dict = {}
    rows = FxRate.objects.filter(
        source=source, as_of__gte=first_day, as_of__lte=last_day
    ).values_list("as_of", "quote", "rate", "base")
    for day, quote, rate, base in rows:
        days.setdefault(day, {base: 1})[quote] = rate
    return days


def fx_conversions_open(*, default_bank_id: int | None, before: datetime | None = None):
    """Conversions not yet settled with a bank, each with the bank it is dealt with
    (``dealt_with``): the one that received the money converted (the first payment of the
    order whose escrow was converted), else ``default_bank_id``."""
    received_at = IncomingPayment.objects.filter(
        intent__order_id=OuterRef("ledger_transaction__settlement__order_id")
    ).order_by("id")
    conversions = FxConversion.objects.filter(deal_link__isnull=True).annotate(
        dealt_with=Coalesce(
            Subquery(received_at.values("bank_id")[:1]),
            Value(default_bank_id),
            output_field=BigIntegerField(),
        )
    )
    if before is not None:
        conversions = conversions.filter(ledger_transaction__created_at__lt=before)
    return conversions


def fx_rate_per_base(*, quote: str, on) -> Decimal | None:
    """Units of ``quote`` per unit of the reference rates' base: the latest rate published by
    ``on``, else the earliest there is; None when there is none."""
    row = FxRate.objects.filter(quote=quote, as_of__lte=on).order_by("-as_of").first()
    if row is None:
        row = FxRate.objects.filter(quote=quote).order_by("as_of").first()
    return row.rate if row else None


def fx_conversions_after(*, last_id: int, limit: int) -> list[tuple]:
    """The conversions after ``last_id`` in id order, at most ``limit``, as rows of (id, the
    time of its transaction, currency sold, currency bought, amount sold, amount bought) in
    minor units (one query)."""
    return list(
        FxConversion.objects.filter(pk__gt=last_id)
        .order_by("pk")
        .values_list(
            "pk",
            "ledger_transaction__created_at",
            "from_currency",
            "to_currency",
            "from_minor",
            "to_minor",
        )[:limit]
    )
