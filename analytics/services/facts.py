"""Trade facts built from the source records of an order: the order and its steps (hubs),
its declarations (customs), its parcels' tracking events (logistics), its escrow, duties and
payout (payments). ``trade_facts_rebuild`` rebuilds orders' facts whenever the journey
moves them, and moves the rollups by the difference, so it is safe to run any number of
times: the second run finds nothing changed. Many orders are rebuilt together, with the
queries of one order per chunk (and the rates of each currency and day they were placed).

An order has facts from the day it ships (one per line); before that it is not an export."""

import functools
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from customs.selectors import declaration_steps_of_orders
from ewtp.common.money import minor_units
from hubs.models import Order
from hubs.selectors import hs_sections_of, orders_with_history
from logistics.selectors import tracking_codes_of_orders
from payments.selectors import duties_settled_at_of_orders, fx_rate_per_base

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


# orders rebuilt in one transaction: their markers locked together, their sources read
# together (the queries of one order, but for the rates of each currency and day)
CHUNK = 200


def trade_facts_refresh_many(*, order_ids: Iterable[int]) -> None:
    """Rebuild the facts of each order once, a chunk of orders at a time. Within
    ``trade_facts_deferred`` the orders are only noted, and rebuilt at its end."""
    waiting = _deferred.get()
    if waiting is not None:
        waiting.update(order_ids)
        return
    ids = sorted(set(order_ids))
    for start in range(0, len(ids), CHUNK):
        trade_facts_rebuild(order_ids=ids[start : start + CHUNK])


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
            _rebuild_each_failure_alone(sorted(orders))


def _rebuild_each_failure_alone(order_ids: list[int]) -> None:
    """Rebuild in chunks; a chunk that fails is rebuilt order by order, so that only the
    order at fault is left undone (and logged)."""
    for start in range(0, len(order_ids), CHUNK):
        chunk = order_ids[start : start + CHUNK]
        try:
            trade_facts_rebuild(order_ids=chunk)
        except Exception:
            if len(chunk) == 1:
                logger.exception("analytics: the facts of order %s not rebuilt", chunk[0])
            else:
                for order_id in chunk:
                    _rebuild_each_failure_alone([order_id])


def trade_facts_rebuild(*, order_ids: Iterable[int]) -> int:
    """Rebuild the orders' facts and move the rollups by the difference, in one
    transaction; returns how many facts changed (0 when nothing did, or no order has
    shipped). Each order's marker row is locked, in id order, so two rebuilds of the same
    orders take turns and never deadlock."""
    ids = sorted(set(order_ids))
    if not ids:
        return 0
    now = timezone.now()
    with transaction.atomic():
        # inserted in id order too: two rebuilds adding the same markers queue, not deadlock
        TradeFactOrder.objects.bulk_create(
            [TradeFactOrder(order_id=order_id, refreshed_at=now) for order_id in ids],
            ignore_conflicts=True,
        )
        list(
            TradeFactOrder.objects.select_for_update()
            .filter(order_id__in=ids)
            .order_by("order_id")
            .values_list("order_id", flat=True)
        )
        old: dict[tuple[int, int], TradeFact] = {
            (f.order_id, f.line_no): f for f in TradeFact.objects.filter(order_id__in=ids)
        }
        new = {(f.order_id, f.line_no): f for f in _facts(ids)}
        removed = [f for k, f in old.items() if k not in new or not _same(f, new[k])]
        added = [f for k, f in new.items() if k not in old or not _same(old[k], f)]
        if not removed and not added:
            return 0
        rollups_move(removed=removed, added=added)
        TradeFact.objects.filter(pk__in=[f.pk for f in removed]).delete()
        TradeFact.objects.bulk_create(added)
        TradeFactOrder.objects.filter(
            order_id__in={f.order_id for f in removed} | {f.order_id for f in added}
        ).update(refreshed_at=now)
    return len(added) + len(removed)


def _same(a: TradeFact, b: TradeFact) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in FACT_FIELDS)


def _facts(order_ids: list[int]) -> list[TradeFact]:
    """The facts the orders have now: a line each of those that shipped (the same queries
    for one order or a chunk, but for the rates: a few for each currency and day the
    orders were placed in)."""
    orders = orders_with_history(order_ids=order_ids)
    shipped = {}
    for order in orders:
        steps: dict[str, object] = {}
        for transition in sorted(order.transitions.all(), key=lambda t: t.created_at):
            steps.setdefault(transition.to_status, transition.created_at)
        if "shipped" in steps:
            shipped[order.pk] = (order, steps)
    if not shipped:
        return []
    parcels = tracking_codes_of_orders(
        orders=[order for order, _steps in shipped.values()], codes=PARCEL_STAGES
    )
    customs = declaration_steps_of_orders(order_ids=shipped)
    duties_paid = duties_settled_at_of_orders(order_ids=shipped)
    rates = functools.cache(_rates)
    facts = []
    for order, steps in shipped.values():
        times = {field: steps.get(status) for status, field in ORDER_STAGES.items()}
        times |= _parcel_times(parcels.get(order.pk, []))
        times |= _customs_times(customs.get(order.pk, []))
        times["departed_at"] = times.get("departed_at") or steps["shipped"]
        times["delivered_at"] = times.get("delivered_at") or steps.get("delivered")
        times["duties_paid_at"] = duties_paid.get(order.pk)
        facts += _order_facts(
            order, times, rates(order.total.currency.code, order.created_at.date())
        )
    return facts


def _order_facts(order: Order, times: dict, rates: dict[str, Decimal]) -> list[TradeFact]:
    placed = order.created_at
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


def _parcel_times(events: list[tuple[str, object]]) -> dict:
    """The first time any of the order's parcels reached each stage."""
    times: dict = {}
    for code, occurred_at in events:
        times.setdefault(PARCEL_STAGES[code], occurred_at)
    return times


STEP_FIELDS = {"submitted": "lodged", "assessed": "assessed", "released": "released"}


def _customs_times(declarations: list) -> dict:
    """Lanes and the first lodgement, assessment and release of each side, from the order's
    declarations."""
    times: dict = {}
    for regime, lane, steps in declarations:
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
