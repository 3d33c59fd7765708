"""The main journeys of onboarding, listing and buying, in headless Chromium."""

import re

import pytest
from playwright.sync_api import expect

from hubs.models import Order, Organization, Product
from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("hs_nomenclature"),
]


def sign_in(page, email, password=TEST_PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home/")


def test_a_business_signs_up_gets_verified_and_lists_a_product(
    page, browser, live_server, kul, tmp_path, screenshot
):
    page.goto("/signup/")
    fields = {
        "Legal name": "Kraf Borneo Sdn. Bhd.",
        "Registration number": "201901012345",
        "Address": "12 Jalan Gaya",
        "City": "Kota Kinabalu",
        "Postcode": "88000",
        "Contact person": "Siti Aminah",
        "Contact e-mail": "siti@kraf.example",
        "Contact phone": "+60 88 123456",
        "Bank SWIFT/BIC": "MBBEMYKL",
        "Account name": "Kraf Borneo Sdn. Bhd.",
        "Account number": "5140 1234 5678",
        "Your full name": "Siti Aminah",
        "Your e-mail address (you sign in with it)": "siti@kraf.example",
    }
    page.get_by_label("Country").select_option("MY")
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Password", exact=True).fill("a-long-enough-pass-1")
    page.get_by_label("Password again").fill("a-long-enough-pass-1")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url("**/organisation/verification/")

    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    for kind in ("registration", "director_id"):
        page.get_by_label("Document").select_option(kind)
        page.get_by_label("File (PDF, JPEG or PNG)").set_input_files(str(pdf))
        page.get_by_role("button", name="Upload").click()
        expect(page.get_by_text("Document uploaded.")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Waiting for review").first).to_be_visible()

    officer = factories.UserFactory(official_role="mdec_officer")
    officer_page = browser.new_context(base_url=live_server.url).new_page()
    sign_in(officer_page, officer.email)
    officer_page.goto("/organisations/?status=submitted")
    officer_page.get_by_role("link", name="Kraf Borneo Sdn. Bhd.").click()
    officer_page.get_by_label("Approve").check()
    officer_page.get_by_role("button", name="Record the decision").click()
    expect(officer_page.get_by_text("Decision recorded")).to_be_visible()
    screenshot(officer_page, "approved")
    assert Organization.objects.get(legal_name="Kraf Borneo Sdn. Bhd.").can_sell

    page.goto("/products/new/")
    page.get_by_label("SKU").fill("KB-SCARF")
    page.get_by_label("Title (English)").fill("Sabah silk scarf")
    page.get_by_label("Description (English)").fill("Woven in Sabah.")
    page.get_by_label("Describe the goods in English, or type the first digits").fill("silk shawls")
    page.locator("#hs-results [data-hs-pick='621410']").click()  # the htmx picker's result
    expect(page.get_by_label("HS code")).to_have_value("621410")
    page.get_by_label("Country of origin").select_option("MY")
    for label, value in {
        "Unit price": "89.90",
        "Unit weight (kg)": "0.15",
        "Length (cm)": "30",
        "Width (cm)": "20",
        "Height (cm)": "2",
        "Stock": "40",
    }.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="KB-SCARF")).to_be_visible()
    screenshot(page, "listed")
    assert Product.objects.get(sku="KB-SCARF").hs_code == "621410"


def test_a_buyer_orders_from_the_catalogue(page, kul, hgh, screenshot):
    factories.open_eroads()
    product = factories.ProductFactory(title_en="Hand-drawn batik scarf", stock=10)
    buyer = factories.member(factories.BuyerFactory())
    sign_in(page, buyer.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    page.get_by_role("link", name="Hand-drawn batik scarf").click()
    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text("Added to your cart.")).to_be_visible()
    page.get_by_label("Incoterm").select_option("DDP")
    page.get_by_role("button", name="Place the order").click()
    page.wait_for_url(re.compile(r"/orders/EW-"))
    expect(page.get_by_role("heading", name=re.compile("Order EW-"))).to_be_visible()
    order = Order.objects.get()
    assert (order.incoterm, order.lines.get().quantity) == ("DDP", 3)
    assert Product.objects.get(pk=product.pk).stock == 7
    screenshot(page, "ordered")


def test_an_import_shows_progress_then_the_bad_rows(page, kul, tmp_path):
    seller = factories.SellerFactory()
    owner = factories.member(seller)
    rows = [
        "sku,title_en,description_en,hs_code,origin_country,unit_price,unit_weight_kg,length_cm,width_cm,height_cm,stock",
        "IMP-1,Scarf,Silk,621410,MY,89.90,0.15,30,20,2,40",
        "IMP-2,Mystery,Unknown,999999,MY,10.00,1,1,1,1,1",
    ]
    csv_path = tmp_path / "products.csv"
    csv_path.write_text("\n".join(rows) + "\n")
    sign_in(page, owner.email)
    page.goto("/products/imports/")
    page.get_by_label("CSV or XLSX file").set_input_files(str(csv_path))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("1 created · 0 updated · 1 with errors")).to_be_visible()
    expect(
        page.get_by_role("cell", name="999999 is not a subheading of the HS 2022 nomenclature.")
    ).to_be_visible()
    assert page.console_errors == []
