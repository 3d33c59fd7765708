"""An order from payment to delivery through the pipeline's steps, every step run the way the
worker runs it (after commit): the export declaration filed and released, the parcel
released at receipt, consolidated, departed (shipped), landed (import declaration filed
with its three records), delivered (the buyer's window starts). Repeated events change
nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customs.models import Declaration
from ewtp.common.models import OutboxDelivery, OutboxEvent, WebhookDelivery
from ewtp.common.outbox import outbox_dispatch
from ewtp.common.webhook_endpoints import webhook_endpoint_create
from hubs.models import Order, User
from logistics.models import Parcel
from logistics.services.consolidation import consolidations_build
from logistics.services.flights import flights_advance
from logistics.services.floor import (
    parcel_deliver,
    parcel_out_for_delivery,
    parcel_receive,
    parcel_weigh,
)
from payments.services.fx import fx_rates_load
from tests import factories, ledger
from tests.journey import world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(kul, hgh, django_capture_on_commit_callbacks):
    world = world_build()
    with django_capture_on_commit_callbacks(execute=True):
        fx_rates_load()
    return {
        "flight": world.flight,
        "kul_operator": world.kul_operator,
        "hgh_operator": world.hgh_operator,
        "bank": world.bank,
    }


def run(callbacks, action, *args, **kwargs):
    """One action, then what the worker does after its commit (the pipeline's steps)."""
    with callbacks(execute=True):
        return action(*args, **kwargs)


def test_a_business_order_from_payment_to_delivery(
    hgh, network, django_capture_on_commit_callbacks
):
    steps = django_capture_on_commit_callbacks
    with steps(execute=True):  # the steps run when this block ends
        order = ledger.paid_order(destination_hub=hgh, bank=network["bank"], quantity=2)
        buyer = factories.member(order.buyer)
    order.refresh_from_db()
    export = Declaration.objects.get(order=order, regime="MY_EXPORT")
    assert (order.status, export.status) == ("in_customs", "released")
    seller = factories.member(order.seller)
    parcel = factories.parcel_packed(order, weight_kg="0.600", actor=seller)
    parcel = run(steps, parcel_receive, parcel=parcel, actor=network["kul_operator"])
    parcel.refresh_from_db()
    assert parcel.export_released_at is not None  # released at receipt: customs cleared it
    parcel_weigh(parcel=parcel, measured_kg=Decimal("0.600"), actor=network["kul_operator"])
    consolidations_build(now=timezone.now())
    flight = network["flight"]
    run(steps, flights_advance, now=flight.departs_at + timedelta(minutes=1))
    order.refresh_from_db()
    assert order.status == "shipped"
    assert "MH360" in order.transitions.last().reason
    run(steps, flights_advance, now=flight.arrives_at + timedelta(minutes=1))
    imported = Declaration.objects.get(order=order, regime="CN_IMPORT")
    assert imported.hub == hgh and imported.organization == order.buyer
    assert imported.status in ("released", "lane")
    assert imported.waybill == parcel.waybill
    parcel = Parcel.objects.get(pk=parcel.pk)
    parcel = parcel_out_for_delivery(parcel=parcel, actor=network["hgh_operator"])
    run(steps, parcel_deliver, parcel=parcel, actor=network["hgh_operator"])
    order.refresh_from_db()
    assert order.status == "delivered"
    assert [t.to_status for t in order.transitions.all()][-4:] == [
        "paid",
        "in_customs",
        "shipped",
        "delivered",
    ]
    told = [m.subject.split(": ", 2)[-1] for m in mail.outbox if buyer.email in m.to]
    assert told == [
        "your payment arrived",
        "export customs cleared the goods",
        "the goods are in the air",
        "the goods landed",
        "the goods were delivered",
    ]
    # one timeline merges the order's own steps, its money, customs and parcel
    client = Client()
    client.force_login(buyer)
    page = client.get(f"/orders/{order.reference}/timeline/")
    kinds = [moment.kind for moment in page.context["moments"]]
    assert {"order", "money", "customs", "parcel"} <= set(kinds)
    times = [moment.at for moment in page.context["moments"]]
    assert times == sorted(times)
    text = page.content.decode()
    money = [m.title for m in page.context["moments"] if m.kind == "money"]
    assert money == ["Payment received: MYR\xa090.00"]  # into escrow, still held
    assert "MH360" in text and export.reference in text
    # the buyer sees the seller's export steps, not the reasons given to the seller
    export_moments = [m for m in page.context["moments"] if export.reference in m.title]
    assert export_moments and all(m.detail == "" for m in export_moments)
    imported_moments = [m for m in page.context["moments"] if imported.reference in m.title]
    assert any(m.detail for m in imported_moments)  # its own import: with reasons
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/orders/{order.reference}/timeline/")
    assert len(captured) < 20  # a handful of queries, whatever the journey's length
    client.force_login(factories.member(factories.SellerFactory()))
    assert client.get(f"/orders/{order.reference}/timeline/").status_code == 404
    # every event delivered again: nothing changes
    before = (Declaration.objects.count(), order.transitions.count())
    for event in OutboxEvent.objects.all():
        OutboxDelivery.objects.filter(event=event).delete()
        OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)
        run(steps, outbox_dispatch, event_id=event.pk)
    assert (Declaration.objects.count(), Order.objects.get(pk=order.pk).transitions.count()) == (
        before
    )
    assert ledger.ledger_balanced()


