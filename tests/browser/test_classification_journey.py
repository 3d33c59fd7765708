"""An order no reference data strands, in headless Chromium: a seller lists T-shirts under an
HS code the destination's tariff has no line for (the listing says so), a buyer in Hangzhou
orders them, the export files at once, the import waits in "classification needed", the
destination's officer assigns the national line on the workbench, and the order goes on to
settled. Screenshots of each party's page are kept as test artefacts."""

import re

import pytest
from django.db.models import Q
from playwright.sync_api import expect

from customs.models import Classification, Declaration, TariffLine
from hubs.models import Order, Product
from payments.models import Payout
from payments.services.escrow import escrow_release
from payments.services.fx import fx_rates_load
from payments.services.payouts import payout_status_report, payouts_batch
from tests import factories
from tests.journey import Journey, world_build

from .test_trade_journeys import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("hs_nomenclature"),
]
TSHIRT = "610910"


def _list_tshirts(page) -> Product:
    page.goto("/products/new/")
    page.get_by_label("SKU").fill("BT-TEE")
    page.get_by_label("Title (English)").fill("Batik print cotton T-shirt")
    page.get_by_label("Description (English)").fill("Cotton jersey, hand-printed batik.")
    page.get_by_label("HS code").fill(TSHIRT)
    page.get_by_label("Country of origin").select_option("MY")
    for label, value in {
        "Unit price": "45.00",
        "Unit weight (kg)": "0.20",
        "Length (cm)": "30",
        "Width (cm)": "25",
        "Height (cm)": "3",
        "Stock": "50",
    }.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="BT-TEE")).to_be_visible()
    return Product.objects.get(sku="BT-TEE")


def test_an_hs_code_without_a_rate_is_classified_and_the_order_settles(
    page, browser, live_server, risk_rules, screenshot, django_capture_on_commit_callbacks
):
    world = world_build()
    # the destination's tariff has no line for T-shirts, at any level
    TariffLine.objects.filter(country="CN").filter(
        Q(hs_code__startswith="6109") | Q(hs_code__in=["61", "6109"])
    ).delete()
    journey = Journey(world, lambda: django_capture_on_commit_callbacks(execute=True))
    journey.run(fx_rates_load)  # → the customs rates of the day

    sign_in(page, world.seller_owner.email)
    product = _list_tshirts(page)
    warning = page.get_by_text("China has no import tariff line in force for HS 610910")
    expect(warning).to_be_visible()
    screenshot(page, "listed-with-a-warning")

    buyer = factories.member(factories.BuyerFactory())
    shop = browser.new_context(base_url=live_server.url).new_page()
    sign_in(shop, buyer.email)
    shop.goto(f"/catalogue/{product.public_id}/")
    shop.get_by_label("Quantity").fill("4")
    shop.get_by_role("button", name="Add to cart").click()
    with django_capture_on_commit_callbacks(execute=True):  # step 1 runs after the order
        shop.get_by_role("button", name="Place the order").click()
        shop.wait_for_url(re.compile(r"/orders/EW-"))
    order = Order.objects.get(lines__product=product)

    order = journey.pay(order)
    export = Declaration.objects.get(order=order, regime="MY_EXPORT")
    assert export.status == "released"  # filed at once: an export needs no import rate
    parcel = journey.ship(order)
    imported = Declaration.objects.get(order=order, regime="CN_IMPORT")
    assert imported.status == "classify"

    shop.goto(f"/orders/{order.reference}/timeline/")
    expect(shop.get_by_text("Classification needed").first).to_be_visible()
    screenshot(shop, "buyer-sees-why-it-waits")

    # meanwhile the hub loads the national line the officer will assign
    factories.TariffLineFactory(
        country="CN",
        hs_code="61091000",
        description="T-shirts, singlets and other vests, knitted: of cotton",
        legal_source="Customs Tariff of the PRC 2024 (indicative)",
        duty_percent="6",
        sales_tax_percent="13",
    )
    officer = browser.new_context(base_url=live_server.url).new_page()
    sign_in(officer, world.hgh_customs.email)
    officer.goto("/customs/")
    officer.get_by_role("link", name="Classification needed (1)").click()
    officer.get_by_role("link", name=imported.reference).click()
    expect(officer.get_by_text(f"HS {TSHIRT} as declared")).to_be_visible()
    form = officer.locator("form[data-classification]")
    form.get_by_label("61091000").check()  # the national line, nearest first
    form.get_by_label("Reason (the declarant reads it)").fill(
        "Knitted cotton T-shirts: heading 61.09, national line 6109.10.00."
    )
    screenshot(officer, "officer-classifies")
    with django_capture_on_commit_callbacks(execute=True):  # the worker's assessment
        form.get_by_role("button", name="Classify this item").click()
        expect(officer.get_by_text("Item classified.")).to_be_visible()
    decided = Classification.objects.get()
    assert (decided.decided_by, decided.tariff_line.hs_code) == (world.hgh_customs, "61091000")
    imported.refresh_from_db()
    assert imported.status == "released", imported.transitions.last().reason
    assert imported.total_tax > 0

    journey.deliver(parcel)
    journey.run(
        escrow_release, order=Order.objects.get(pk=order.pk), actor_label="buyer", reason="Got it"
    )
    payouts_batch(bank=world.bank)
    payout = Payout.objects.get(settlement__order=order)
    journey.run(
        payout_status_report,
        bank=world.bank,
        end_to_end_id=payout.end_to_end_id,
        status="settled",
    )
    assert Order.objects.get(pk=order.pk).status == "settled"
    page.goto(f"/orders/{order.reference}/timeline/")
    # the seller sees the import's steps; their reasons are the declarant's (the buyer's)
    expect(page.get_by_text("Classification needed").first).to_be_visible()
    expect(page.get_by_text("Settled").first).to_be_visible()
    screenshot(page, "seller-settled")
    shop.goto(f"/orders/{order.reference}/timeline/")
    expect(shop.get_by_text("Classified by customs").first).to_be_visible()
    screenshot(shop, "buyer-sees-the-classification")
