"""Step 5, clearance before arrival: the departed flight's manifest files the import
declarations at the destination, which customs assesses and lane-routes while the goods are
in the air; the landing scan releases the green and blue ones (the journey then goes on as
after any release) while a yellow one waits for the officer. A flight whose departure was
missed is declared at the landing, as before. Every step runs through the outbox, after the
commit of the action that set it off, as on the worker."""

import os
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from customs.errors import CustomsErrorCode
from customs.models import Declaration, RiskRule, WatchListEntry
from customs.services.decisions import declaration_decide
from ewtp.common.errors import ApplicationError
from ewtp.common.models import OutboxEvent
from ewtp.common.outbox import outbox_dispatch, subscribe, subscribers_of, unsubscribe
from hubs.models import Order
from logistics.models import Parcel
from payments.models import PaymentIntent

pytestmark = pytest.mark.django_db

DEPARTURE_STEP = "pipeline.import_declared_before_arrival"


def imported(order) -> Declaration:
    return Declaration.objects.get(order=order, regime="CN_CBEC_IMPORT")


def statuses(declaration) -> list[str]:
    return list(declaration.transitions.values_list("to_status", flat=True))


def two_orders_on_board(journey):
    """A DDP order the risk engine lets through and one it sends to a document check; both
    exports released, both parcels manifested on the morning flight."""
    cleared = journey.pay(journey.consumer_order(n=1, incoterm="DDP"))
    checked = journey.pay(journey.consumer_order(n=2))
    # a tip-off after the export's release, weighed for a document check: only the import
    # sees it (30, and 10 for an exporter with fewer than three releases: yellow)
    RiskRule.objects.filter(code="watch_list").update(weight=30)
    WatchListEntry.objects.create(name=checked.consumer_name, reason="tip-off")
    parcels = [journey.receive(journey.pack(order)) for order in (cleared, checked)]
    assert journey.consolidate() == 2
    return cleared, checked, parcels


def test_imports_are_decided_in_the_air_and_the_landing_scan_releases_the_green_ones(journey):
    world = journey.world
    cleared, checked, (parcel, checked_parcel) = two_orders_on_board(journey)

    journey.depart()
    # filed from the manifest, assessed and routed before the flight lands
    early, waiting = imported(cleared), imported(checked)
    for declaration in (early, waiting):
        assert declaration.hub == world.hgh
        assert declaration.arrival_expected_at == world.flight.arrives_at
        assert declaration.goods_arrived_at is None and declaration.total_tax > 0
        assert declaration.assessment_lines.exists()
    assert (early.status, early.lane) == ("accepted", "blue")  # decided, not released
    assert statuses(early) == ["draft", "submitted", "assessed", "lane", "accepted"]
    assert (waiting.status, waiting.lane) == ("lane", "yellow")
    assert Parcel.objects.get(pk=parcel.pk).status == "departed"
    # nothing of a release has happened yet: no duties paid from escrow
    assert PaymentIntent.objects.get(order=cleared).duties_settled_at is None
    # the officers see the yellow one in their queue, in the air, with its arrival
    client = Client()
    client.force_login(world.hgh_customs)
    page = client.get("/customs/").content.decode()
    assert waiting.reference in page and early.reference not in page
    # (in the officer's hub time)
    due = world.flight.arrives_at.astimezone(world.hgh.zone)
    assert f"In the air, due {date_format(due, 'SHORT_DATETIME_FORMAT')}" in page
    detail = client.get(f"/customs/declarations/{waiting.reference}/").content.decode()
    assert "Lodged before arrival: the goods are in the air" in detail

    journey.land()
    early, waiting = imported(cleared), imported(checked)
    assert early.status == "released" and early.goods_arrived_at is not None
    assert statuses(early)[-2:] == ["accepted", "released"]
    release = early.transitions.last()
    assert "flight MH360 at HGH" in release.reason
    assert early.goods_arrived_at >= timezone.now() - timedelta(minutes=1)
    # the journey goes on as after any release: duties paid from escrow, goods delivered
    assert PaymentIntent.objects.get(order=cleared).duties_settled_at is not None
    assert journey.deliver(parcel).status == "delivered"
    assert Order.objects.get(pk=cleared.pk).status == "delivered"
    # the yellow one was presented too, and still waits for the officer
    assert (waiting.status, waiting.lane) == ("lane", "yellow")
    assert waiting.goods_arrived_at is not None
    released = journey.run(
        declaration_decide,
        declaration=waiting,
        decision="release",
        reason="Documents seen",
        actor=world.hgh_customs,
    )
    assert released.status == "released"  # the goods are there: released at once
    assert Parcel.objects.get(pk=checked_parcel.pk).status == "arrived"


