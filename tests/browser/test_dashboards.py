"""An MDEC officer reads the zone's exports, filters the clearance study to one hub and
downloads a table; a seller reads its own insights — in headless Chromium."""

from contextlib import nullcontext

import pytest
from playwright.sync_api import expect

from payments.services.escrow import escrow_release
from payments.services.fx import fx_rates_load
from tests import factories
from tests.journey import Journey, world_build

from .test_trade_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_reads_the_dashboards_and_a_seller_its_insights(
    page, browser, live_server, kul, hgh, hs_nomenclature, screenshot
):
    journey = Journey(world_build(), nullcontext)  # each commit runs its steps (eager)
    journey.run(fx_rates_load)
    orders = [journey.pay(journey.consumer_order(quantity=n + 1, n=n)) for n in range(2)]
    parcels = [journey.receive(journey.pack(order)) for order in orders]
    journey.consolidate()
    journey.depart()
    journey.land()
    for parcel, order in zip(parcels, orders, strict=True):
        journey.deliver(parcel)
        order.refresh_from_db()
        escrow_release(order=order, actor_label="buyer", reason="Received")
    officer = factories.UserFactory(official_role="mdec_officer")

    sign_in(page, officer.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboards").click()
    expect(page.get_by_role("heading", name="Exports", exact=True)).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    destinations = page.locator("#t-by_destination ~ table").first
    expect(destinations.get_by_role("cell", name="China", exact=True)).to_be_visible()
    expect(destinations.get_by_role("cell", name="135.00", exact=True)).to_be_visible()
    page.get_by_role("link", name="Clearance").click()
    page.get_by_label("Origin hub").select_option("KUL")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("cell", name="Export: assessment → release").first).to_be_visible()
    with page.expect_download() as download:
        page.locator("#t-stages ~ p.downloads").get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "clearance-stages.csv"
    page.get_by_label("From", exact=True).fill("2026-05-01")
    page.get_by_label("To", exact=True).fill("2026-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("The period starts after it ends.")).to_be_visible()
    screenshot(page, "officer")

    seller = browser.new_context(base_url=live_server.url).new_page()
    sign_in(seller, journey.world.seller_owner.email)
    seller.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    expect(seller.get_by_role("heading", name="Sales by month and destination")).to_be_visible()
    expect(seller.get_by_role("cell", name="135.00").first).to_be_visible()
    screenshot(seller, "seller")
