"""The goods on their way: the seller drops the parcel at the hub's floor, customs officers
work their queue, the destination's couriers deliver, and the buyers confirm or dispute."""

import logging
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from moneyed import Money

from customs.models import Declaration
from customs.services.decisions import declaration_decide
from ewtp.common.errors import ApplicationError
from hubs.models import Order
from logistics.models import Parcel
from logistics.services.floor import (
    parcel_deliver,
    parcel_exception,
    parcel_out_for_delivery,
    parcel_receive,
    parcel_weigh,
    parcel_weight_accept,
)
from logistics.services.parcels import ParcelRequest, parcel_create
from payments.services.escrow import (
    dispute_open,
    dispute_resolve,
    escrow_release,
    seller_share_held,
)

from .simulation_clock import RATES, SimulationClock, owner_of

logger = logging.getLogger(__name__)


class Shipping(SimulationClock):
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
            actor=owner_of(order.seller),
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
        arrived = self._parcels_in(
            Parcel.Status.ARRIVED, 8, Q(order_id__in=cleared) | Q(order_id__in=lost)
        )
        for parcel in arrived:
            actor = self.operators.get(parcel.eroad.destination.code, operator)
            with transaction.atomic():
                if self.fate(parcel.order, "lost"):
                    parcel_exception(
                        parcel=parcel, reason="Not found at the delivery base", actor=actor
                    )
                else:
                    parcel_out_for_delivery(parcel=parcel, actor=actor)
        for parcel in self._parcels_in(Parcel.Status.OUT_FOR_DELIVERY, 10):
            actor = self.operators.get(parcel.eroad.destination.code, operator)
            with transaction.atomic():
                parcel_deliver(parcel=parcel, actor=actor)
            self.later(1, 4, self.buyer_after_delivery, parcel.order_id)

    def _parcels_in(self, status: str, hours: int, *where: Q):
        """The parcels in ``status`` for ``hours`` or more, in one order: the same dice on any
        database."""
        return (
            Parcel.objects.filter(
                *where, status=status, updated_at__lte=self.now - timedelta(hours=hours)
            )
            .select_related("order", "eroad__destination")
            .order_by("pk")
        )

    def buyer_after_delivery(self, order_id: int) -> None:
        order = Order.objects.get(pk=order_id)
        if order.status != Order.Status.DELIVERED:
            return
        if order.buyer_id and (self.fate(order, "dispute") or self.roll("dispute")):
            dispute_open(
                order=order,
                actor=owner_of(order.buyer),
                reason="Part of the goods arrived damaged.",
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
