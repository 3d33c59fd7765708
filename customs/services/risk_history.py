"""What the risk rules read, for a whole batch at once: other declarations and orders, and the
reference data they weigh a declaration against (the rules themselves read nothing else).

Routing a batch of declarations asks the same questions of each one: the exporter's latest
prices for an HS code, the buyer's consignments of the last day, the exporter's released
declarations, the consignments paid by the same payer or sent to the same address, the
orders of the seller and the consumer. A ``RiskHistory`` answers each kind of question for
every declaration of the batch with one query, the first time a rule asks it, so a batch of
any size costs the same few queries; a single declaration is a batch of one.

Each look-up keeps the bound of the rule it serves: a party's rows are read through that
party's index, newest first, capped (HISTORY, SCAN), never the whole table. Taking the cap
plus the batch's own rows and then leaving out the asking declaration gives each rule
exactly the rows it would read alone.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db.models import F, Q, Sum

from hubs.selectors import orders_sellers, orders_troubled_ids

from ..models import (
    Declaration,
    DeclarationItem,
    RegimeParameter,
    RiskRule,
    TariffLine,
    WatchListEntry,
)
from .duty import REGIMES
from .reference_cache import cached
from .tariff_in_force import declared_item_line, regime_parameters

HISTORY = 200  # the latest declared unit prices of an HS code the undervaluation rule reads
SCAN = 500  # at most this many recent declarations of one party are read by a rule
NOT_LIVE = (Declaration.Status.CANCELLED, Declaration.Status.REJECTED)


def _any_of(subqueries: list) -> Q:
    """pk IN (…) OR pk IN (…): each party's bounded index scan, one statement for all."""
    condition = Q(pk__in=[])
    for subquery in subqueries:
        condition |= Q(pk__in=subquery)
    return condition


