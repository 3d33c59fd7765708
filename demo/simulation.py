"""Months of trade on the demo hub, driven through the real journey.

A discrete-event simulation: the people of the hub (buyers, the bank, sellers, operators,
customs officers, the couriers at the destination) act at simulated times, and the beat's
sweeps (consolidation, departures and arrivals, expiry, escrow release, payout batches, the FX
settlement with the bank) run on their schedule; the clock is moved to each moment
(time-machine), so every record carries the date it would have had. Nothing is inserted
behind the services' backs: each action is a service call, and the pipeline's steps react to
the events it records (Celery runs them inline while the world is seeded).

The failure paths occur at plausible rates, and each at least once when there are enough
orders: unpaid orders expire, buyers cancel, customs holds then releases or rejects, parcels
weigh more than declared, flights are cancelled, parcels are lost, buyers dispute, banks
reject payouts to a wrong account until the owners fix it.
"""

import heapq
import itertools
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import time_machine
from django.db import transaction
from django.db.models import Count, Q
from moneyed import Money

from customs.models import Declaration
from customs.services.declarations import declaration_decide
from ewtp.common.errors import ApplicationError
from ewtp.common.outbox import OutboxDispatchFailed, outbox_claim_due, outbox_dispatch
from hubs.models import ERoad, Order, Organization, Product, User
from hubs.services.orders import (
    Consumer,
    LineRequest,
    OrderRequest,
    order_cancel,
    order_place,
    orders_expire,
)
from hubs.services.organizations import organization_update
from hubs.validators import cn_resident_id_check_character
from logistics.models import Flight, Parcel
from logistics.services.consolidation import consolidate
from logistics.services.flights import flight_cancel, flights_advance
from logistics.services.floor import (
    parcel_deliver,
    parcel_exception,
    parcel_out_for_delivery,
    parcel_receive,
    parcel_weigh,
    parcel_weight_accept,
)
from logistics.services.parcels import ParcelRequest, parcel_create
from payments.models import Payout
from payments.services.credit import CreditRequest, credit_apply, credit_offer_of
from payments.services.escrow import (
    dispute_open,
    dispute_resolve,
    escrow_release,
    escrow_release_due,
    seller_share_held,
)
from payments.services.intents import BankTransfer, payment_receive
from payments.services.loans import loan_draw
from payments.services.payouts import payout_status_report, payouts_batch
from payments.services.treasury import treasury_settle_all
from pipeline.credit_record import credit_score_refresh, credit_scores_nightly

from .world import DEMO_DOMAIN, World

logger = logging.getLogger(__name__)

# how often each failure happens (per order, per flight or per payout)
RATES = {
    "unpaid": 0.06,  # the payment never arrives: the order expires
    "cancelled": 0.02,  # the buyer cancels before paying
    "hold": 0.30,  # of declarations waiting for an officer: held first, released later
    "reject": 0.015,  # of those waiting: rejected (counterfeit, misdeclared)
    "heavy": 0.04,  # a parcel weighs well over what was declared
    "flight_cancelled": 0.03,
    "lost": 0.01,
    "dispute": 0.04,  # of business orders delivered
    "payout_rejected": 0.03,
    "confirms": 0.6,  # the buyer confirms receipt rather than letting the window run out
}
# the failure paths of an order that every demo world with enough orders shows at least once
# (a customs hold and rejection, a cancelled flight and a rejected payout happen the first
# time they can)
GUARANTEED = ("unpaid", "cancelled", "heavy", "lost", "dispute")

