"""The journey's messages, each side's handling in-process (tests/peering/
test_two_deployments.py runs them between two deployments): what the origin announces at
departure, what the destination files from it and refuses, what its operators may scan,
and what the origin does with the answers, only for orders it announced to that peer."""

from decimal import Decimal

import pytest
from django.urls import reverse

from customs.models import Declaration
from ewtp.common.errors import ApplicationError, NotAllowedError
from hubs.models import ERoad, Order
from logistics.models import Parcel
from payments.services.fx import fx_rates_load
from peering.handlers import TYPES
from peering.models import Consignment, OutboundMessage, Peer
from peering.services.consignments import consignment_receive, consignment_scan
from peering.services.journey import consignment_scanned_received, declaration_decided_received
from tests import factories, ledger
from tests.journey import Journey, world_build
from tests.peering.support import post, remote_peer

CLOSED = "http://127.0.0.1:9"  # nothing listens: what is sent waits in the outbox


@pytest.fixture
def announced(journey, settings):
    """An order flown from Kuala Lumpur, whose destination (Hangzhou) a peer runs: its
    manifest, as the origin sent it."""
    settings.EWTP_HUBS_HERE = frozenset({"KUL"})
    world = journey.world
    peer = Peer.objects.create(name="Hangzhou", deployment="hgh.test", base_url=CLOSED)
    peer.eroads.set([world.flight.eroad])
    order = journey.pay(journey.consumer_order(quantity=2))
    parcel = journey.receive(journey.pack(order))
    journey.consolidate()
    journey.depart()
    message = OutboundMessage.objects.get(peer=peer, type="consignment.manifested")
    return order, parcel, peer, message


def test_departure_announces_the_order_and_files_nothing_here(announced):
    order, parcel, _peer, message = announced
    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert message.stream == f"order:{order.reference}" and message.status == "pending"
    manifest = message.payload
    assert manifest["destination_hub"] == "HGH"
    assert manifest["parcels"] == [{"waybill": parcel.waybill, "weight_kg": str(parcel.weight_kg)}]
    assert manifest["declaration"]["regime"] == "CN_CBEC_IMPORT"
    assert manifest["records"]["order"]["goods"] == [[order.lines.get().hs_code, 2]]
    # Hangzhou's customs are the peer's: no import declaration in this deployment
    assert not Declaration.objects.filter(regime="CN_CBEC_IMPORT").exists()


def as_destination(settings, manifest=None):
    """This database as the destination's: Hangzhou run here, the origin its peer."""
    settings.EWTP_HUBS_HERE = frozenset({"HGH"})
    origin = Peer.objects.create(name="Kuala Lumpur", deployment="kul.test", base_url=CLOSED)
    origin.eroads.set([ERoad.objects.get(origin__code="KUL", destination__code="HGH")])
    return origin, manifest


def test_the_destination_files_the_import_before_arrival_with_the_three_records(
    announced, settings
):
    origin, manifest = as_destination(settings, announced[3].payload)
    consignment = consignment_receive(peer=origin, manifest=manifest)
    declaration = consignment.declaration
    assert declaration.order_id is None and declaration.hub.code == "HGH"
    assert declaration.arrival_expected_at is not None  # lodged while the goods fly
    assert declaration.waybill == announced[1].waybill
    assert set(declaration.match_records) == {"order", "payment", "waybill"}
    declaration.refresh_from_db()
    assert declaration.match_differences == []
    assert declaration.status not in ("draft", "rejected")
    # the same manifest again (a second flight of the order): nothing more is filed
    assert consignment_receive(peer=origin, manifest=manifest) == consignment
    assert Declaration.objects.filter(regime="CN_CBEC_IMPORT").count() == 1


