"""Duty quotes: the duties and taxes an import would be assessed, before any order or
declaration exists, so a channel can show the landed cost at checkout (and a DDP order can
hold it in escrow). The same engine, tariff and customs exchange rate as a declaration; a
quote reserves nothing, and for China's cross-border retail it assumes the buyer is within
the annual limit: a quote never reveals how much a person has bought this year (the
assessment of the declaration checks it)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ewtp.common.errors import ApplicationError

from ..errors import CustomsErrorCode
from .duty import REGIMES, Assessment, Consignment, Item
from .duty_assessment import assess
from .filing import MAX_ITEMS, MAX_VALUE, ItemRequest, item_check
from .rates import customs_rate
from .tariff_in_force import tariff_line_or_none

IMPORT_REGIMES = ("MY_IMPORT", "CN_IMPORT", "CN_CBEC_IMPORT")


@dataclass(frozen=True)
class QuoteRequest:
    regime: str
    currency: str
    on: date
    items: list[ItemRequest] = field(default_factory=list)
    freight: Decimal = Decimal(0)
    insurance: Decimal = Decimal(0)
    fta_agreement: str = ""
    fta_certificate: str = ""
    sold_online_by_registered_seller: bool = False
    air_courier: bool = True


@dataclass(frozen=True)
class DutyQuote:
    request: QuoteRequest
    assessment: Assessment
    exchange_rate: Decimal
    exchange_rate_source: str

    @property
    def total_in_currency(self) -> Decimal:
        """The total in the quote's currency (what the buyer sees), rounded half up."""
        return (self.assessment.total / self.exchange_rate).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


def _invalid(message: str, field_name: str):
    raise ApplicationError(message, CustomsErrorCode.QUOTE_INVALID, extra={"field": field_name})


def duty_quote(*, request: QuoteRequest) -> DutyQuote:
    if request.regime not in IMPORT_REGIMES:
        _invalid(f"Quotes are for imports: one of {', '.join(IMPORT_REGIMES)}.", "regime")
    country = REGIMES[request.regime]
    if not 1 <= len(request.items) <= MAX_ITEMS:
        _invalid(f"A quote has 1 to {MAX_ITEMS} items.", "items")
    for index, item in enumerate(request.items):
        item_check(index, item, country, request.on, regime=request.regime)
    for name in ("freight", "insurance"):
        value = getattr(request, name)
        if not value.is_finite() or not Decimal(0) <= value <= MAX_VALUE:
            _invalid("Freight and insurance are 0 or more.", name)
    if request.fta_agreement and not request.fta_certificate.strip():
        raise ApplicationError(
            "A preferential claim needs the certificate of origin number.",
            CustomsErrorCode.CERTIFICATE_MISSING,
            extra={"field": "fta_certificate"},
        )
    for index, item in enumerate(request.items):
        if tariff_line_or_none(country, item.hs_code, request.on) is None:
            raise ApplicationError(
                f"Duties cannot be quoted: {country} has no tariff line in force for HS "
                f"{item.hs_code}. Customs classifies the goods when they arrive and assesses "
                "the duties then.",
                CustomsErrorCode.QUOTE_UNAVAILABLE,
                extra={"field": f"items.{index}.hs_code"},
            )
    rate, source = customs_rate(country=country, currency=request.currency, on=request.on)
    assessment = assess(
        Consignment(
            regime=request.regime,
            on=request.on,
            currency=request.currency,
            exchange_rate=rate,
            items=[
                Item(i.hs_code, i.description, i.origin, i.quantity, i.net_weight_kg, i.value)
                for i in request.items
            ],
            freight=request.freight,
            insurance=request.insurance,
            air_courier=request.air_courier,
            sold_online_by_registered_seller=request.sold_online_by_registered_seller,
            fta_agreement=request.fta_agreement,
            fta_certificate=request.fta_certificate,
        )
    )
    return DutyQuote(request, assessment, rate, source)
