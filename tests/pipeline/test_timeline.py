"""The order's timeline costs the same queries however long the journey was."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from logistics.models import Parcel
from payments.services.escrow import escrow_release

pytestmark = pytest.mark.django_db


def timeline_queries(user, order) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/orders/{order.reference}/timeline/")
    assert response.status_code == 200
    return len(captured)


def test_a_long_journey_costs_no_more_queries_than_a_short_one(journey):
    seller = journey.world.seller_owner
    short = journey.pay(journey.consumer_order())
    long = journey.pay(journey.consumer_order(quantity=3, n=1))
    for parcel in journey.pack_singly(long):  # three parcels, each with its own events
        journey.receive(parcel)
    journey.consolidate()
    journey.depart()
    journey.land()
    for parcel in Parcel.objects.filter(order=long):
        journey.deliver(parcel)
    long.refresh_from_db()
    journey.run(escrow_release, order=long, actor_label="buyer", reason="ok")
    assert timeline_queries(seller, long) == timeline_queries(seller, short)
