"""The origin hub's charges for carrying an order on its e-road and insuring it on the way.

- Shipping: the e-road's rate in force on the day (hubs.models.carriage.ShippingRate): the
  rate per kg times the chargeable weight, or the minimum charge if that is more, in the
  tariff's currency. The chargeable weight is the order's total weight as listed
  (``Order.total_weight_kg``); the weighing at the hub checks it but does not reprice it.
- Insurance: the origin hub's cargo insurance premium in force, a percentage of the insured
  value, the goods plus the freight (CargoInsuranceRate). Only what the hub carries is
  insured: without a shipping rate there is no insurance charge either.

Each charge is in the order's currency (the seller's), rounded once, half up, to its minor
unit. A tariff published in another currency is converted at today's reference rate, without
the spread (settings.CHARGES_FX_RATE), and the rate used is recorded with the order.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError
from ewtp.common.money import MoneyError, currency_code, money_quantize

from ..errors import HubsErrorCode
from ..models import CargoInsuranceRate, ERoad, Hub, ShippingRate, User


@dataclass(frozen=True)
class FxUsed:
    rate: Decimal  # order-currency units per tariff-currency unit
    source: str
    as_of: date


@dataclass(frozen=True)
class OrderCharges:
    """What the hub charges for an order's carriage and insurance; None for a charge that
    does not apply (no rate in force)."""

    goods: Money
    shipping: Money | None
    insurance: Money | None
    shipping_rate: ShippingRate | None = None
    insurance_rate: CargoInsuranceRate | None = None
    fx: FxUsed | None = None

    @property
    def cif(self) -> Money:
        """The goods with their carriage and insurance: what the buyer pays for them."""
        return sum((c for c in (self.shipping, self.insurance) if c is not None), self.goods)

    def audit_data(self) -> dict:
        """The charges and the rates they came from, for the order's audit row."""
        data = {
            "shipping_charge": str(self.shipping.amount) if self.shipping is not None else None,
            "insurance_charge": str(self.insurance.amount) if self.insurance is not None else None,
        }
        if self.shipping_rate is not None:
            data["shipping_rate"] = str(self.shipping_rate.public_id)
        if self.insurance_rate is not None:
            data["insurance_rate"] = str(self.insurance_rate.public_id)
        if self.fx is not None:
            data["fx"] = {
                "rate": str(self.fx.rate),
                "source": self.fx.source,
                "as_of": self.fx.as_of.isoformat(),
            }
        return data


def shipping_rate_in_force(*, origin: Hub, destination: Hub, on: date) -> ShippingRate | None:
    return (
        ShippingRate.objects.in_force(on)
        .filter(eroad__origin=origin, eroad__destination=destination)
        .first()
    )


def insurance_rate_in_force(*, hub: Hub, on: date) -> CargoInsuranceRate | None:
    return CargoInsuranceRate.objects.in_force(on).filter(hub=hub).first()


def order_charges_quote(
    *, origin: Hub, destination: Hub, goods: Money, weight_kg: Decimal, on: date | None = None
) -> OrderCharges:
    """The shipping and insurance charges of ``weight_kg`` of goods worth ``goods`` carried
    from ``origin`` to ``destination``, at the rates in force on ``on`` (today)."""
    on = on or timezone.localdate()
    rate = shipping_rate_in_force(origin=origin, destination=destination, on=on)
    if rate is None:
        return OrderCharges(goods=goods, shipping=None, insurance=None)
    freight = max(rate.per_kg * weight_kg, rate.minimum)
    fx = None
    if rate.currency != goods.currency.code:
        fx = _fx_used(source=rate.currency, to=goods.currency.code)
        freight *= fx.rate
    shipping = money_quantize(Money(freight, goods.currency))
    insurer = insurance_rate_in_force(hub=origin, on=on)
    insurance = None
    if insurer is not None:
        # the insured value is the goods with their carriage (what a loss would cost)
        insurance = money_quantize((goods + shipping) * insurer.percent / 100)
    return OrderCharges(
        goods=goods,
        shipping=shipping,
        insurance=insurance,
        shipping_rate=rate,
        insurance_rate=insurer,
        fx=fx,
    )


