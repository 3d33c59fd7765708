"""Trade facts built from the source records of an order: the order and its steps (hubs),
its declarations (customs), its parcels' tracking events (logistics), its escrow, duties and
payout (payments). ``trade_facts_refresh`` rebuilds an order's facts whenever the journey
moves, and moves the rollups by the difference, so it is safe to run any number of times:
the second run finds nothing changed.

An order has facts from the day it ships (one per line); before that it is not an export."""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from customs.selectors import declaration_steps_of_order
from ewtp.common.money import minor_units
from hubs.models import Order
from hubs.selectors import hs_sections_of, order_by_id
from logistics.selectors import tracking_codes_of_order
from payments.selectors import fx_rate_per_base, payment_intent_of

from ..models import TradeFact, TradeFactOrder
from .rollups import rollups_move

logger = logging.getLogger(__name__)

# the tracking codes whose first occurrence times a stage
PARCEL_STAGES = {
    "RCS": "received_at",
    "DEP": "departed_at",
    "ARR": "arrived_at",
    "NFD": "out_for_delivery_at",
    "DLV": "delivered_at",
}
ORDER_STAGES = {
    "paid": "paid_at",
    "completed": "escrow_released_at",
    "settled": "payout_settled_at",
    "refunded": "refunded_at",
}
FACT_FIELDS = [f.name for f in TradeFact._meta.concrete_fields if f.name != "id"]


# the orders whose rebuild waits for the end of trade_facts_deferred (None: none waits)
_deferred: ContextVar[set[int] | None] = ContextVar("trade_facts_deferred", default=None)


def trade_facts_refresh_many(*, order_ids: Iterable[int]) -> None:
    """Rebuild the facts of each order once, in id order: each rebuild locks its order's
    row, so two callers lock them in the same order and never deadlock. Within
    ``trade_facts_deferred`` the orders are only noted, and rebuilt at its end."""
    waiting = _deferred.get()
    if waiting is not None:
        waiting.update(order_ids)
        return
    for order_id in sorted(set(order_ids)):
        trade_facts_refresh(order_id=order_id)


@contextmanager
def trade_facts_deferred() -> Iterator[set[int]]:
    """Rebuild each order's facts once when the block ends, not at each step of it: for a
    job that moves many orders through many steps in a row (the demo's months of trade).
    A rebuild reads the order's present state, so the facts and rollups come out as one
    rebuild per step would have left them.

    The block's steps commit as they go, so its orders are rebuilt even when it raises (an
    interrupted seed keeps facts for what it committed), unless the connection is left in a
    transaction that can only roll back. One order's failed rebuild is logged and leaves
    the others' to be done, as one failed delivery of the outbox would.
    """
    orders: set[int] = set()
    token = _deferred.set(orders)
    try:
        yield orders
    finally:
        _deferred.reset(token)
        if not transaction.get_connection().needs_rollback:
            for order_id in sorted(orders):
                try:
                    trade_facts_refresh(order_id=order_id)
                except Exception:
                    logger.exception("analytics: the facts of order %s not rebuilt", order_id)


def trade_facts_refresh(*, order_id: int) -> int:
    """Rebuild the order's facts and move the rollups by the difference; returns how many
    facts changed (0 when nothing did, or the order has not shipped)."""
    with transaction.atomic():
        TradeFactOrder.objects.select_for_update().get_or_create(
            order_id=order_id, defaults={"refreshed_at": timezone.now()}
        )
        old = {f.line_no: f for f in TradeFact.objects.filter(order_id=order_id)}
        new = {f.line_no: f for f in _facts(order_id)}
        removed = [f for n, f in old.items() if n not in new or not _same(f, new[n])]
        added = [f for n, f in new.items() if n not in old or not _same(old[n], f)]
        if not removed and not added:
            return 0
        rollups_move(removed=removed, added=added)
        TradeFact.objects.filter(pk__in=[f.pk for f in removed]).delete()
        TradeFact.objects.bulk_create(added)
        TradeFactOrder.objects.filter(order_id=order_id).update(refreshed_at=timezone.now())
    return len(added) + len(removed)


def _same(a: TradeFact, b: TradeFact) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in FACT_FIELDS)


