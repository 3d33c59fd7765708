"""Reads of Malaysia's sales tax on low value goods (customs/models/lvg.py names the law):
the registration in force on a date, a seller's LVG sales over 12 months against the
registration threshold, and a registered seller's return for one taxable period (its CSV
and XLSX files: customs/documents.py)."""

import bisect
import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from hubs.models import Order

from .models import Declaration, DeclarationItem, LvgRegistration, RegimeParameter

MY_IMPORT = Declaration.Regime.MY_IMPORT
LVG_TAX = "lvg_sales_tax"  # the duty engine's tax line (customs/services/duty.py)
# declarations that declare nothing (yet, or any more)
NOT_DECLARED = (
    Declaration.Status.DRAFT,
    Declaration.Status.CANCELLED,
    Declaration.Status.REJECTED,
)
CENT = Decimal("0.01")
# the return is Malaysia's: an order's date is its date in Malaysia, whoever reads it
MALAYSIA = zoneinfo.ZoneInfo("Asia/Kuala_Lumpur")
# the marks at which an unregistered seller is told (LvgThresholdNotice.Mark): 80 % of the
# threshold, and over it (the Act makes a seller liable when its sales exceed the threshold)
NEARING_SHARE = Decimal("0.8")


# --- the registration ----------------------------------------------------------------------


def lvg_registration_in_force(*, organization, on: datetime.date) -> LvgRegistration | None:
    """The seller's registration that applies on ``on`` (effective by then, not cancelled
    from then), or None."""
    if organization is None:
        return None
    return (
        LvgRegistration.objects.filter(organization=organization, effective_from__lte=on)
        .filter(Q(cancelled_from__isnull=True) | Q(cancelled_from__gt=on))
        .order_by("-effective_from", "-id")
        .first()
    )


def lvg_registered_on(*, on: datetime.date, organization_ids: list[int]) -> set[int]:
    """Which of these sellers have a registration that applies on ``on``."""
    return set(
        LvgRegistration.objects.filter(organization_id__in=organization_ids, effective_from__lte=on)
        .filter(Q(cancelled_from__isnull=True) | Q(cancelled_from__gt=on))
        .values_list("organization_id", flat=True)
    )


def lvg_registrations_of(*, organization) -> QuerySet[LvgRegistration]:
    """The seller's registrations, the newest first."""
    return LvgRegistration.objects.filter(organization=organization).order_by(
        "-effective_from", "-id"
    )


def lvg_registration_of(*, organization, public_id) -> LvgRegistration | None:
    return LvgRegistration.objects.filter(organization=organization, public_id=public_id).first()


def lvg_registrations_for_officers(*, query: str = "") -> QuerySet[LvgRegistration]:
    """Every seller's registrations (officers), by number or seller name, newest first."""
    registrations = LvgRegistration.objects.select_related("organization")
    query = query.strip()[:100]
    if query:
        registrations = registrations.filter(
            Q(number__icontains=query) | Q(organization__legal_name__icontains=query)
        )
    return registrations.order_by("-created_at", "-id")


# --- the running total against the registration threshold ----------------------------------


@dataclass(frozen=True)
class LvgSales:
    """A seller's LVG sales brought into Malaysia over a window of 12 months, in MYR."""

    total: Decimal
    since: datetime.date
    until: datetime.date
    threshold: Decimal | None  # None: no registration threshold in force on ``until``
    legal_source: str = ""

    @property
    def share_percent(self) -> Decimal | None:
        if not self.threshold:
            return None
        return (self.total * 100 / self.threshold).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def mark(self) -> int:
        """100 over the threshold (liable to register), 80 at 80 % of it or more, else 0."""
        if not self.threshold:
            return 0
        if self.total > self.threshold:
            return 100
        return 80 if self.total >= self.threshold * NEARING_SHARE else 0


