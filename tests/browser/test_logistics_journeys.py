"""The seller packs an order and prints its label; the operator scans it in on the floor,
weighs it, and the public page shows the timeline — in headless Chromium."""

import pytest
from playwright.sync_api import expect

from hubs.models import ERoad
from logistics.models import Facility, Parcel
from logistics.services.flights import carriers_load
from tests import factories, ledger

from .test_trade_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_parcel_from_packing_to_the_hub_floor(
    page, browser, live_server, kul, hgh, hub_operator, bank, screenshot
):
    factories.open_eroads()
    carriers_load()
    Facility.objects.create(hub=kul, name="KLIA eFulfilment", address="Sepang")
    order = ledger.paid_order(destination_hub=hgh, bank=bank, quantity=3)
    seller = factories.member(order.seller)
    assert ERoad.objects.filter(origin=kul, destination=hgh).exists()

    sign_in(page, seller.email)
    page.goto(f"/orders/{order.reference}/")
    page.get_by_role("link", name="Parcels and tracking").click()
    page.get_by_label("Weight (kg)").fill("1.400")
    page.get_by_label("Length (cm)").fill("30")
    page.get_by_label("Width (cm)").fill("20")
    page.get_by_label("Height (cm)").fill("10")
    page.get_by_role("button", name="Create the parcel and its waybill").click()
    parcel = Parcel.objects.get()
    expect(page.get_by_text(f"Parcel {parcel.waybill} created")).to_be_visible()
    with page.expect_response("**/label.pdf") as label:
        page.get_by_role("link", name="Print the label (PDF)").click()
    assert label.value.headers["content-type"] == "application/pdf"

    floor = browser.new_context(base_url=live_server.url).new_page()
    sign_in(floor, hub_operator.email)
    floor.get_by_role("navigation", name="Main").get_by_role("link", name="Hub floor").click()
    field = floor.get_by_label("Scan or type the house waybill")
    field.fill(parcel.waybill)
    field.press("Enter")  # what a barcode scanner does
    floor.get_by_role("button", name="Receive").click()
    expect(floor.get_by_text(f"Done: {parcel.waybill}.")).to_be_visible()
    floor.get_by_label("Scale reading (kg)").fill("1.900")
    floor.get_by_role("button", name="Weigh").click()
    expect(floor.get_by_text("Weight outside the tolerance")).to_be_visible()

    public = browser.new_context(base_url=live_server.url).new_page()
    public.goto("/track/")
    public.get_by_label("House waybill number").fill(parcel.waybill)
    public.get_by_role("button", name="Track").click()
    expect(public.get_by_text("Received at the hub", exact=True)).to_be_visible()
    screenshot(public, "tracking-status")
    public.get_by_label("Postcode of the delivery address, or the order reference").fill(
        order.reference
    )
    public.get_by_role("button", name="Show the journey").click()
    expect(public.get_by_text("Received at the hub, ready for carriage")).to_be_visible()
    expect(public.get_by_text(order.seller.legal_name)).to_have_count(0)
    screenshot(page, "seller")
    screenshot(floor, "floor")
    screenshot(public, "tracking")


def test_an_operator_consolidates_a_flight_and_prints_its_manifest(
    page, live_server, kul, hgh, hub_operator, bank, screenshot
):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from logistics.models import Carrier, Flight
    from logistics.services.floor import parcel_export_release, parcel_receive

    factories.open_eroads()
    carriers_load()
    Facility.objects.create(hub=kul, name="KLIA eFulfilment", address="Sepang")
    order = ledger.paid_order(destination_hub=hgh, bank=bank, quantity=2)
    parcel = factories.parcel_packed(order, weight_kg="0.600")
    parcel_export_release(parcel=parcel_receive(parcel=parcel, actor=hub_operator))
    departs = timezone.now() + timedelta(hours=6)
    Flight.objects.create(
        eroad=ERoad.objects.get(origin=kul, destination=hgh),
        carrier=Carrier.objects.get(iata_code="MH"),
        number="MH360",
        departs_at=departs,
        arrives_at=departs + timedelta(hours=5),
        capacity_kg=Decimal("500"),
        capacity_pieces=100,
    )

    sign_in(page, hub_operator.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Flights").click()
    page.get_by_role("button", name="Consolidate now").click()
    expect(page.get_by_text("1 parcel loaded.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="MH360")
    expect(row).to_contain_text("0.600 / 500")
    with page.expect_response("**/manifest.pdf") as manifest:
        row.get_by_role("link", name="PDF").click()
    assert manifest.value.headers["content-type"] == "application/pdf"
    assert Parcel.objects.get(pk=parcel.pk).flight.number == "MH360"
    screenshot(page, "flights")


def test_the_seller_follows_an_order_through_shipping(page, live_server, kul, hgh, screenshot):
    """Paid, declared and released, packed, at the hub, on a flight that departs: the seller
    sees each of it on the order's pages, the pipeline having run every step."""
    from contextlib import nullcontext

    from payments.services.fx import fx_rates_load
    from tests.journey import Journey, world_build

    journey = Journey(world_build(), nullcontext)  # each commit runs its steps (eager)
    journey.run(fx_rates_load)
    order = journey.pay(journey.business_order(quantity=2))
    sign_in(page, journey.world.seller_owner.email)
    page.goto(f"/orders/{order.reference}/")
    expect(page.get_by_text("In customs").first).to_be_visible()
    parcel = journey.receive(journey.pack(order))
    journey.consolidate()
    journey.depart()
    page.reload()
    expect(page.locator("h1 .pill")).to_have_text("Shipped")
    page.get_by_role("link", name="Timeline").click()
    for moment in ("Export declaration", "Departed", "Payment received"):
        expect(page.get_by_text(moment).first).to_be_visible()
    expect(page.get_by_text(parcel.waybill).first).to_be_visible()
    screenshot(page, "shipped")
