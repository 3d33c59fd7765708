"""The demo's fast-forward: an officer's presses take a dropped-off order to delivered, then
completed, then settled, through the same services and the pipeline's own steps, with the
books balanced; it never acts for a person of the journey and says who must act; a double
press does nothing twice; without DEMO_TOOLS, or for anyone but an officer, there is none."""

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory

from customs.models import Declaration, WatchListEntry
from customs.services.decisions import declaration_decide
from demo.fast_forward import AUDIT_ACTION, order_fast_forward
from demo.fast_forward_plan import order_fast_forward_plan
from ewtp.common.models import AuditEntry
from hubs.models import Order, OrderTransition
from logistics.models import Flight, Parcel, TrackingEvent
from logistics.services.flights import flight_cancel
from payments.models import LedgerTransaction, Payout
from payments.services.accounts import escrow_account
from payments.services.ledger import account_balance
from tests import ledger

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_tools(settings):
    settings.DEMO_TOOLS = True


@pytest.fixture
def officer_client(mdec_officer):
    client = Client()
    client.force_login(mdec_officer)
    return client


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


def press(journey, client, order, leg=None) -> list[str]:
    """One press, with the leg the order's page offers now (or ``leg``, a page shown
    earlier); the worker's deliveries of what it recorded run after it, as in the demo."""
    offered = order_fast_forward_plan(fresh(order)).leg if leg is None else leg
    response = journey.run(
        client.post, f"/orders/{order.reference}/fast-forward/", {"leg": offered or ""}
    )
    assert response.status_code == 302
    assert response.url == f"/orders/{order.reference}/"
    told = [str(message) for message in get_messages(response.wsgi_request)]
    client.cookies.pop("messages", None)  # read here, as the order's page would show them
    return told


def dropped_off(journey) -> tuple[Order, Parcel]:
    """Paid, packed and handed in at KUL: the seller's part is done."""
    order = journey.pay(journey.consumer_order(quantity=2))
    return fresh(order), journey.pack(order)


def footprint() -> tuple:
    return (
        TrackingEvent.objects.count(),
        LedgerTransaction.objects.count(),
        Payout.objects.count(),
        OrderTransition.objects.count(),
        Declaration.objects.count(),
        AuditEntry.objects.filter(action=AUDIT_ACTION).count(),
    )


def test_presses_take_a_dropped_off_order_to_delivered_then_completed_then_settled(
    journey, officer_client, mdec_officer
):
    order, parcel = dropped_off(journey)
    assert order.status == "in_customs"

    told = press(journey, officer_client, order)
    order = fresh(order)
    assert order.status == "delivered"
    assert told[0].startswith(f"Parcel {parcel.waybill} received and weighed at KUL.")
    assert "Flight MH360 departed KUL and landed at HGH." in told[0]
    assert f"Parcel {parcel.waybill} delivered to the buyer at HGH." in told[0]
    assert told[1].startswith("Next press: the buyer's confirmation window")
    parcel.refresh_from_db()
    assert parcel.status == "delivered" and parcel.measured_weight_kg == parcel.declared_weight_kg
    assert Flight.objects.get(number="MH360").status == "arrived"
    assert Flight.objects.get(number="CZ350").status == "scheduled"  # no other flight moved
    imported = Declaration.objects.get(order=order, regime="CN_CBEC_IMPORT")
    assert imported.status == "released"  # filed and cleared by the pipeline and customs
    scans = set(parcel.events.values_list("code", "actor_label"))
    operators = {journey.world.kul_operator.email, journey.world.hgh_operator.email}
    assert {label for code, label in scans if code in ("RCS", "WGT", "NFD", "DLV")} == operators
    assert [t.to_status for t in order.transitions.all()][-3:] == [
        "in_customs",
        "shipped",
        "delivered",
    ]

    told = press(journey, officer_client, order)
    order = fresh(order)
    assert order.status == "completed"
    assert told[0] == (
        "The buyer's confirmation window was ended: escrow was released to the seller."
    )
    assert (
        order.transitions.last().reason
        == "The buyer's confirmation window ended without a dispute."
    )
    assert told[1].startswith("Next press: the payout of ")

    told = press(journey, officer_client, order)
    order = fresh(order)
    assert order.status == "settled"
    assert "reported paid by the bank" in told[0]
    assert told[1] == "The order is settled: its journey is over."
    assert Payout.objects.get(settlement__order=order).status == "settled"
    assert account_balance(escrow_account(order=order)).amount == 0
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()

    # the officer's presses are in the order's audit trail, one row per leg
    legs = AuditEntry.objects.filter(action=AUDIT_ACTION, target_id=str(order.pk))
    assert [entry.data["leg"] for entry in legs.order_by("id")] == [
        "receive",
        "fly",
        "deliver",
        "release",
        "pay_out",
    ]
    assert {entry.actor for entry in legs} == {mdec_officer}

    before = footprint()
    assert press(journey, officer_client, order) == ["The order is settled: its journey is over."]
    assert footprint() == before


def test_it_does_not_pay_for_the_buyer(journey, officer_client):
    order = journey.consumer_order()
    assert fresh(order).status in ("placed", "awaiting_payment")
    before = footprint()
    assert press(journey, officer_client, order, leg="receive") == [
        "Waiting for the buyer to pay for the order."
    ]
    assert footprint() == before
    assert fresh(order).status in ("placed", "awaiting_payment")


def test_it_does_not_pack_for_the_seller(journey, officer_client):
    order = journey.pay(journey.consumer_order())
    assert press(journey, officer_client, order) == [
        "Waiting for the seller to pack the goods and hand them in at KUL."
    ]
    assert not Parcel.objects.filter(order=order).exists()