def test_a_consumers_order_is_declared_with_its_three_records(
    hgh, network, django_capture_on_commit_callbacks
):
    from hubs.services.placement import Consumer, LineRequest, OrderRequest, order_place
    from payments.services.intents import BankTransfer, payment_receive

    steps = django_capture_on_commit_callbacks
    channel = factories.api_client(kind="channel", name="Shop", scopes=["orders:write"]).client
    webhook_endpoint_create(
        api_client=channel, url="http://shop.example/hooks", events=["order.milestone"]
    )
    product = factories.ProductFactory(stock=10)
    order = run(
        steps,
        order_place,
        request=OrderRequest(
            seller=product.seller,
            destination_hub=hgh,
            channel=channel,
            lines=[LineRequest(product.pk, 2)],
            consumer=Consumer(
                name="Chen Jing",
                address="18 Wensan Road, Hangzhou",
                country="CN",
                id_reference="11010519491231002X",
            ),
        ),
        actor=None,
        actor_label="Shop",
    )
    intent = order.payment_intent
    run(
        steps,
        payment_receive,
        order_reference=order.reference,
        transfer=BankTransfer(
            bank=network["bank"],
            bank_reference="B1",
            amount=intent.amount,
            payer_name="Chen",
            payer_id_reference="11010519491231002X",
        ),
    )
    seller = factories.member(order.seller)
    parcel = factories.parcel_packed(order, weight_kg="0.300", actor=seller)
    run(steps, parcel_receive, parcel=parcel, actor=network["kul_operator"])
    consolidations_build(now=timezone.now())
    flight = network["flight"]
    run(steps, flights_advance, now=flight.departs_at + timedelta(minutes=1))
    run(steps, flights_advance, now=flight.arrives_at + timedelta(minutes=1))
    imported = Declaration.objects.get(order=order, regime="CN_CBEC_IMPORT")
    assert imported.match_differences == []
    assert set(imported.match_records) == {"order", "payment", "waybill"}
    assert imported.status == "released"
    milestones = [
        d.payload["milestone"]
        for d in WebhookDelivery.objects.filter(event="order.milestone").order_by("id")
    ]
    assert milestones == ["paid", "cleared", "departed", "arrived"]