def lvg_window(on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The 12 months a registration threshold is measured over: the month of ``on`` and the
    eleven before it, as the Sales Tax Act 2018 measures a manufacturer's (s. 12). Indicative
    for LVG, whose instruments say "in 12 months"."""
    months = on.year * 12 + on.month - 1 - 11
    return datetime.date(months // 12, months % 12 + 1, 1), on


def lvg_sale_value(
    items: Iterable[tuple[str, Decimal]], rate: Decimal, ceiling: Decimal, excluded: list[str]
) -> Decimal:
    """The MYR sale value of one consignment's low value goods, as the duty engine decides
    it (customs/services/duty.py, ``_my_import``): nothing when the goods' sale value in MYR
    (freight and insurance excluded) is over the ceiling; else each item's value in MYR,
    rounded to the sen, except the goods the order excludes. ``items``: (HS code, value in
    the declaration currency)."""
    items = list(items)
    if sum((value for _code, value in items), Decimal(0)) * rate > ceiling:
        return Decimal(0)
    return sum(
        (
            (value * rate).quantize(CENT, ROUND_HALF_UP)
            for code, value in items
            if not any(code.startswith(prefix) for prefix in excluded)
        ),
        Decimal(0),
    )


class _Dated:
    """The values of the LVG regime parameters over time, read once: the one in force on a
    date, as ``duty.parameter`` picks it."""

    NAMES = ("lvg_threshold", "lvg_excluded_hs", "lvg_registration_threshold")

    def __init__(self):
        self.rows: dict[str, list[RegimeParameter]] = {name: [] for name in self.NAMES}
        for row in RegimeParameter.objects.filter(country="MY", name__in=self.NAMES).order_by(
            "effective_from"
        ):
            self.rows[row.name].append(row)

    def on(self, name: str, day: datetime.date) -> RegimeParameter | None:
        rows = self.rows[name]
        index = bisect.bisect_right([row.effective_from for row in rows], day)
        return rows[index - 1] if index else None


def _sales_rows(since, until, organization=None):
    """The items of the sellers' B2C import declarations in Malaysia over the window (the
    goods brought into Malaysia), one seller after the other, each declaration's together."""
    items = DeclarationItem.objects.filter(
        declaration__regime=MY_IMPORT,
        declaration__order__isnull=False,
        declaration__order__buyer__isnull=True,  # sold to a consumer, through a channel
        declaration__declared_on__range=(since, until),
    ).exclude(declaration__status__in=NOT_DECLARED)
    if organization is not None:
        # the seller declares its consumers' imports (pipeline/customs_filing.py)
        items = items.filter(
            declaration__organization=organization, declaration__order__seller=organization
        )
    return (
        items.exclude(declaration__order__status=Order.Status.REFUNDED)
        .order_by("declaration__order__seller_id", "declaration_id", "line_no")
        .values_list(
            "declaration__order__seller_id",
            "declaration_id",
            "declaration__declared_on",
            "declaration__exchange_rate",
            "hs_code",
            "value",
        )
    )


def lvg_sales_totals(
    *, on: datetime.date, organization=None, dated: _Dated | None = None
) -> dict[int, Decimal]:
    """Each seller's LVG sales brought into Malaysia in the window ending ``on`` (or one
    seller's), in MYR, keyed by the seller's id: one pass over one query."""
    since, until = lvg_window(on)
    dated = dated or _Dated()
    totals: dict[int, Decimal] = {}
    consignment: list = []

    def close():
        if not consignment:
            return
        seller, _id, day, rate = consignment[0][:4]
        ceiling, excluded = dated.on("lvg_threshold", day), dated.on("lvg_excluded_hs", day)
        if ceiling is not None:  # before the LVG regime: nothing counts
            value = lvg_sale_value(
                [(row[4], row[5]) for row in consignment],
                rate,
                Decimal(ceiling.value),
                excluded.value.split() if excluded is not None else [],
            )
            totals[seller] = totals.get(seller, Decimal(0)) + value
        consignment.clear()

    for row in _sales_rows(since, until, organization).iterator(chunk_size=2000):
        if consignment and row[1] != consignment[0][1]:
            close()
        consignment.append(row)
    close()
    return totals


def lvg_sales_total(*, organization, on: datetime.date) -> LvgSales:
    """The seller's LVG sales brought into Malaysia in the 12 months to ``on``, against the
    registration threshold in force on ``on``. Declarations are the record: the goods of a
    B2C order are brought into Malaysia when they are declared at import, valued at the
    customs rate the declaration used."""
    dated = _Dated()
    since, until = lvg_window(on)
    total = lvg_sales_totals(on=on, organization=organization, dated=dated).get(
        organization.pk, Decimal(0)
    )
    threshold = dated.on("lvg_registration_threshold", on)
    return LvgSales(
        total=total,
        since=since,
        until=until,
        threshold=Decimal(threshold.value) if threshold is not None else None,
        legal_source=threshold.legal_source if threshold is not None else "",
    )


# --- the return of one taxable period ------------------------------------------------------