CONSUMERS = [
    ("Li Na", "88 Wensan Road, Xihu District, Hangzhou"),
    ("Wang Fang", "12 Jiefang Road, Shangcheng District, Hangzhou"),
    ("Zhang Wei", "301 Moganshan Road, Gongshu District, Hangzhou"),
    ("Liu Yang", "66 Binsheng Road, Binjiang District, Hangzhou"),
    ("Chen Xiu", "9 Qiutao Road, Shangcheng District, Hangzhou"),
    ("Yang Min", "150 Zhongshan Road, Ningbo"),
]
# (buyer, seller, skus) of the business trade on the e-road, both ways
B2B = [
    ("Hangzhou West Lake Tea Trading Co., Ltd.", "Batik Nusantara Sdn. Bhd.", ["BN-SCARF-01"]),
    ("Hangzhou West Lake Tea Trading Co., Ltd.", "Kopi Borneo Enterprise", ["KB-LIBERICA-250"]),
    ("Ningbo Harbour Home Goods Co., Ltd.", "Rimba Teak Furniture Sdn. Bhd.", ["RT-SIDE-45"]),
    ("Ningbo Harbour Home Goods Co., Ltd.", "Batik Nusantara Sdn. Bhd.", ["BN-KNIT-02"]),
    ("Zhejiang Silk Road Imports Co., Ltd.", "Nyonya Glow Cosmetics Sdn. Bhd.", ["NG-CREAM-50"]),
    ("Zhejiang Silk Road Imports Co., Ltd.", "Klang Valley Gadgets Enterprise", ["KVG-GAN-65"]),
    ("Batik Nusantara Sdn. Bhd.", "Hangzhou West Lake Tea Trading Co., Ltd.", ["WL-LONGJING-100"]),
]
# what a marketplace's consumers buy (cross-border retail into China)
B2C = [
    ("Nyonya Glow Cosmetics Sdn. Bhd.", ["NG-LIP-04", "NG-CREAM-50"]),
    ("Kopi Borneo Enterprise", ["KB-LIBERICA-250", "KB-CHOC-70"]),
    ("Klang Valley Gadgets Enterprise", ["KVG-GAN-65"]),
    ("Batik Nusantara Sdn. Bhd.", ["BN-SCARF-01"]),
]


@dataclass(order=True)
class Moment:
    at: datetime
    seq: int
    action: Callable = None  # type: ignore[assignment]
    args: tuple = ()