def test_a_customs_rejection_refunds_the_buyer_and_returns_the_parcels(
    hgh, kul, network, django_capture_on_commit_callbacks, monkeypatch
):
    from customs.models import WatchListEntry
    from customs.services.decisions import declaration_decide

    steps = django_capture_on_commit_callbacks
    with steps(execute=True):
        order = ledger.paid_order(destination_hub=hgh, bank=network["bank"], quantity=2)
        WatchListEntry.objects.create(name=order.buyer.legal_name, reason="seizure")  # red
    export = Declaration.objects.get(order=order)
    assert (export.status, export.lane) == ("lane", "red")
    parcel = factories.parcel_packed(order, weight_kg="0.600")
    run(steps, parcel_receive, parcel=parcel, actor=network["kul_operator"])
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul
    )
    # a failing notification never holds up the journey
    monkeypatch.setattr("pipeline.notify._notify", lambda *a: 1 / 0)
    run(
        steps,
        declaration_decide,
        declaration=export,
        decision="reject",
        reason="Counterfeit goods",
        actor=officer,
    )
    order.refresh_from_db()
    assert order.status == "refunded"
    assert "Counterfeit goods" in order.transitions.last().reason
    assert Parcel.objects.get(pk=parcel.pk).status == "returned"
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
    from payments.services.accounts import escrow_account
    from payments.services.ledger import account_balance

    assert account_balance(escrow_account(order=order)).amount == 0  # all back to the payer


def _export_in_red_lane(steps, hgh, network):
    from customs.models import WatchListEntry

    with steps(execute=True):
        order = ledger.paid_order(destination_hub=hgh, bank=network["bank"], quantity=2)
        WatchListEntry.objects.create(name=order.buyer.legal_name, reason="seizure")
    parcel = factories.parcel_packed(order, weight_kg="0.600")
    return order, Declaration.objects.get(order=order), parcel


def test_an_engine_rejection_moves_no_money(
    hgh, mdec_officer, network, django_capture_on_commit_callbacks
):
    from customs.models import TariffLine
    from customs.services.clearance import declarations_process
    from customs.services.filing import declaration_submit

    steps = django_capture_on_commit_callbacks
    with steps(execute=True):
        order = ledger.paid_order(destination_hub=hgh, bank=network["bank"], quantity=2)
    export = Declaration.objects.get(order=order)
    export.status = "cancelled"  # filed again by hand later
    export.save()
    from customs.services.filing import declaration_create
    from pipeline.customs_filing import export_request

    again = declaration_create(
        request=export_request(order, paid=order.total.amount), actor_label="seller"
    )
    # the engine cannot assess it: the goods were prohibited since it was filed
    TariffLine.objects.filter(country="MY", hs_code="621410").update(prohibited=True)
    with steps(execute=True):
        declaration_submit(declaration=again, actor_label="seller")
        declarations_process(declaration_ids=[again.pk])
    again.refresh_from_db()
    order.refresh_from_db()
    assert again.status == "rejected" and order.status == "in_customs"  # nothing refunded
    told = [m for m in mail.outbox if "could not be assessed" in m.subject]
    assert told and mdec_officer.email in told[0].to


def test_an_officers_rejection_of_a_disputed_order_leaves_the_money_to_the_dispute(
    hgh, kul, network, django_capture_on_commit_callbacks
):
    from customs.services.decisions import declaration_decide
    from payments.services.escrow import dispute_open

    steps = django_capture_on_commit_callbacks
    order, export, parcel = _export_in_red_lane(steps, hgh, network)
    dispute_open(order=order, actor=factories.member(order.buyer), reason="Wrong colour")
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul
    )
    run(
        steps,
        declaration_decide,
        declaration=export,
        decision="reject",
        reason="Fake",
        actor=officer,
    )
    order.refresh_from_db()
    assert order.status == "disputed"  # the officer deciding the dispute settles it
    assert Parcel.objects.get(pk=parcel.pk).status == "returned"  # the goods cannot go