def test_a_manifest_for_a_hub_not_run_here_or_in_a_foreign_regime_is_refused(announced, settings):
    origin, manifest = as_destination(settings, announced[3].payload)
    settings.EWTP_HUBS_HERE = frozenset({"SIN"})
    with pytest.raises(ApplicationError) as refused:
        consignment_receive(peer=origin, manifest=manifest)
    assert refused.value.code == "not_your_hub"
    settings.EWTP_HUBS_HERE = frozenset({"HGH"})
    foreign = {**manifest, "declaration": {**manifest["declaration"], "regime": "MY_IMPORT"}}
    with pytest.raises(ApplicationError) as refused:
        consignment_receive(peer=origin, manifest=foreign)
    assert refused.value.code == "message_invalid"
    # a peer that serves no e-road into the hub announces nothing to it
    origin.eroads.clear()
    with pytest.raises(ApplicationError) as refused:
        consignment_receive(peer=origin, manifest=manifest)
    assert refused.value.code == "not_your_hub"
    assert not Declaration.objects.filter(hub__code="HGH").exists()
    assert not Consignment.objects.exists()


def test_goods_customs_cannot_accept_are_not_filed_and_the_origin_is_told(announced, settings):
    origin, manifest = as_destination(settings, announced[3].payload)
    items = [{**manifest["declaration"]["items"][0], "hs_code": "999999"}]
    unknown = {**manifest, "declaration": {**manifest["declaration"], "items": items}}
    consignment = consignment_receive(peer=origin, manifest=unknown)
    assert consignment.declaration is None and consignment.filing_error
    told = OutboundMessage.objects.get(peer=origin, type="declaration.decided")
    assert told.payload["status"] == "not_filed"
    assert told.payload["reason"] == consignment.filing_error


def test_only_the_hubs_operators_scan_and_only_in_order(announced, settings):
    origin, manifest = as_destination(settings, announced[3].payload)
    consignment = consignment_receive(peer=origin, manifest=manifest)
    hgh = consignment.hub
    operator = factories.UserFactory(official_role="hub_operator", official_hub=hgh)
    elsewhere = factories.UserFactory(
        official_role="hub_operator", official_hub=factories.hub("SIN")
    )
    with pytest.raises(NotAllowedError):
        consignment_scan(consignment=consignment, to="arrived", actor=elsewhere)
    with pytest.raises(ApplicationError) as refused:
        consignment_scan(consignment=consignment, to="delivered", actor=operator)
    assert refused.value.code == "scan_invalid"
    with pytest.raises(ApplicationError) as refused:
        consignment_scan(consignment=consignment, to="damaged", actor=operator, note=" ")
    assert refused.value.extra["field"] == "note"
    for _ in range(2):  # a double click sends one scan
        consignment_scan(consignment=consignment, to="arrived", actor=operator)
    scans = OutboundMessage.objects.filter(peer=origin, type="consignment.scanned")
    assert [m.payload["status"] for m in scans] == ["arrived"]
    declaration = Declaration.objects.get(pk=consignment.declaration_id)
    assert declaration.goods_arrived_at is not None  # presented at the landing scan
    # goods whose import is not released stay under customs control
    Declaration.objects.filter(pk=declaration.pk).update(status="lane")
    with pytest.raises(ApplicationError) as refused:
        consignment_scan(consignment=consignment, to="out_for_delivery", actor=operator)
    assert refused.value.code == "scan_invalid"
    consignment_scan(consignment=consignment, to="lost", actor=operator, note="Not in the ULD")
    claim = OutboundMessage.objects.get(peer=origin, type="consignment.claimed")
    assert claim.payload["status"] == "lost" and claim.payload["note"] == "Not in the ULD"
    for message in OutboundMessage.objects.filter(peer=origin):
        assert message.type in TYPES  # every message sent is one the peer's handlers know
        assert message.stream == f"order:{consignment.order_reference}"


