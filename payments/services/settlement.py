"""Settlement: what a seller is paid when an order's escrow is released.

Escrow holds what the buyer paid, in the currency it paid in. At release that amount is
converted to the seller's currency at the day's reference rate less the hub's spread
(FX_SPREAD_PERCENT); the origin hub's shipping and insurance charges of the order, which the
buyer paid with the goods, go to the hub (the carrier and insurer, not the seller); and the
platform fee of the origin hub is deducted from the rest. The same figures are
computed before release as a preview, so the seller sees what it will be paid and at which
rate; the release itself is one ledger transaction with its FxConversion and a Settlement row.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from moneyed import Money

from ewtp.common.money import minor_units, money_from_minor, money_to_minor
from ewtp.common.outbox import event_record
from ewtp.common.webhooks import webhook_emit
from hubs.models import Order

from ..events import EscrowReleased
from ..models import FeeSchedule, LedgerTransaction, PaymentIntent, Settlement
from ..selectors import seller_share_held
from .accounts import (
    carriage_account,
    customer_account,
    escrow_account,
    fees_account,
    insurance_account,
)
from .fx import FxQuote, fx_conversion_record, fx_postings, fx_quote
from .ledger import Posting, ledger_post


@dataclass(frozen=True)
class SettlementFigures:
    held: Money  # what leaves escrow, in the currency the buyer paid
    quote: FxQuote | None  # None when the buyer paid in the seller's currency
    converted: Money  # the held amount in the seller's currency
    shipping: Money  # the origin hub's shipping charge (to its carriage account)
    insurance: Money  # the origin hub's cargo insurance premium (to its insurance account)
    gross: Money  # the seller's part: the converted amount less the hub's charges
    fee: Money
    net: Money  # what the seller's balance receives


def platform_fee(*, order: Order, on=None, share: Decimal = Decimal(1)) -> Money:
    """The fee of the origin hub's schedule in force on the order's value (in the seller's
    currency), rounded half up to the minor unit. ``share``: the part of the order being
    settled (a split dispute), on which the percentage is taken."""
    on = on or timezone.now().date()
    schedule = (
        FeeSchedule.objects.filter(hub_id=order.origin_hub_id, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    currency = order.total.currency.code
    if schedule is None or schedule.currency != currency:
        return Money(0, currency)
    step = Decimal(1).scaleb(-minor_units(currency))
    base = order.total.amount * share
    percent = (base * schedule.percent / 100).quantize(step, rounding=ROUND_HALF_UP)
    return Money(percent, currency) + money_from_minor(schedule.fixed_minor, currency)


def settlement_figures(*, order: Order, amount: Money) -> SettlementFigures:
    """The seller's figures for releasing ``amount`` of the order's escrow today. The hub's
    charges and the fee are taken in the share of the order that ``amount`` settles, and
    capped at the converted amount: a seller is never charged more than it receives."""
    # the seller's currency when it sold (its total's), even if its home hub changed since
    currency = order.total.currency.code
    quote = None
    converted = amount
    if amount.currency.code != currency:
        quote = fx_quote(amount=amount, to=currency)
        converted = quote.target
    share = _share(order, amount)
    shipping = min(_charge_share(order.shipping_charge, share, currency), converted)
    insurance = min(_charge_share(order.insurance_charge, share, currency), converted - shipping)
    gross = converted - shipping - insurance
    fee = min(platform_fee(order=order, share=share), gross)
    return SettlementFigures(
        held=amount,
        quote=quote,
        converted=converted,
        shipping=shipping,
        insurance=insurance,
        gross=gross,
        fee=fee,
        net=gross - fee,
    )


def _charge_share(charge: Money | None, share: Decimal, currency: str) -> Money:
    """``share`` of one of the hub's charges (zero when the order has none), half up."""
    if charge is None:
        return Money(0, currency)
    step = Decimal(1).scaleb(-minor_units(currency))
    return Money((charge.amount * share).quantize(step, rounding=ROUND_HALF_UP), currency)