def test_an_officers_release_in_the_air_waits_for_the_landing(journey):
    world = journey.world
    _cleared, checked, _parcels = two_orders_on_board(journey)
    journey.depart()
    waiting = imported(checked)
    accepted = journey.run(
        declaration_decide,
        declaration=waiting,
        decision="release",
        reason="Documents seen in advance",
        actor=world.hgh_customs,
    )
    assert accepted.status == "accepted" and "released when the goods arrive" in (
        accepted.transitions.last().reason
    )
    with pytest.raises(ApplicationError) as refused:  # a second release changes nothing
        declaration_decide(
            declaration=accepted, decision="release", reason="Again", actor=world.hgh_customs
        )
    assert refused.value.code == CustomsErrorCode.AWAITING_ARRIVAL
    journey.land()
    assert imported(checked).status == "released"
    assert statuses(imported(checked))[-2:] == ["accepted", "released"]


def test_repeated_departure_and_landing_events_file_and_release_once(journey):
    cleared, _checked, _parcels = two_orders_on_board(journey)
    journey.depart()
    departed = OutboxEvent.objects.get(name="logistics.flight_departed")
    early = imported(cleared)
    # the worker delivers the event again, and a handler is called twice: nothing new
    assert outbox_dispatch(event_id=departed.pk) == 0
    handler = next(s.handler for s in subscribers_of(departed.name) if s.name == DEPARTURE_STEP)
    handler(_payload(departed))
    assert Declaration.objects.filter(order=cleared).count() == 2  # the export and the import
    assert imported(cleared).transitions.count() == early.transitions.count()
    journey.land()
    arrived = OutboxEvent.objects.get(name="logistics.flight_arrived")
    arrival = next(
        s.handler for s in subscribers_of(arrived.name) if s.name == "pipeline.import_declared"
    )
    arrival(_payload(arrived))
    assert statuses(imported(cleared)).count("released") == 1


def _payload(event: OutboxEvent):
    from logistics.events import FlightArrived, FlightDeparted

    kind = {"logistics.flight_departed": FlightDeparted, "logistics.flight_arrived": FlightArrived}
    return kind[event.name](**event.payload)


def test_a_flight_whose_departure_was_missed_is_declared_at_the_landing(journey):
    cleared, _checked, _parcels = two_orders_on_board(journey)
    (step,) = [s for s in subscribers_of("logistics.flight_departed") if s.name == DEPARTURE_STEP]
    unsubscribe("logistics.flight_departed", DEPARTURE_STEP)
    try:
        journey.depart()
    finally:
        subscribe("logistics.flight_departed", name=DEPARTURE_STEP)(step.handler)
    assert not Declaration.objects.filter(order=cleared, regime="CN_CBEC_IMPORT").exists()
    journey.land()
    late = imported(cleared)
    assert late.arrival_expected_at is None and late.goods_arrived_at is None
    assert late.status == "released"  # as before: lodged on arrival, released at once
    assert "released" in statuses(late) and "accepted" not in statuses(late)


@pytest.mark.worker
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI has it)")
@pytest.mark.django_db(transaction=True)
def test_on_a_real_worker_the_import_is_decided_in_the_air_and_released_at_landing(
    worker_journey,
):
    journey = worker_journey
    order = journey.pay(journey.consumer_order(quantity=2))
    parcel = journey.receive(journey.pack(order))
    assert journey.consolidate() == 1
    journey.depart()
    early = imported(order)
    assert (early.status, early.lane) == ("accepted", "blue")
    assert early.arrival_expected_at == journey.world.flight.arrives_at
    journey.land()
    assert imported(order).status == "released"
    assert imported(order).match_differences == []
    journey.deliver(parcel)
    assert Order.objects.get(pk=order.pk).status == "delivered"