def test_the_incoming_page_lists_the_hubs_consignments_and_scans(
    announced, settings, client, django_assert_max_num_queries
):
    origin, manifest = as_destination(settings, announced[3].payload)
    consignment = consignment_receive(peer=origin, manifest=manifest)
    operator = factories.UserFactory(official_role="hub_operator", official_hub=consignment.hub)
    client.force_login(operator)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("peering:incoming"))
    assert consignment.order_reference in page.content.decode()
    response = client.post(
        reverse("peering:incoming"), {"consignment": consignment.pk, "status": "arrived"}
    )
    assert response.status_code == 302
    assert Consignment.objects.get(pk=consignment.pk).status == "arrived"
    other = factories.UserFactory(official_role="hub_operator", official_hub=factories.hub("SIN"))
    client.force_login(other)
    response = client.post(
        reverse("peering:incoming"), {"consignment": consignment.pk, "status": "out_for_delivery"}
    )
    assert response.status_code == 404
    assert Consignment.objects.get(pk=consignment.pk).status == "arrived"


def test_the_origin_acts_only_on_answers_about_orders_it_announced_to_that_peer(
    announced, journey, django_capture_on_commit_callbacks
):
    order, parcel, peer, _message = announced
    stranger = Peer.objects.create(name="Elsewhere", deployment="sin.test", base_url=CLOSED)
    scan = {"order": order.reference, "waybill": parcel.waybill, "at": "2026-12-07T10:00:00Z"}
    with pytest.raises(ApplicationError):
        consignment_scanned_received(
            peer=stranger, payload={**scan, "status": "delivered", "note": ""}
        )
    assert Parcel.objects.get(pk=parcel.pk).status == "departed"
    journey.land()  # the origin records the landing from the flight's schedule
    consignment_scanned_received(peer=peer, payload={**scan, "status": "arrived", "note": ""})
    assert Parcel.objects.get(pk=parcel.pk).status == "arrived"  # not one step further
    # the peer's delivery record skips the scans between: the parcel goes through them
    with django_capture_on_commit_callbacks(execute=True):  # the pipeline's steps after it
        consignment_scanned_received(peer=peer, payload={**scan, "status": "delivered", "note": ""})
    assert Parcel.objects.get(pk=parcel.pk).status == "delivered"
    assert Order.objects.get(pk=order.pk).status == "delivered"


def released(order, *, declaration: str, exchange_rate: str, total_tax: str) -> dict:
    """A declaration.decided payload of a release assessed at ``total_tax`` CNY."""
    return {
        "order": order.reference,
        "declaration": declaration,
        "regime": "CN_CBEC_IMPORT",
        "status": "released",
        "lane": "green",
        "by_officer": False,
        "reason": "",
        "currency": "MYR",
        "exchange_rate": exchange_rate,
        "total_tax": total_tax,
        "customs_currency": "CNY",
    }


def test_an_officers_rejection_at_the_destination_refunds_the_buyer(announced):
    order, _parcel, peer, _message = announced
    declaration_decided_received(
        peer=peer,
        payload={
            "order": order.reference,
            "declaration": "HGH-CN-1",
            "regime": "CN_CBEC_IMPORT",
            "status": "rejected",
            "lane": "red",
            "by_officer": True,
            "reason": "Prohibited goods.",
        },
    )
    order = Order.objects.get(pk=order.pk)
    assert order.status == "refunded"
    assert "HGH-CN-1" in order.transitions.last().reason
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_a_released_assessment_pays_a_ddp_orders_taxes_from_escrow(journey, settings):
    settings.EWTP_HUBS_HERE = frozenset({"KUL"})
    world = journey.world
    peer = Peer.objects.create(name="Hangzhou", deployment="hgh.test", base_url=CLOSED)
    peer.eroads.set([world.flight.eroad])
    order = journey.pay(journey.consumer_order(quantity=2, incoterm="DDP"))
    journey.receive(journey.pack(order))
    journey.consolidate()
    journey.depart()
    quoted = Order.objects.get(pk=order.pk).duties_quoted
    tax = str((quoted.amount * Decimal("1.5")).quantize(Decimal("0.01")))
    declaration_decided_received(
        peer=peer,
        payload=released(order, declaration="HGH-CN-2", exchange_rate="1.5", total_tax=tax),
    )
    intent = Order.objects.get(pk=order.pk).payment_intent
    assert intent.duties_settled_at is not None