def _share(order: Order, amount: Money) -> Decimal:
    """The part of what the buyer owed that ``amount`` settles (1 for a whole release)."""
    intent = PaymentIntent.objects.filter(order=order).first()
    if intent is None or money_to_minor(amount) >= intent.goods_minor:
        return Decimal(1)
    return Decimal(money_to_minor(amount)) / intent.goods_minor


def settlement_preview(*, order: Order) -> SettlementFigures | None:
    """What releasing everything escrow holds for the order would pay the seller today, or
    None when nothing is held. Raises the ApplicationError that releasing today would (no
    reference rate, or only a stale one), so the page can say why there is no preview."""
    held = seller_share_held(order)
    if held.amount <= 0:
        return None
    return settlement_figures(order=order, amount=held)


def settlement_post(*, order: Order, amount: Money, actor_label: str) -> LedgerTransaction:
    """Pay the seller ``amount`` of the order's escrow: convert, pay the origin hub its
    shipping and insurance charges, deduct the fee, record the settlement. The caller holds
    the order's row lock and has checked its status."""
    figures = settlement_figures(order=order, amount=amount)
    escrow = escrow_account(order=order)
    currency = figures.net.currency.code
    seller = customer_account(organization=order.seller, currency=currency)
    fees = fees_account(hub=order.origin_hub, currency=currency)
    if figures.quote is not None:
        # through the FX position accounts: escrow → FX(paid) | FX(seller's) → seller
        postings = fx_postings(quote=figures.quote, debit=escrow, credit=seller)
        postings[-1] = Posting(seller, figures.net)
    else:
        postings = [Posting(escrow, -amount), Posting(seller, figures.net)]
    postings.append(Posting(fees, figures.fee))
    # the hub's accounts for carriage and insurance are opened once it has such income
    for account, charge in (
        (carriage_account, figures.shipping),
        (insurance_account, figures.insurance),
    ):
        if charge.amount:
            postings.append(Posting(account(hub=order.origin_hub, currency=currency), charge))
    with transaction.atomic():
        released = ledger_post(
            kind=LedgerTransaction.Kind.RELEASE,
            description=_description(order, figures),
            reference=order.reference,
            postings=[p for p in postings if p.amount.amount],
            idempotency_key=f"release:{order.pk}",
            actor_label=actor_label,
        )
        if figures.quote is not None:
            fx_conversion_record(ledger_transaction=released, quote=figures.quote)
        settlement, created = Settlement.objects.get_or_create(
            ledger_transaction=released,
            defaults={
                "order": order,
                "organization_id": order.seller_id,
                "held_minor": money_to_minor(figures.held),
                "held_currency": figures.held.currency.code,
                # the seller's part: the hub's charges are in the transaction's entries
                "gross_minor": money_to_minor(figures.gross),
                "fee_minor": money_to_minor(figures.fee),
                "net_minor": money_to_minor(figures.net),
                "currency": figures.net.currency.code,
            },
        )
        if created:
            event_record(EscrowReleased.of(settlement))
    if order.channel_id:
        webhook_emit(
            api_client=order.channel,
            event="escrow.released",
            data={
                "order_reference": order.reference,
                "amount": str(amount.amount),
                "currency": amount.currency.code,
            },
        )
    return released


def _description(order: Order, figures: SettlementFigures) -> str:
    parts = [f"Escrow released for {order.reference}"]
    if figures.quote is not None:
        parts.append(
            f"{figures.held} at {figures.quote.applied_rate:.6f} "
            f"({figures.quote.rate_source} {figures.quote.rate_as_of}, "
            f"spread {figures.quote.spread_percent}%)"
        )
    if figures.shipping.amount > 0:
        parts.append(f"shipping {figures.shipping}")
    if figures.insurance.amount > 0:
        parts.append(f"insurance {figures.insurance}")
    if figures.fee.amount > 0:
        parts.append(f"platform fee {figures.fee}")
    return "; ".join(parts)[:200]