class Simulation:
    def __init__(self, world: World, *, start: datetime, end: datetime, seed: int = 2017):
        self.world = world
        self.start, self.end = start, end
        # a simulation's dice, seeded so that every demo world is the same: not for secrets
        self.random = random.Random(seed)  # noqa: S311
        self.queue: list[Moment] = []
        self.seq = itertools.count()
        self.now = start
        self.floor_moved = True  # parcels may have become ready to board since the last look
        self.fates: dict[int, set[str]] = {}  # order id → the failure paths it takes
        self.counts: dict[str, int] = dict.fromkeys(RATES, 0)
        self.officers = {
            code: User.objects.get(email=f"customs.{code.lower()}@{DEMO_DOMAIN}")
            for code in world.hubs
        }
        self.operators = {
            code: User.objects.get(email=f"operator.{code.lower()}@{DEMO_DOMAIN}")
            for code in world.hubs
        }
        self.mdec = User.objects.get(email=f"officer@{DEMO_DOMAIN}")

    # --- the clock ----------------------------------------------------------------------

    def at(self, when: datetime, action: Callable, *args) -> None:
        if when <= self.end:
            heapq.heappush(self.queue, Moment(when, next(self.seq), action, args))

    def later(self, hours_from: float, hours_to: float, action: Callable, *args) -> None:
        self.at(
            self.now + timedelta(hours=self.random.uniform(hours_from, hours_to)), action, *args
        )

    def run(
        self, orders: int, progress: Callable[[datetime], None] | None = None
    ) -> dict[str, int]:
        """Simulate ``orders`` orders over the window; ``progress`` is told the simulated time
        once per simulated hour. Returns how often each failure path happened."""
        self._timetable()
        span = (self.end - self.start) / max(orders, 1)
        for n in range(orders):
            self.at(self.start + span * n + span * self.random.random(), self.place, n, orders)
        self.at(self.start + (self.end - self.start) * 0.55, self.credit_story)
        tick = self.start
        while tick <= self.end:  # the beat's sweeps, as often as in production
            self.at(tick, self.sweep_hourly)
            if tick.hour == 10:
                self.at(tick, self.sweep_daily)
            tick += timedelta(hours=1)
        self.at(self.end, credit_scores_nightly)  # every seller's score, as the night computes it
        # the treasury closes the demo's last day now: the world ends with no open FX position
        self.at(self.end, self.treasury_close)
        while self.queue:
            moment = heapq.heappop(self.queue)
            if progress is not None and moment.action == self.sweep_hourly:
                progress(moment.at)
            self.now = moment.at
            self._happen(moment)
            # what people do, and the steps that follow, may make parcels ready to board
            self.floor_moved |= moment.action != self.sweep_hourly
        return self.counts

    def _happen(self, moment: Moment) -> None:
        """One moment's action in a transaction of its own, at its time: the pipeline's steps
        react to what it recorded once it commits."""
        with time_machine.travel(moment.at, tick=False):
            try:
                with transaction.atomic():
                    moment.action(*moment.args)
            except ApplicationError as error:  # the world moved on: a person would too
                logger.info("demo: %s at %s: %s", moment.action.__name__, moment.at, error)
            except Exception:  # a fault in one moment must not leave half a world
                logger.exception("demo: %s at %s failed", moment.action.__name__, moment.at)

    def fate(self, order: Order, path: str) -> bool:
        return path in self.fates.get(order.pk, ())

    def roll(self, path: str, *, first: bool = False) -> bool:
        """Whether ``path`` happens now; ``first``: it does if it has not happened yet (the
        demo shows every failure path at least once)."""
        hit = (first and not self.counts[path]) or self.random.random() < RATES[path]
        self.counts[path] += hit
        return hit

    # --- buyers and the bank --------------------------------------------------------------

    def place(self, n: int, total: int) -> None:
        fates = set()
        # spread over the first half of the orders, once each, so each has time to happen
        every = total // (2 * len(GUARANTEED))
        for index, path in enumerate(GUARANTEED):
            if every and n == index * every:
                fates.add(path)
        shown = set(fates)  # the path this order is the demo's guaranteed case of
        for path in ("unpaid", "cancelled", "heavy", "lost"):
            if self.roll(path):
                fates.add(path)
        if shown & {"heavy", "lost", "dispute"}:
            # the order that is to show one of these goes far enough to show it: it is paid
            # and not cancelled (the dice are thrown all the same: the same world follows)
            for path in fates & {"unpaid", "cancelled"}:
                fates.discard(path)
                self.counts[path] -= 1
        # a marketplace's consumer, or a business (only a business buyer opens disputes)
        consumer = "dispute" not in fates and self.random.random() < 0.45
        order = self._consumer_order(n) if consumer else self._business_order()
        if order is None:
            return
        self.fates[order.pk] = fates
        heapq.heappush(self.payment_windows, order.expires_at)  # unpaid by then, it expires
        if "cancelled" in fates:
            self.later(1, 10, self.cancel, order.pk)
        elif "unpaid" not in fates:
            self.later(0.5, 30, self.pay, order.pk)

    def _consumer_order(self, n: int) -> Order | None:
        seller_name, skus = self.random.choice(B2C)
        name, address = self.random.choice(CONSUMERS)
        lines = self._lines(seller_name, skus, most=3)
        if not lines:
            return None
        return order_place(
            request=OrderRequest(
                seller=self.world.organizations[seller_name],
                destination_hub=self.world.hubs["HGH"],
                channel=self.world.channel,
                incoterm="DDP" if self.random.random() < 0.7 else "DAP",
                lines=lines,
                consumer=Consumer(
                    name=name, address=address, country="CN", id_reference=resident_id(n)
                ),
            ),
            actor=None,
            actor_label=f"API client {self.world.channel.application.name}",
        )

    def _business_order(self) -> Order | None:
        buyer_name, seller_name, skus = self.random.choice(B2B)
        buyer = self.world.organizations[buyer_name]
        lines = self._lines(seller_name, skus, most=40)
        if not lines:
            return None
        return order_place(
            request=OrderRequest(
                seller=self.world.organizations[seller_name],
                destination_hub=buyer.home_hub,
                buyer=buyer,
                incoterm=self.random.choice(["DAP", "DAP", "DDP"]),
                lines=lines,
                payment_currency=buyer.currency,  # settled to the seller in its own
            ),
            actor=_owner(buyer),
        )

    def _lines(self, seller_name: str, skus: list[str], most: int) -> list[LineRequest]:
        products = Product.objects.filter(
            seller=self.world.organizations[seller_name], sku__in=skus, is_active=True
        ).order_by("pk")
        lines = []
        for product in products:
            quantity = self.random.randint(1, most)
            if product.stock < quantity:
                Product.objects.filter(pk=product.pk).update(stock=product.stock + 500)  # restocked
            lines.append(LineRequest(product.pk, quantity))
        return lines

    def cancel(self, order_id: int) -> None:
        order = Order.objects.get(pk=order_id)
        actor = _owner(order.buyer) if order.buyer_id else None
        order_cancel(order=order, actor=actor, reason="Ordered by mistake", actor_label="buyer")

    def pay(self, order_id: int) -> None:
        order = Order.objects.select_related("payment_intent").get(pk=order_id)
        if order.status != Order.Status.AWAITING_PAYMENT:
            return
        intent = order.payment_intent
        payment_receive(
            order_reference=order.reference,
            transfer=BankTransfer(
                bank=self.world.bank,
                bank_reference=f"DEMO-{order.reference}",
                amount=intent.amount,
                payer_name=order.buyer_label,
                # a consumer pays in person: the bank reports the identity customs matches
                payer_id_reference=order.consumer_id_reference,
            ),
        )
        self.later(4, 40, self.drop_off, order_id)

    # --- the seller and the hub's floor -----------------------------------------------------

    def drop_off(self, order_id: int) -> None:
        order = Order.objects.get(pk=order_id)
        if order.status not in (Order.Status.PAID, Order.Status.IN_CUSTOMS):
            return  # refunded meanwhile
        weight = max(order.total_weight_kg, Decimal("0.100"))
        parcel = parcel_create(
            order=order,
            request=ParcelRequest(
                weight_kg=weight,
                length_cm=40,
                width_cm=30,
                height_cm=20,
                items={line.pk: line.quantity for line in order.lines.all()},
            ),
            actor=_owner(order.seller),
        )
        operator = self.operators[order.origin_hub.code]
        parcel = parcel_receive(parcel=parcel, actor=operator)
        scale = (
            Decimal("1.35")
            if self.fate(order, "heavy")
            else Decimal(str(round(self.random.uniform(0.97, 1.04), 3)))
        )
        parcel = parcel_weigh(
            parcel=parcel, measured_kg=(weight * scale).quantize(Decimal("0.001")), actor=operator
        )
        if parcel.weight_flagged:
            self.later(2, 20, self.weight_accepted, parcel.pk)

    def weight_accepted(self, parcel_id: int) -> None:
        parcel = Parcel.objects.select_related("facility__hub").get(pk=parcel_id)
        if parcel.weight_flagged and parcel.status in (Parcel.Status.RECEIVED, Parcel.Status.HELD):
            parcel_weight_accept(parcel=parcel, actor=self.officers[parcel.facility.hub.code])

    # --- customs officers ---------------------------------------------------------------------

    def customs_shift(self) -> None:
        """Each hub's officers work their queue: most are released after a look, some held
        for documents or an inspection and released later, a few rejected."""
        self.floor_moved = True  # an export released: its parcel may board
        waiting = (
            Declaration.objects.filter(
                status__in=[Declaration.Status.LANE, Declaration.Status.HELD],
                updated_at__lte=self.now - timedelta(hours=3),
            )
            .select_related("hub")
            .order_by("pk")
        )  # in one order: the same dice on any database
        for declaration in waiting:
            if self.random.random() < 0.5:
                continue  # tomorrow's work
            officer = self.officers[declaration.hub.code]
            if declaration.status == Declaration.Status.HELD:
                decision, reason = "release", "Documents seen: as declared."
            # rejections fall on orders with no other failure path to show (a rejected
            # order's goods are never weighed, lost or disputed)
            elif not self.fates.get(declaration.order_id) and self.roll(
                "reject", first=declaration.regime.endswith("_EXPORT")
            ):
                decision, reason = "reject", "Goods do not match the description declared."
            elif self.roll("hold", first=True):
                decision, reason = "hold", "Physical inspection before release."
            else:
                decision, reason = "release", "Checked: as declared."
            try:
                with transaction.atomic():
                    declaration_decide(
                        declaration=declaration, decision=decision, reason=reason, actor=officer
                    )
            except ApplicationError as error:  # the three records differ: it stays held
                logger.info("demo: %s stays: %s", declaration.reference, error)

    # --- the destination's couriers and the buyers --------------------------------------------

    def last_mile(self) -> None:
        """Cleared parcels go out for delivery and are delivered the next day; a few are lost
        at the delivery base, cleared or not (a customs hold that never ends, such as goods
        without their permit, must not spare the demo its lost parcel)."""
        if not Parcel.objects.filter(
            status__in=[Parcel.Status.ARRIVED, Parcel.Status.OUT_FOR_DELIVERY]
        ).exists():
            return  # nothing has landed for the couriers
        operator = self.operators["HGH"]
        cleared = Declaration.objects.filter(
            status=Declaration.Status.RELEASED, regime__endswith="_IMPORT"
        ).values("order_id")
        lost = [order_id for order_id, fates in self.fates.items() if "lost" in fates]
        for parcel in (
            Parcel.objects.filter(
                Q(order_id__in=cleared) | Q(order_id__in=lost),
                status=Parcel.Status.ARRIVED,
                updated_at__lte=self.now - timedelta(hours=8),
            )
            .select_related("order", "eroad__destination")
            .order_by("pk")
        ):
            actor = self.operators.get(parcel.eroad.destination.code, operator)
            with transaction.atomic():
                if self.fate(parcel.order, "lost"):
                    parcel_exception(
                        parcel=parcel, reason="Not found at the delivery base", actor=actor
                    )
                else:
                    parcel_out_for_delivery(parcel=parcel, actor=actor)
        for parcel in (
            Parcel.objects.filter(
                status=Parcel.Status.OUT_FOR_DELIVERY,
                updated_at__lte=self.now - timedelta(hours=10),
            )
            .select_related("order", "eroad__destination")
            .order_by("pk")
        ):
            actor = self.operators.get(parcel.eroad.destination.code, operator)
            with transaction.atomic():
                parcel_deliver(parcel=parcel, actor=actor)
            self.later(1, 4, self.buyer_after_delivery, parcel.order_id)

    def buyer_after_delivery(self, order_id: int) -> None:
        order = Order.objects.get(pk=order_id)
        if order.status != Order.Status.DELIVERED:
            return
        if order.buyer_id and (self.fate(order, "dispute") or self.roll("dispute")):
            dispute_open(
                order=order, actor=_owner(order.buyer), reason="Part of the goods arrived damaged."
            )
            self.later(48, 150, self.dispute_decided, order_id)
        elif self.random.random() < RATES["confirms"]:
            self.later(10, 96, self.buyer_confirms, order_id)

    def buyer_confirms(self, order_id: int) -> None:
        order = Order.objects.get(pk=order_id)
        if order.status == Order.Status.DELIVERED:
            escrow_release(order=order, actor_label="buyer", reason="The buyer confirmed receipt.")

    def dispute_decided(self, order_id: int) -> None:
        order = Order.objects.get(pk=order_id)
        if order.status != Order.Status.DISPUTED:
            return
        held = seller_share_held(order)  # in the currency the buyer paid
        share = held * Decimal("0.7")
        dispute_resolve(
            order=order,
            actor=self.mdec,
            decision="split",
            reason="Photos show 30 % of the goods damaged in transit: 70 % to the seller.",
            seller_share=Money(share.amount.quantize(Decimal("0.01")), share.currency),
        )

    # --- credit ------------------------------------------------------------------------------

    def credit_story(self) -> None:
        """Every seller with an offer by then applies for a line with the partner bank:
        standard cases are approved at once and drawn (the later settlements repay them),
        the others wait for the bank's decision over the API."""
        sellers = (
            Organization.objects.filter(kyc_status="approved", sales__status="settled")
            .annotate(settled=Count("sales"))
            .order_by("-settled", "pk")
        )
        for organization in sellers:
            stored = credit_score_refresh(organization=organization, trigger="nightly")
            offer = credit_offer_of(stored=stored, organization=organization)
            if offer is None:
                continue
            amount = min(offer.limit_minor, 1_000_000)  # up to RM 10,000
            application = credit_apply(
                organization=organization,
                stored=stored,
                request=CreditRequest(
                    Money(amount, "MYR") / 100, offer.tenor_months, self.world.bank.pk, True
                ),
                actor=_owner(organization),
            )
            if application.status == "approved":
                loan_draw(application=application, actor=_owner(organization))

    # --- the bank's side of payouts ------------------------------------------------------------

    def bank_reports(self, batch_id: int) -> None:
        wrong_accounts = set()  # the bank rejects every transfer to an account it refused
        for payout in Payout.objects.filter(batch_id=batch_id).order_by("id"):
            wrong = (payout.creditor_bic, payout.creditor_account)
            if wrong in wrong_accounts or self.roll("payout_rejected", first=True):
                wrong_accounts.add(wrong)
                payout_status_report(
                    bank=self.world.bank,
                    end_to_end_id=payout.end_to_end_id,
                    status="rejected",
                    reason_code="AC01",
                )
                self.later(20, 70, self.owners_fix_account, payout.organization_id)
            else:
                payout_status_report(
                    bank=self.world.bank, end_to_end_id=payout.end_to_end_id, status="settled"
                )

    def owners_fix_account(self, organization_id: int) -> None:
        organization = Organization.objects.get(pk=organization_id)
        if not organization.payout_account_problem:
            return
        number = organization.payout_account_number
        organization_update(
            organization=organization,
            actor=_owner(organization),
            payout_account_number=number[:-1] + str((int(number[-1]) + 1) % 10),
        )

    # --- the beat ------------------------------------------------------------------------

    # The beat runs its sweeps every hour of the window; most hours most of them find
    # nothing to do. A sweep that cannot find work is not run: nothing is ready to board,
    # no flight is due to move, no unpaid order's window has closed. What the sweeps do when
    # they run, and the dice they throw, are the same; only the empty runs are spared (they
    # were most of the time the demo took to seed).

    def _timetable(self) -> None:
        """When the flights of the window are due to leave and to land, and when each is
        three to four hours from leaving (the carriers' word on a cancellation comes then)."""
        times = Flight.objects.filter(
            status=Flight.Status.SCHEDULED, departs_at__lte=self.end + timedelta(hours=4)
        ).values_list("departs_at", "arrives_at")
        # heaps (a sorted list is one)
        self.flight_moves = sorted({moment for pair in times for moment in pair})
        self.departures = sorted(departs for departs, _ in times)
        self.payment_windows: list[datetime] = []  # when each order expires if still unpaid

    def sweep_hourly(self) -> None:
        self._redrive()
        if self.floor_moved:
            self._board()
        if _due(self.flight_moves, self.now):
            flights_advance(now=self.now)
        if _due(self.payment_windows, self.now):
            orders_expire(now=self.now)
        if self.now.hour % 4 == 1:
            self.customs_shift()
        if self.now.hour % 6 == 2:
            self.last_mile()
        soon = _due(self.departures, self.now + timedelta(hours=4))
        if any(departs > self.now + timedelta(hours=3) for departs in soon):
            self.flights_at_risk()

    def _redrive(self) -> None:
        for event_id in outbox_claim_due():  # steps that failed are tried again
            self.floor_moved = True
            try:
                outbox_dispatch(event_id=event_id)
            except OutboxDispatchFailed:
                logger.info("demo: event %s failed again; it waits for the next sweep", event_id)

    def _board(self) -> None:
        ready = self._ready_to_board()
        for eroad_id in ready:
            consolidate(eroad=ERoad.objects.get(pk=eroad_id), now=self.now)
        self.floor_moved = bool(ready)  # any left behind by full flights: next hour again

    def _ready_to_board(self) -> list[int]:
        """The e-roads with parcels received, released for export and on no flight yet."""
        return list(
            Parcel.objects.filter(
                status=Parcel.Status.RECEIVED,
                flight__isnull=True,
                export_released_at__isnull=False,
            )
            .values_list("eroad_id", flat=True)
            .distinct()
            .order_by("eroad_id")
        )

    def flights_at_risk(self) -> None:
        """A few flights are cancelled by their carrier three to four hours before leaving."""
        upcoming = Flight.objects.filter(
            status=Flight.Status.SCHEDULED,
            departs_at__gt=self.now + timedelta(hours=3),
            departs_at__lte=self.now + timedelta(hours=4),
        ).order_by("departs_at", "pk")
        for flight in upcoming:
            if self.roll("flight_cancelled", first=flight.loaded_pieces > 0):
                flight_cancel(flight=flight, reason="Aircraft unserviceable", actor_label="carrier")
                self.floor_moved = True  # its parcels wait for the next flight with room

    def sweep_daily(self) -> None:
        escrow_release_due(now=self.now)
        # yesterday's conversions settled with the bank (the beat does it at 00:30)
        treasury_settle_all(day=(self.now - timedelta(days=1)).date(), actor_label="treasury")
        batch = payouts_batch(bank=self.world.bank)
        if batch is not None:
            self.later(14, 22, self.bank_reports, batch.pk)

    def treasury_close(self) -> None:
        treasury_settle_all(day=self.now.date(), actor_label="treasury")


def _due(times: list[datetime], now: datetime) -> list[datetime]:
    """Take the times up to ``now`` off the heap ``times``; returns them."""
    taken = []
    while times and times[0] <= now:
        taken.append(heapq.heappop(times))
    return taken


def _owner(organization: Organization) -> User:
    return organization.memberships.filter(role="owner").select_related("user").first().user


def resident_id(n: int) -> str:
    """A well-formed Chinese resident ID (GB 11643 check character) per demo consumer."""
    first17 = f"330106{19800101 + n % 28 + (n // 28 % 12) * 100:08d}{n % 1000:03d}"
    return first17 + cn_resident_id_check_character(first17)


def simulation_window(*, days: int, now: datetime) -> tuple[datetime, datetime]:
    """From ``days`` ago until now, on the hour."""
    end = now.replace(minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end