def test_a_manifest_without_a_time_the_receiver_can_read_is_refused(announced, settings):
    origin, manifest = as_destination(settings, announced[3].payload)
    for arrives_at in ("not a time", "2026-12-07T19:00:00"):  # unreadable; no offset
        flight = {**manifest["flight"], "arrives_at": arrives_at}
        with pytest.raises(ApplicationError) as refused:
            consignment_receive(peer=origin, manifest={**manifest, "flight": flight})
        assert refused.value.code == "message_invalid"
    assert not Consignment.objects.exists()


def test_a_release_without_a_usable_rate_is_refused_and_moves_no_money(announced):
    order, _parcel, peer, _message = announced
    Order.objects.filter(pk=order.pk).update(incoterm="DDP")
    with pytest.raises(ApplicationError) as refused:
        declaration_decided_received(
            peer=peer,
            payload=released(order, declaration="HGH-CN-3", exchange_rate="0", total_tax="10.00"),
        )
    assert refused.value.code == "message_invalid"
    assert Order.objects.get(pk=order.pk).payment_intent.duties_settled_at is None


def test_an_order_split_over_two_flights_is_announced_and_delivered_flight_by_flight(
    kul, hgh, settings, django_capture_on_commit_callbacks
):
    settings.EWTP_HUBS_HERE = frozenset({"KUL"})
    journey = Journey(
        world_build(pieces=1), lambda: django_capture_on_commit_callbacks(execute=True)
    )
    journey.run(fx_rates_load)
    world = journey.world
    peer = Peer.objects.create(name="Hangzhou", deployment="hgh.test", base_url=CLOSED)
    peer.eroads.set([world.flight.eroad])
    order = journey.pay(journey.consumer_order(quantity=2))
    parcels = [journey.receive(parcel) for parcel in journey.pack_singly(order)]
    journey.consolidate()  # one piece a flight: one parcel on each
    journey.depart()
    journey.depart(world.next_flight)
    journey.depart(world.next_flight)  # a repeated departure announces nothing more
    manifests = [
        message.payload
        for message in OutboundMessage.objects.filter(type="consignment.manifested").order_by(
            "sequence"
        )
    ]
    on_board = [[p["waybill"] for p in manifest["parcels"]] for manifest in manifests]
    assert sorted(on_board) == sorted([[parcel.waybill] for parcel in parcels])
    assert [m["flight"]["number"] for m in manifests] == ["MH360", "CZ350"]

    # the destination: one consignment a flight, the order declared once
    origin, _ = as_destination(settings, None)
    first, second = (consignment_receive(peer=origin, manifest=m) for m in manifests)
    assert first.declaration_id and second.declaration_id == first.declaration_id
    assert Declaration.objects.filter(hub__code="HGH").count() == 1

    # back at the origin: the first flight's delivery delivers its parcel, not the order
    settings.EWTP_HUBS_HERE = frozenset({"KUL"})
    for manifest, delivered in ((manifests[0], "shipped"), (manifests[1], "delivered")):
        scan = {
            "order": order.reference,
            "waybill": manifest["parcels"][0]["waybill"],
            "status": "delivered",
            "at": "2026-12-07T10:00:00Z",
            "note": "",
        }
        with django_capture_on_commit_callbacks(execute=True):
            consignment_scanned_received(peer=peer, payload=scan)
        assert Order.objects.get(pk=order.pk).status == delivered


def test_a_journey_message_on_another_orders_stream_is_refused(db, client):
    peer = remote_peer()
    envelope = peer.envelope(
        type="consignment.scanned",
        stream="order:EW-OTHER",
        payload={
            "order": "EW-7K2M9QX4",
            "waybill": "KUL000000042",
            "status": "arrived",
            "at": "2026-12-07T10:00:00Z",
            "note": "",
        },
    )
    response = post(client, *peer.request(envelope))
    assert response.status_code == 400
    assert response.json()["code"] == "message_invalid"
    assert "order:EW-7K2M9QX4" in response.json()["detail"]