class RiskHistory:
    def __init__(self, declarations: list[Declaration]):
        self.declarations = declarations
        self._loaded: dict = {}
        self._released_since: Counter = Counter()  # released in this batch, not written yet
        self._troubled: set[int] = set()  # orders ever disputed or refunded, of those asked
        self._troubled_asked: set[int] = set()

    def _once(self, key: tuple, load: Callable):
        if key not in self._loaded:
            self._loaded[key] = load()
        return self._loaded[key]

    # -- the declaration itself and the reference data ------------------------------------

    def items(self, declaration: Declaration) -> list[DeclarationItem]:
        """The declaration's items (the routing step reads them with the batch)."""
        return list(declaration.items.all())

    def item_line(self, declaration: Declaration, item: DeclarationItem) -> TariffLine | None:
        """The line the item is treated under: the officers' classification, else the
        tariff's line in force (None where there is neither)."""
        country = REGIMES[declaration.regime]
        return declared_item_line(item, declaration.regime, country, declaration.declared_on)

    def parameter(self, declaration: Declaration, name: str) -> RegimeParameter | None:
        """The regime's parameter ``name`` in force on the declaration date (None: none)."""
        country = REGIMES[declaration.regime]
        return regime_parameters(country, declaration.declared_on).get(name)

    def rules(self) -> list[RiskRule]:
        """The enabled rules, by code."""
        return self._once(
            ("rules",),
            lambda: cached(
                ("risk_rules",),
                lambda: list(RiskRule.objects.filter(enabled=True).order_by("code")),
            ),
        )

    def watch_list(self) -> list[WatchListEntry]:
        return self._once(
            ("watch_list",),
            lambda: cached(("watch_list",), lambda: list(WatchListEntry.objects.all())),
        )

    # -- the exporter's prices (undervaluation) -------------------------------------------

    def unit_prices(self, declaration: Declaration, hs_code: str) -> list[Decimal]:
        """The exporter's latest unit prices for ``hs_code`` in the customs currency, from its
        other declarations not cancelled, newest first (at most HISTORY)."""
        found = self._once(("prices",), self._prices).get((declaration.exporter, hs_code))
        if found is None:
            return []
        sources, prices, batch = found
        pk = declaration.pk
        if pk not in batch:  # the common case: one list for all the exporter's declarations
            return prices[:HISTORY]
        return [price for source, price in zip(sources, prices, strict=True) if source != pk][
            :HISTORY
        ]

    def _prices(self) -> dict:
        own: dict[tuple, int] = defaultdict(int)  # the most items one declaration has of a pair
        for declaration in self.declarations:
            counts = Counter(item.hs_code for item in self.items(declaration))
            for hs_code, count in counts.items():
                key = (declaration.exporter, hs_code)
                own[key] = max(own[key], count)
        rows = (
            DeclarationItem.objects.filter(
                _any_of(
                    [
                        DeclarationItem.objects.filter(
                            hs_code=hs_code, declaration__exporter=exporter
                        )
                        .exclude(declaration__status=Declaration.Status.CANCELLED)
                        .order_by("-id")
                        .values("pk")[: HISTORY + count]
                        for (exporter, hs_code), count in own.items()
                    ]
                )
            )
            .order_by("-id")
            .values_list(
                "declaration__exporter",
                "hs_code",
                "declaration_id",
                "value",
                "quantity",
                "declaration__exchange_rate",
            )
        )
        # (exporter, HS code) → the declarations the prices come from, the prices (newest
        # first), and which of those declarations are in the batch (they leave their own out)
        batch = {d.pk for d in self.declarations}
        found: dict[tuple, tuple[list, list, set]] = {}
        for exporter, hs_code, declaration_id, value, quantity, rate in rows:
            sources, prices, in_batch = found.setdefault((exporter, hs_code), ([], [], set()))
            sources.append(declaration_id)
            prices.append(value / quantity * rate)
            if declaration_id in batch:
                in_batch.add(declaration_id)
        return found

    # -- the buyer's consignments of the last hours (splitting) ---------------------------

    def same_buyer_totals(self, declaration: Declaration, window: timedelta) -> list[Decimal]:
        """The value (customs currency) of each live consignment of the same regime to the
        same buyer (by identity number, else by name) created since ``window`` before this
        one, other than this one."""
        rows = self._once(("buyer", window), lambda: self._same_buyer(window))
        buyer = (
            ("id", declaration.importer_id_reference)
            if declaration.importer_id_reference
            else ("name", declaration.importer)
        )
        since, pk = declaration.created_at - window, declaration.pk
        return [
            total
            for other, created_at, total in rows.get((declaration.regime, *buyer), [])
            if other != pk and created_at >= since and total is not None
        ]

    def _same_buyer(self, window: timedelta) -> dict:
        references = {d.importer_id_reference for d in self.declarations}
        names = {d.importer for d in self.declarations if not d.importer_id_reference}
        references.discard("")
        rows = (
            Declaration.objects.filter(
                Q(importer_id_reference__in=references) | Q(importer__in=names),
                regime__in={d.regime for d in self.declarations},
                created_at__gte=min(d.created_at for d in self.declarations) - window,
            )
            .exclude(status__in=NOT_LIVE)
            .annotate(total=Sum(F("items__value") * F("exchange_rate")))
            .values_list("pk", "importer_id_reference", "importer", "regime", "created_at", "total")
        )
        # (regime, "id", identity number) and (regime, "name", name) → the consignments
        found: dict[tuple, list] = defaultdict(list)
        for pk, id_reference, importer, regime, created_at, total in rows:
            if id_reference in references:
                found[(regime, "id", id_reference)].append((pk, created_at, total))
            if importer in names:
                found[(regime, "name", importer)].append((pk, created_at, total))
        return found

    # -- the exporter's released declarations (new exporter) ------------------------------

    def released_count(self, declaration: Declaration, minimum: int) -> int:
        """The exporter's released declarations, counted up to ``minimum`` (an established
        exporter costs no full count), with those released earlier in this batch."""
        counts = self._once(("released", minimum), lambda: self._released(minimum))
        return min(
            counts[declaration.exporter] + self._released_since[declaration.exporter], minimum
        )

    def _released(self, minimum: int) -> Counter:
        exporters = {d.exporter for d in self.declarations}
        rows = Declaration.objects.filter(
            _any_of(
                [
                    Declaration.objects.filter(
                        exporter=exporter, status=Declaration.Status.RELEASED
                    ).values("pk")[:minimum]
                    for exporter in exporters
                ]
            )
        ).values_list("exporter", flat=True)
        return Counter(rows)

    def note_released(self, declaration: Declaration) -> None:
        """A declaration of the batch was released: it counts for the next ones."""
        self._released_since[declaration.exporter] += 1

    # -- a party's recent consignments (splitting by payer or address) --------------------

    def recent(self, declaration: Declaration, field: str, days: int) -> list[tuple]:
        """(reference, importer id reference, importer) of the live declarations of the same
        regime with the same ``field`` (a payer key, an address key) created in the ``days``
        before this one, other than this one, newest first, at most SCAN."""
        value = getattr(declaration, field)
        if not value:
            return []
        rows = self._once(("recent", field, days), lambda: self._recent(field, days))
        since, own = declaration.created_at - timedelta(days=days), declaration.pk
        return [
            (reference, id_reference, importer)
            for pk, created_at, reference, id_reference, importer in rows.get(
                (value, declaration.regime), []
            )
            if pk != own and created_at >= since
        ][:SCAN]

    def _recent(self, field: str, days: int) -> dict:
        parties = {(getattr(d, field), d.regime) for d in self.declarations if getattr(d, field)}
        since = min(d.created_at for d in self.declarations) - timedelta(days=days)
        rows = (
            Declaration.objects.filter(
                _any_of(
                    [
                        Declaration.objects.filter(
                            **{field: value}, regime=regime, created_at__gte=since
                        )
                        .exclude(status__in=NOT_LIVE)
                        .order_by("-created_at")
                        .values("pk")[: SCAN + 1]
                        for value, regime in parties
                    ]
                )
            )
            .order_by("-created_at")
            .values_list(
                field,
                "regime",
                "pk",
                "created_at",
                "reference",
                "importer_id_reference",
                "importer",
            )
        )
        found: dict[tuple, list] = defaultdict(list)
        for value, regime, *row in rows:
            found[(value, regime)].append(tuple(row))
        return found

    # -- the seller's and the consumer's orders (dispute history) -------------------------

    def seller_of(self, declaration: Declaration) -> int | None:
        sellers = self._once(
            ("sellers",),
            lambda: orders_sellers(order_ids={d.order_id for d in self.declarations if d.order_id}),
        )
        return sellers.get(declaration.order_id)

    def order_ids(self, declaration: Declaration, party: str, days: int) -> set[int]:
        """The orders of the declaration's seller (``party`` "seller": declarations filed for
        the seller about its own orders) or consumer ("consumer": by identity number)
        declared in the ``days`` before this one, other than its own order; from at most
        SCAN declarations, newest first."""
        key = self._party_key(declaration, party)
        if key is None:
            return set()
        rows = self._once(("orders", party, days), lambda: self._orders(party, days))
        since = declaration.created_at - timedelta(days=days)
        return set(
            [
                order_id
                for created_at, order_id in rows.get(key, [])
                if order_id != declaration.order_id and created_at >= since
            ][:SCAN]
        )

    def _party_key(self, declaration: Declaration, party: str):
        if party == "seller":
            return self.seller_of(declaration)
        return declaration.importer_id_reference or None

    def _orders(self, party: str, days: int) -> dict:
        keys = {self._party_key(d, party) for d in self.declarations if d.order_id}
        keys.discard(None)
        own = Counter(self._party_key(d, party) for d in self.declarations if d.order_id)
        since = min(d.created_at for d in self.declarations) - timedelta(days=days)
        field = "organization_id" if party == "seller" else "importer_id_reference"

        def scan(key):
            condition = (
                Q(organization_id=key, order__seller_id=key)
                if party == "seller"
                else Q(importer_id_reference=key)
            )
            # each declaration leaves out its own order's declarations (an order has its
            # export and its import declaration): read that many more
            return (
                Declaration.objects.filter(condition, created_at__gte=since, order__isnull=False)
                .order_by("-created_at")
                .values("pk")[: SCAN + 2 * own[key] + 2]
            )

        rows = (
            Declaration.objects.filter(_any_of([scan(key) for key in keys]))
            .order_by("-created_at")
            .values_list(field, "created_at", "order_id")
        )
        found: dict = defaultdict(list)
        for key, created_at, order_id in rows:
            found[key].append((created_at, order_id))
        return found

    def troubled(self, order_ids: set[int]) -> int:
        """How many of these orders were ever disputed or refunded."""
        if not order_ids:
            return 0
        if not order_ids <= self._troubled_asked:
            # the batch's other declarations ask next about the orders scanned with these:
            # read them all at once
            wanted = order_ids | self._scanned_orders()
            self._troubled |= orders_troubled_ids(order_ids=wanted - self._troubled_asked)
            self._troubled_asked |= wanted
        return len(order_ids & self._troubled)

    def _scanned_orders(self) -> set[int]:
        return {
            order_id
            for key, by_party in self._loaded.items()
            if key[0] == "orders"
            for rows in by_party.values()
            for _created_at, order_id in rows
        }
