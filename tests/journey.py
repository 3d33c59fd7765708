"""The world an order travels through (two hubs, an e-road, its flights, the hubs' people, a
bank and a channel) and the actions of everyone but the pipeline, for the journey tests and
the journey benchmark.

A ``Journey`` runs each action and then lets the pipeline catch up: in-process tests pass
``django_capture_on_commit_callbacks`` (the steps run after the action's commit, as the
worker would run them), worker tests pass ``worker_settles`` (wait until a real worker has
delivered every event)."""

import importlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from customs.models import Declaration, RiskRule
from customs.services.tariff import tariff_load_bundled
from ewtp.common.models import ApiClient, OutboxEvent
from hubs.models import ERoad, Hub, Order, Organization, Product, User
from hubs.services.placement import Consumer, LineRequest, OrderRequest, order_place
from hubs.validators import cn_resident_id_check_character
from logistics.models import Carrier, Facility, Flight, Parcel
from logistics.services.consolidation import consolidations_build
from logistics.services.flights import carriers_load, flights_advance
from logistics.services.floor import (
    parcel_deliver,
    parcel_out_for_delivery,
    parcel_receive,
    parcel_weigh,
)
from logistics.services.parcels import ParcelRequest, parcel_create
from payments.models import FeeSchedule
from payments.services.intents import BankTransfer, payment_receive
from tests import factories

# An order's statuses from placement to completion, in the order it goes through them.
ORDER_STATUSES = [
    "placed",
    "awaiting_payment",
    "paid",
    "in_customs",
    "shipped",
    "delivered",
    "completed",
]


@dataclass
class World:
    kul: Hub
    hgh: Hub
    flight: Flight
    next_flight: Flight
    kul_operator: User
    hgh_operator: User
    kul_customs: User
    hgh_customs: User
    bank: ApiClient
    channel: ApiClient
    product: Product
    seller: Organization
    seller_owner: User


def risk_rules_ensure() -> None:
    """A transactional test empties the rules a migration seeded: put them back."""
    if not RiskRule.objects.exists():
        importlib.import_module("customs.migrations.0004_default_risk_rules").add_rules(apps, None)


def world_build(*, pieces: int = 100, kg: Decimal = Decimal("500"), stock: int = 100) -> World:
    """Everything an order needs from placement to payout, with random customs selection off
    (a test that wants a lane asks for one)."""
    risk_rules_ensure()
    RiskRule.objects.filter(code="random").update(enabled=False)
    kul, hgh = factories.open_eroads()
    carriers_load()
    tariff_load_bundled()
    FeeSchedule.objects.get_or_create(
        hub=kul,
        effective_from="2024-01-01",
        defaults={"percent": Decimal("2.50"), "fixed_minor": 100, "currency": "MYR"},
    )
    Facility.objects.get_or_create(hub=kul, defaults={"name": "KLIA eFulfilment"})
    Facility.objects.get_or_create(hub=hgh, defaults={"name": "Hangzhou eFulfilment"})
    eroad = ERoad.objects.get(origin=kul, destination=hgh)
    departs = timezone.now() + timedelta(hours=6)  # after the loading cut-off
    flights = [
        Flight.objects.create(
            eroad=eroad,
            carrier=Carrier.objects.get(iata_code=carrier),
            number=number,
            departs_at=departs + later,
            arrives_at=departs + later + timedelta(hours=5),
            capacity_kg=kg,
            capacity_pieces=pieces,
        )
        for carrier, number, later in (("MH", "MH360", timedelta()), ("CZ", "CZ350", timedelta(1)))
    ]
    product = factories.ProductFactory(stock=stock)

    def official(role, hub):
        return factories.UserFactory(official_role=role, official_hub=hub)

    return World(
        kul=kul,
        hgh=hgh,
        flight=flights[0],
        next_flight=flights[1],
        kul_operator=official(User.OfficialRole.HUB_OPERATOR, kul),
        hgh_operator=official(User.OfficialRole.HUB_OPERATOR, hgh),
        kul_customs=official(User.OfficialRole.CUSTOMS_OFFICER, kul),
        hgh_customs=official(User.OfficialRole.CUSTOMS_OFFICER, hgh),
        bank=factories.api_client(
            kind="bank", name="Bank", scopes=["payments:write", "payouts:write"]
        ).client,
        channel=factories.api_client(kind="channel", name="Shop", scopes=["orders:write"]).client,
        product=product,
        seller=product.seller,
        seller_owner=factories.member(product.seller),
    )


def resident_id(n: int) -> str:
    """A well-formed Chinese resident ID (GB 11643 check character), one per ``n``."""
    first17 = f"3301{n:013d}"
    return first17 + cn_resident_id_check_character(first17)