def _fx_used(*, source: str, to: str) -> FxUsed:
    rate, rate_source, as_of = import_string(settings.CHARGES_FX_RATE)(source=source, to=to)
    return FxUsed(rate=rate, source=rate_source, as_of=as_of)


def _check_dates(effective_from: date, effective_to: date | None) -> None:
    if effective_to is not None and effective_to < effective_from:
        raise ApplicationError(
            _("A rate ends on or after the day it starts."),
            HubsErrorCode.RATE_INVALID,
            extra={"field": "effective_to"},
        )


def _check_sources(source: str, legal_source: str) -> None:
    if not source.strip() or not legal_source.strip():
        raise ApplicationError(
            _("Say who publishes the rate and under which instrument it is charged."),
            HubsErrorCode.RATE_INVALID,
            extra={"field": "source" if not source.strip() else "legal_source"},
        )


def shipping_rate_publish(
    *,
    eroad: ERoad,
    currency: str,
    per_kg: Decimal,
    minimum: Decimal,
    effective_from: date,
    source: str,
    legal_source: str,
    effective_to: date | None = None,
    actor: User | None = None,
) -> ShippingRate:
    """Publish the hub's shipping rate for an e-road from ``effective_from``. Publishing the
    same e-road and date again returns the rate already there (a new tariff is a new date)."""
    try:
        currency = currency_code(currency)
    except MoneyError as error:
        raise ApplicationError(
            str(error), HubsErrorCode.RATE_INVALID, extra={"field": "currency"}
        ) from None
    if per_kg < 0 or minimum < 0:
        raise ApplicationError(
            _("A shipping rate and its minimum are 0 or more."),
            HubsErrorCode.RATE_INVALID,
            extra={"field": "per_kg"},
        )
    return _publish(
        ShippingRate,
        {"eroad": eroad, "effective_from": effective_from},
        {"currency": currency, "per_kg": per_kg, "minimum": minimum},
        effective_to=effective_to,
        source=source,
        legal_source=legal_source,
        action="hubs.shipping_rate.published",
        data={
            "eroad": str(eroad),
            "currency": currency,
            "per_kg": str(per_kg),
            "minimum": str(minimum),
        },
        actor=actor,
    )


def cargo_insurance_rate_publish(
    *,
    hub: Hub,
    percent: Decimal,
    effective_from: date,
    source: str,
    legal_source: str,
    effective_to: date | None = None,
    actor: User | None = None,
) -> CargoInsuranceRate:
    """Publish a hub's cargo insurance premium (percent of goods plus freight) from
    ``effective_from``; the same hub and date again returns the rate already there."""
    if not Decimal(0) <= percent <= Decimal(10):
        raise ApplicationError(
            _("A premium is between 0 and 10 percent."),
            HubsErrorCode.RATE_INVALID,
            extra={"field": "percent"},
        )
    return _publish(
        CargoInsuranceRate,
        {"hub": hub, "effective_from": effective_from},
        {"percent": percent},
        effective_to=effective_to,
        source=source,
        legal_source=legal_source,
        action="hubs.insurance_rate.published",
        data={"hub": hub.code, "percent": str(percent)},
        actor=actor,
    )


def _publish(
    model, key: dict, figures: dict, *, effective_to, source, legal_source, action, data, actor
):
    """A dated rate from its date on: the same key (what it prices and the date) again returns
    the rate already there, unchanged (a new tariff is a new date); a new one is audited."""
    _check_dates(key["effective_from"], effective_to)
    _check_sources(source, legal_source)
    with transaction.atomic():
        rate, created = model.objects.get_or_create(
            **key,
            defaults={
                **figures,
                "effective_to": effective_to,
                "source": source,
                "legal_source": legal_source,
            },
        )
        if created:
            audit_record(
                actor=actor,
                action=action,
                target=rate,
                data={**data, "effective_from": key["effective_from"].isoformat()},
            )
    return rate
