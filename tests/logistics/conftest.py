"""A small logistics world: the KUL eFulfilment centre, carriers, a paid order to Hangzhou."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hubs.models import ERoad
from logistics.models import Carrier, Facility, Flight
from logistics.services.flights import carriers_load
from logistics.services.parcels import ParcelRequest, parcel_create
from tests import factories, ledger


@pytest.fixture
def world(kul, hgh, hub_operator, bank):
    factories.open_eroads()
    carriers_load()
    Facility.objects.create(hub=kul, name="KLIA Aeropolis eFulfilment Centre", address="Sepang")
    Facility.objects.create(hub=hgh, name="Hangzhou eFulfilment Centre", address="Xiaoshan")
    order = ledger.paid_order(destination_hub=hgh, bank=bank, quantity=10)
    return {
        "order": order,
        "seller_user": factories.member(order.seller),
        "operator": hub_operator,
        "eroad": ERoad.objects.get(origin=kul, destination=hgh),
        "kul": kul,
        "hgh": hgh,
    }


def pack(world, quantity=1, weight="1.000"):
    line = world["order"].lines.get()
    return parcel_create(
        order=world["order"],
        request=ParcelRequest(
            weight_kg=Decimal(weight),
            length_cm=30,
            width_cm=20,
            height_cm=10,
            items={line.pk: quantity},
        ),
        actor=world["seller_user"],
    )


def flight(world, hours=6, number="MH360", capacity_kg="100", pieces=100):
    departs = timezone.now() + timedelta(hours=hours)
    return Flight.objects.create(
        eroad=world["eroad"],
        carrier=Carrier.objects.get(iata_code=number[:2]),
        number=number,
        departs_at=departs,
        arrives_at=departs + timedelta(hours=5),
        capacity_kg=Decimal(capacity_kg),
        capacity_pieces=pieces,
    )