def _facts(order_id: int) -> list[TradeFact]:
    order = order_by_id(order_id=order_id, with_lines=True, with_transitions=True)
    steps: dict[str, object] = {}
    for transition in sorted(order.transitions.all(), key=lambda t: t.created_at):
        steps.setdefault(transition.to_status, transition.created_at)
    if "shipped" not in steps:
        return []
    times = {field: steps.get(status) for status, field in ORDER_STAGES.items()}
    times |= _parcel_times(order)
    times |= _customs_times(order)
    times["departed_at"] = times.get("departed_at") or steps["shipped"]
    times["delivered_at"] = times.get("delivered_at") or steps.get("delivered")
    intent = payment_intent_of(order=order)
    times["duties_paid_at"] = intent.duties_settled_at if intent else None
    placed = order.created_at
    rates = _rates(order.total.currency.code, placed.date())
    chapters = _sections({line.hs_code[:2] for line in order.lines.all()})
    seller = order.seller
    return [
        TradeFact(
            order_id=order.pk,
            line_no=line.line_no,
            order_reference=order.reference,
            status=order.status,
            kind=TradeFact.Kind.B2C if order.is_b2c else TradeFact.Kind.B2B,
            incoterm=order.incoterm,
            origin_hub=order.origin_hub.code,
            destination_hub=order.destination_hub.code,
            destination_country=order.destination_hub.country.code,
            seller_id=seller.pk,
            seller_size=seller.size,
            seller_sector=seller.sector,
            product_id=line.product_id,
            title=line.title[:200],
            hs_code=line.hs_code,
            hs_heading=line.hs_code[:4],
            hs_chapter=line.hs_code[:2],
            hs_section=chapters.get(line.hs_code[:2], ""),
            quantity=line.quantity,
            weight_kg=(line.unit_weight_kg * line.quantity).quantize(Decimal("0.001")),
            currency=line.line_total.currency.code,
            value_minor=_minor(line.line_total.amount, line.line_total.currency.code),
            value_myr_minor=_minor(line.line_total.amount * rates["MYR"], "MYR"),
            value_usd_minor=_minor(line.line_total.amount * rates["USD"], "USD"),
            placed_at=placed,
            shipped_on=times["departed_at"].date(),
            **{k: v for k, v in times.items() if k in FACT_FIELDS},
        )
        for line in order.lines.all()
    ]


def _parcel_times(order: Order) -> dict:
    """The first time any of the order's parcels reached each stage."""
    times: dict = {}
    for code, occurred_at in tracking_codes_of_order(order=order, codes=PARCEL_STAGES):
        times.setdefault(PARCEL_STAGES[code], occurred_at)
    return times


STEP_FIELDS = {"submitted": "lodged", "assessed": "assessed", "released": "released"}


def _customs_times(order: Order) -> dict:
    """Lanes and the first lodgement, assessment and release of each side, from the order's
    declarations (two queries however many there are)."""
    times: dict = {}
    for regime, lane, steps in declaration_steps_of_order(order=order):
        side = "export" if regime.endswith("_EXPORT") else "import"
        times.setdefault(f"{side}_lane", lane)
        for to_status, at in steps:
            if to_status in STEP_FIELDS:
                times.setdefault(f"{side}_{STEP_FIELDS[to_status]}_at", at)
    return times


def _rates(currency: str, on: date) -> dict[str, Decimal]:
    """MYR and USD per unit of ``currency`` at the reference rates of ``on`` (crossed through
    their base, without the hub's spread): the value as trade statistics count it."""

    def per_base(code: str) -> Decimal:
        if code == "EUR":
            return Decimal(1)
        return fx_rate_per_base(quote=code, on=on) or Decimal(0)

    source = per_base(currency)
    return {
        target: (per_base(target) / source if source else Decimal(0)) for target in ("MYR", "USD")
    }


def _minor(amount: Decimal, currency: str) -> int:
    places = minor_units(currency)
    return int((amount * 10**places).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_section_cache: dict[str, str] = {}


def _sections(chapters: set[str]) -> dict[str, str]:
    """HS chapter → section (I to XXI), from the nomenclature."""
    missing = chapters - set(_section_cache)
    if missing:
        _section_cache.update(hs_sections_of(chapters=missing))
    return {chapter: _section_cache.get(chapter, "") for chapter in chapters}