def test_it_stops_where_a_customs_officer_decides_a_lane(journey, officer_client):
    order = journey.consumer_order()
    WatchListEntry.objects.create(name=order.consumer_name, reason="tip-off")  # red both ways
    order = journey.pay(order)
    parcel = journey.pack(order)
    export = Declaration.objects.get(order=order, regime="MY_EXPORT")
    assert (export.status, export.lane) == ("lane", "red")

    told = press(journey, officer_client, order)
    assert told == [
        f"Parcel {parcel.waybill} received and weighed at KUL.",
        f"Waiting for a customs officer at KUL to decide declaration {export.reference} "
        "(Red: physical inspection).",
    ]
    parcel.refresh_from_db()
    assert parcel.status == "received" and parcel.flight_id is None
    assert press(journey, officer_client, order)[-1] == told[-1]  # it waits, and does nothing

    journey.run(
        declaration_decide,
        declaration=export,
        decision="release",
        reason="Inspected: as declared.",
        actor=journey.world.kul_customs,
    )
    told = press(journey, officer_client, order)
    imported = Declaration.objects.get(order=order, regime="CN_CBEC_IMPORT")
    assert told == [
        "Flight MH360 departed KUL and landed at HGH.",
        f"Waiting for a customs officer at HGH to decide declaration {imported.reference} "
        "(Red: physical inspection).",
    ]
    assert fresh(order).status == "shipped"
    assert Parcel.objects.get(pk=parcel.pk).status == "arrived"


def test_without_a_scheduled_flight_it_says_so_and_invents_none(journey, officer_client):
    for flight in Flight.objects.all():
        flight_cancel(flight=flight, reason="Aircraft unserviceable", actor_label="carrier")
    order, parcel = dropped_off(journey)
    told = press(journey, officer_client, order)
    assert told == [
        f"Parcel {parcel.waybill} received and weighed at KUL.",
        "No flight from KUL to HGH is scheduled after the loading cut-off with room for the "
        "goods: a hub operator at KUL must load the carriers' schedule.",
    ]
    assert Flight.objects.exclude(status="cancelled").count() == 0
    assert Parcel.objects.get(pk=parcel.pk).status == "received"


def test_a_double_press_does_not_double_anything(journey, officer_client):
    order, _parcel = dropped_off(journey)
    page_leg = order_fast_forward_plan(order).leg  # the page both submits were made from
    press(journey, officer_client, order, leg=page_leg)
    before = footprint()
    told = press(journey, officer_client, order, leg=page_leg)
    assert told[0] == (
        "That step was already done (the page was out of date): nothing more was done."
    )
    assert told[1].startswith("Next press: the buyer's confirmation window")
    assert footprint() == before
    for _milestone in ("completed", "settled"):
        page_leg = order_fast_forward_plan(fresh(order)).leg
        press(journey, officer_client, order, leg=page_leg)
        before = footprint()
        press(journey, officer_client, order, leg=page_leg)
        assert footprint() == before
    assert fresh(order).status == "settled"
    assert Payout.objects.filter(settlement__order=order).count() == 1
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_presses_at_once_run_the_journey_once(journey, mdec_officer, hs_nomenclature):
    order, parcel = dropped_off(journey)
    outcomes, barrier = [], threading.Barrier(2)

    def press_now():
        barrier.wait()
        try:
            outcomes.append(order_fast_forward(order=order, actor=mdec_officer, leg="receive"))
        finally:
            connection.close()

    threads = [threading.Thread(target=press_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(outcome.done) for outcome in outcomes) == [0, 3]
    assert [outcome.moved_on for outcome in outcomes if not outcome.done] == [True]
    assert fresh(order).status == "delivered"
    assert parcel.events.filter(code="RCS").count() == 1
    assert parcel.events.filter(code="DEP").count() == 1
    legs = AuditEntry.objects.filter(action=AUDIT_ACTION, target_id=str(order.pk))
    assert sorted(legs.values_list("data__leg", flat=True)) == ["deliver", "fly", "receive"]
    assert ledger.ledger_balanced()


def test_without_demo_tools_there_is_no_fast_forward(
    journey, officer_client, mdec_officer, settings
):
    settings.DEMO_TOOLS = False
    order, _parcel = dropped_off(journey)
    url = f"/orders/{order.reference}/fast-forward/"
    assert officer_client.post(url, {"leg": "receive"}).status_code == 404
    assert officer_client.get(url).status_code == 404
    assert fresh(order).status == "in_customs"
    assert rendered(order, mdec_officer) == ""


def test_a_seller_may_not_fast_forward_its_order(journey):
    order, _parcel = dropped_off(journey)
    url = f"/orders/{order.reference}/fast-forward/"
    seller = Client()
    seller.force_login(journey.world.seller_owner)
    assert seller.post(url, {"leg": "receive"}).status_code == 403
    assert Client().post(url, {"leg": "receive"}).status_code == 404  # not signed in
    assert fresh(order).status == "in_customs"
    assert rendered(order, journey.world.seller_owner) == ""


def test_an_officer_sees_the_button_with_what_the_next_press_does(
    journey, officer_client, mdec_officer
):
    order, _parcel = dropped_off(journey)
    html = rendered(order, mdec_officer)
    assert f'action="/orders/{order.reference}/fast-forward/"' in html
    assert 'name="leg" value="receive"' in html
    assert "Next press: the hub operator at KUL scans the goods in" in html
    assert "disabled" not in html
    unpaid = journey.consumer_order(n=2)
    html = rendered(unpaid, mdec_officer)
    assert "Waiting for the buyer to pay for the order." in html and "disabled" in html
    assert officer_client.get(f"/orders/{order.reference}/fast-forward/").status_code == 405


def rendered(order, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load demo_tools %}{% fast_forward order %}")
    return template.render(Context({"request": request, "order": order})).strip()