@dataclass(frozen=True)
class TaxablePeriod:
    """Three months ending on the last day of a month (the registration's ``period_ends``)."""

    start: datetime.date
    end: datetime.date

    @property
    def key(self) -> str:  # its last month, as it appears in a URL
        return f"{self.end:%Y-%m}"

    @property
    def due_on(self) -> datetime.date:
        """The last day of the month after the period: the return and the tax are due."""
        return _month_end(_add_months(self.end.replace(day=1), 1))


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_end(day: datetime.date) -> datetime.date:
    return _add_months(day.replace(day=1), 1) - datetime.timedelta(days=1)


def taxable_period_of(registration: LvgRegistration, day: datetime.date) -> TaxablePeriod:
    """The registration's taxable period that ``day`` falls in."""
    months_to_end = (registration.period_ends - day.month) % 3
    end = _month_end(_add_months(day.replace(day=1), months_to_end))
    return TaxablePeriod(_add_months(end.replace(day=1), -2), end)


def lvg_periods(*, registration: LvgRegistration, today: datetime.date) -> list[TaxablePeriod]:
    """The registration's taxable periods from its first to today's (or to its last day in
    force), the newest first."""
    last = today
    if registration.cancelled_from is not None:
        last = min(last, registration.cancelled_from - datetime.timedelta(days=1))
    if last < registration.effective_from:
        return []
    periods, period = [], taxable_period_of(registration, registration.effective_from)
    while period.start <= last:
        periods.append(period)
        period = taxable_period_of(registration, period.end + datetime.timedelta(days=1))
    return periods[::-1]


def lvg_period_of(
    *, registration: LvgRegistration, key: str, today: datetime.date
) -> TaxablePeriod | None:
    """The period whose last month is ``key`` ("2026-03"), if it is one of the
    registration's."""
    return next(
        (p for p in lvg_periods(registration=registration, today=today) if p.key == key), None
    )


@dataclass(frozen=True)
class LvgSale:
    order: str
    ordered_on: datetime.date | None
    declaration: str
    declared_on: datetime.date
    value: Decimal  # the sale value taxed, MYR
    tax: Decimal  # the LVG sales tax charged, MYR


@dataclass(frozen=True)
class LvgReturn:
    registration: LvgRegistration
    seller: str
    period: TaxablePeriod
    sales: list[LvgSale]

    @property
    def total_value(self) -> Decimal:
        return sum((sale.value for sale in self.sales), Decimal("0.00"))

    @property
    def total_tax(self) -> Decimal:
        return sum((sale.tax for sale in self.sales), Decimal("0.00"))


def lvg_return(*, registration: LvgRegistration, period: TaxablePeriod) -> LvgReturn:
    """The registered seller's LVG sales in the period: each of its import declarations
    assessed with LVG sales tax while the registration applied (only a registration in force
    on a declaration's date lets it be: customs/services/lvg.py; a number corrected since
    does not lose the sales filed under the old one), by its date (the tax is charged when
    the goods are declared), with the sale value and the tax as the engine assessed them, in
    MYR. A declaration cancelled or rejected declared nothing; one not assessed yet charged
    nothing yet."""
    start = max(period.start, registration.effective_from)
    lvg = Q(assessment_lines__tax=LVG_TAX)
    declarations = (
        Declaration.objects.filter(
            organization_id=registration.organization_id,
            regime=MY_IMPORT,
            declared_on__range=(start, period.end),
        )
        .exclude(status__in=NOT_DECLARED)
        .annotate(
            lvg_value=Sum("assessment_lines__base", filter=lvg),
            lvg_tax=Sum("assessment_lines__amount", filter=lvg),
        )
        .filter(lvg_tax__isnull=False)
    )
    if registration.cancelled_from is not None:
        declarations = declarations.filter(declared_on__lt=registration.cancelled_from)
    rows = declarations.order_by("declared_on", "id").values_list(
        "order__reference", "order__created_at", "reference", "declared_on", "lvg_value", "lvg_tax"
    )
    sales = [
        LvgSale(
            order=order or "",
            ordered_on=timezone.localdate(ordered_at, MALAYSIA) if ordered_at else None,
            declaration=reference,
            declared_on=declared_on,
            value=value.quantize(CENT),
            tax=tax.quantize(CENT),
        )
        for order, ordered_at, reference, declared_on, value, tax in rows
    ]
    return LvgReturn(registration, registration.organization.legal_name, period, sales)