def until(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """Wait for a worker to make ``condition`` true, or say what it was still doing."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pending = list(
        OutboxEvent.objects.filter(dispatched_at__isnull=True).values_list("name", "last_error")
    )
    raise AssertionError(f"the worker did not get there: {what} (pending events: {pending})")


def pipeline_idle() -> bool:
    """Every event delivered and no declaration waiting for the worker's assessment."""
    return not (
        OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()
        or Declaration.objects.filter(status__in=["submitted", "assessed"]).exists()
    )


@contextmanager
def worker_settles():
    yield
    until(pipeline_idle, "the pipeline caught up")


class Journey:
    """What the buyer, the bank, the seller and the hubs' operators do, each action followed
    by the pipeline's steps (``steps``: a context manager factory, see the module)."""

    def __init__(self, world: World, steps):
        self.world = world
        self.steps = steps

    def run(self, action, *args, **kwargs):
        with self.steps():
            return action(*args, **kwargs)

    def consumer_order(
        self, *, quantity: int = 1, n: int = 0, incoterm: str = "DAP", payment_currency: str = ""
    ) -> Order:
        world = self.world
        order = self.run(
            order_place,
            request=OrderRequest(
                seller=world.seller,
                destination_hub=world.hgh,
                channel=world.channel,
                lines=[LineRequest(world.product.pk, quantity)],
                incoterm=incoterm,
                payment_currency=payment_currency,
                consumer=Consumer(
                    name=f"Chen Jing {n}",
                    # one address per consumer: several consumers at one address is a
                    # risk rule of its own (splitting_by_address)
                    address=f"{18 + n} Wensan Road, Hangzhou",
                    country="CN",
                    id_reference=resident_id(n),
                ),
            ),
            actor=None,
            actor_label="Shop",
        )
        return Order.objects.get(pk=order.pk)

    def business_order(self, *, quantity: int = 1, incoterm: str = "DAP") -> Order:
        """A Hangzhou company's order; its owner is ``order.buyer_owner`` for the test."""
        buyer = factories.BuyerFactory()
        owner = factories.member(buyer)
        order = self.run(
            order_place,
            request=OrderRequest(
                seller=self.world.seller,
                destination_hub=self.world.hgh,
                buyer=buyer,
                lines=[LineRequest(self.world.product.pk, quantity)],
                incoterm=incoterm,
            ),
            actor=owner,
        )
        order = Order.objects.get(pk=order.pk)
        order.buyer_owner = owner
        return order

    def pay(self, order: Order, *, reference: str = "", amount=None) -> Order:
        intent = Order.objects.get(pk=order.pk).payment_intent
        self.run(
            payment_receive,
            order_reference=order.reference,
            transfer=BankTransfer(
                bank=self.world.bank,
                bank_reference=reference or f"B-{order.reference}",
                amount=amount or intent.amount,
                payer_name=order.buyer_label,
                # a consumer pays in person: the bank reports the identity (retail imports)
                payer_id_reference=order.consumer_id_reference,
            ),
        )
        return Order.objects.get(pk=order.pk)

    def pack(self, order: Order, *, weight_kg: Decimal | None = None) -> Parcel:
        """One parcel with all of the order's goods, at the declared weight unless told."""
        lines = list(order.lines.all())
        declared = sum((line.unit_weight_kg * line.quantity for line in lines), Decimal(0))
        return parcel_create(
            order=order,
            request=ParcelRequest(
                weight_kg=weight_kg or declared,
                length_cm=30,
                width_cm=20,
                height_cm=5,
                items={line.pk: line.quantity for line in lines},
            ),
            actor=self.world.seller_owner,
        )

    def pack_singly(self, order: Order) -> Iterator[Parcel]:
        """A parcel of its own for each piece of the order's goods, at its declared weight,
        each packed as the next is asked for."""
        for line in order.lines.all():
            for _ in range(line.quantity):
                yield parcel_create(
                    order=order,
                    request=ParcelRequest(
                        weight_kg=line.unit_weight_kg,
                        length_cm=30,
                        width_cm=20,
                        height_cm=5,
                        items={line.pk: 1},
                    ),
                    actor=self.world.seller_owner,
                )

    def receive(self, parcel: Parcel, *, measured_kg: Decimal | None = None) -> Parcel:
        operator = self.world.kul_operator
        parcel = self.run(parcel_receive, parcel=parcel, actor=operator)
        if measured_kg is not None:
            self.run(parcel_weigh, parcel=parcel, measured_kg=measured_kg, actor=operator)
        return Parcel.objects.get(pk=parcel.pk)

    def consolidate(self) -> int:
        return self.run(consolidations_build, now=timezone.now())

    def depart(self, flight: Flight | None = None) -> None:
        flight = flight or self.world.flight
        self.run(flights_advance, now=flight.departs_at + timedelta(minutes=1))

    def land(self, flight: Flight | None = None) -> None:
        flight = flight or self.world.flight
        self.run(flights_advance, now=flight.arrives_at + timedelta(minutes=1))

    def deliver(self, parcel: Parcel) -> Parcel:
        operator = self.world.hgh_operator
        parcel = parcel_out_for_delivery(parcel=Parcel.objects.get(pk=parcel.pk), actor=operator)
        return self.run(parcel_deliver, parcel=parcel, actor=operator)

    def ship(self, order: Order) -> Parcel:
        """Pack, receive, consolidate, depart and land: the order's parcel at the destination."""
        parcel = self.receive(self.pack(order))
        self.consolidate()
        self.depart()
        self.land()
        return Parcel.objects.get(pk=parcel.pk)
