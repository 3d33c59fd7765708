"""A new SME's first export without help, in each of the portal's languages, in headless
Chromium: from the landing page through sign-up, verification by an MDEC officer, a listing
whose customs code is found by an everyday word, a buyer's order and payment, packing and
the drop-off booking, export customs, the demo's fast-forward, the buyer's confirmation and
the settlement. On every page: the next step is offered, and nothing reads as code or, in
Malay and Chinese, as English. Screenshots of each step are kept."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from hubs.models import Order, Organization
from payments.services.fx import fx_rates_load
from tests import factories
from tests.factories import TEST_PASSWORD
from tests.journey import world_build
from tests.users_words import codes_in, english_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("hs_nomenclature"),
]

# the word a small exporter would type for its goods, in its language, and the heading it
# belongs under (HS 6214: shawls, scarves, mufflers)
EVERYDAY = {"en": "batik scarf", "ms": "selendang", "zh-hans": "丝巾"}
HEADING = "6214"
PASSWORD = "a-long-enough-pass-1"


class Person:
    """One person's browser, in the language of the journey; every page they reach is
    checked for the code's words and, in Malay and Chinese, English."""

    def __init__(self, browser, live_server, language, name, screenshot):
        self.language = language
        self.name = name
        self.screenshot = screenshot
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        self.page = context.new_page()
        self.page.set_default_timeout(15_000)
        self.steps = 0

    def t(self, message: str) -> str:
        with translation.override(self.language):
            return gettext(message)

    def read(self, step: str, *, next_expected: bool = True) -> str:
        """Check the page as it stands and keep its screenshot. ``next_expected``: the page
        shows the person's next step (a list to choose from, the catalogue, need not)."""
        page = self.page
        page.wait_for_load_state()
        text = page.locator("main").inner_text()
        problems = codes_in(page.url, text)
        if self.language != "en":
            problems += english_in(page.url, text, translation.to_locale(self.language))
        assert not problems, "\n".join(problems)
        # the next action: a primary button or link, the order's next step, or a to-do
        nexts = page.locator("main .primary, main .next-action, main .todo-list a.button")
        if next_expected:
            assert nexts.count() and nexts.first.is_visible(), f"{page.url}: no next step shown"
        self.steps += 1
        self.screenshot(page, f"{self.name}-{self.steps:02d}-{step}")
        return text

    def click(self, role: str, message: str, **kwargs):
        self.page.get_by_role(role, name=self.t(message), **kwargs).first.click()

    def sign_in(self, email: str, password: str = TEST_PASSWORD):
        self.page.goto("/accounts/login/")
        self.page.locator("#id_username").fill(email)
        self.page.locator("#id_password").fill(password)
        self.click("button", "Sign in")
        self.page.wait_for_url("**/home/")

    def next_step(self) -> str:
        """The order page's next step for this person (its primary button)."""
        box = self.page.locator(".next-action")
        expect(box).to_be_visible()
        return box.inner_text()


@pytest.fixture
def hub_world(live_server, risk_rules, settings):
    settings.TEST_BANK_TRANSFERS = True
    settings.DEMO_TOOLS = True
    world = world_build()
    fx_rates_load()
    return world


@pytest.mark.parametrize("language", ["en", "ms", "zh-hans"])
def test_a_new_sme_exports_for_the_first_time_without_help(
    browser, live_server, hub_world, language, screenshot
):
    def person(name):
        return Person(browser, live_server, language, name, screenshot)

    seller, officer, buyer = person("seller"), person("officer"), person("buyer")
    page = seller.page

    # the landing page says what the hub does and leads to sign-up
    page.goto("/")
    seller.read("landing")
    seller.click("link", "Register your business")
    page.wait_for_url("**/signup/")
    seller.read("signup")
    page.locator("#id_country").select_option("MY")
    for field, value in {
        "legal_name": "Kain Pelangi Sdn. Bhd.",
        "registration_number": "201901012345",
        "address_line": "12 Jalan Gaya",
        "city": "Kota Kinabalu",
        "postcode": "88000",
        "contact_name": "Nur Aisyah",
        "contact_email": "aisyah@kainpelangi.example",
        "contact_phone": "+60 88 123456",
        "payout_bic": "MBBEMYKL",
        "payout_account_name": "Kain Pelangi Sdn. Bhd.",
        "payout_account_number": "5140 1234 5678",
        "owner_name": "Nur Aisyah",
        "owner_email": "aisyah@kainpelangi.example",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }.items():
        page.locator(f"#id_{field}").fill(value)
    seller.click("button", "Register")
    page.wait_for_url("**/organisation/verification/")
    organization = Organization.objects.get(legal_name="Kain Pelangi Sdn. Bhd.")
    assert organization.home_hub.code == "KUL"  # inferred from the country
    seller.read("verification")

    pdf = b"%PDF-1.4\n%%EOF\n"
    for kind in ("registration", "director_id"):
        page.locator("#id_kind").select_option(kind)
        page.locator("#id_file").set_input_files(
            {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": pdf}
        )
        seller.click("button", "Upload")
        expect(page.get_by_text(seller.t("Document uploaded."))).to_be_visible()
    seller.click("button", "Submit for review")
    expect(page.get_by_text(seller.t("Waiting for review")).first).to_be_visible()
    seller.read("submitted")

    # an MDEC officer finds it waiting on the home page and approves it
    officer_user = factories.UserFactory(official_role="mdec_officer")
    officer.sign_in(officer_user.email)
    officer.read("home")
    officer.page.get_by_role("link", name=officer.t("Review")).click()
    officer.page.get_by_role("link", name="Kain Pelangi Sdn. Bhd.").click()
    officer.read("review")
    officer.page.locator("input[name=decision][value=approve]").check()
    officer.click("button", "Record the decision")
    expect(
        officer.page.get_by_text(
            officer.t("Decision recorded; the organisation is notified.")
        ).first
    ).to_be_visible()
    organization.refresh_from_db()
    assert organization.can_sell

    # the seller's home now points to the first listing; the HS finder takes everyday words
    page.goto("/home/")
    home = seller.read("home-verified")
    assert seller.t("List your first product") in home
    seller.click("link", "List your first product")
    page.wait_for_url("**/products/new/")
    page.locator("#id_sku").fill("KP-BATIK-1")
    page.locator("#id_title_en").fill("Hand-drawn batik scarf")
    page.locator("#id_title_ms").fill("Selendang batik lukisan tangan")
    page.locator("#id_title_zh").fill("手绘蜡染丝巾")
    page.locator("#id_description_en").fill("Silk, hand-drawn in Sabah.")
    page.locator("#hs-query").fill(EVERYDAY[language])
    pick = page.locator(f"#hs-results [data-hs-pick^='{HEADING}']").first
    expect(pick).to_be_visible()
    pick.click()
    expect(page.locator("#id_hs_code")).to_have_value(re.compile(f"^{HEADING}"))
    page.locator("#id_origin_country").select_option("MY")
    for field, value in {
        "unit_price": "89.90",
        "unit_weight_kg": "0.15",
        "length_cm": "30",
        "width_cm": "20",
        "height_cm": "2",
        "stock": "40",
    }.items():
        page.locator(f"#id_{field}").fill(value)
    seller.read("listing")
    seller.click("button", "Save")
    expect(page.get_by_role("link", name="KP-BATIK-1")).to_be_visible()
    seller.read("listed")

    # a buyer in Hangzhou finds it in the catalogue, in its language, and orders
    buyer_organization = factories.BuyerFactory()
    buyer.sign_in(factories.member(buyer_organization).email)
    buyer.page.goto("/catalogue/")
    title = {"en": "Hand-drawn batik scarf", "ms": "Selendang batik lukisan tangan"}.get(
        language, "手绘蜡染丝巾"
    )
    buyer.read("catalogue", next_expected=False)
    buyer.page.get_by_role("link", name=title).first.click()
    buyer.read("product")
    buyer.page.locator("#id_quantity").fill("2")
    buyer.click("button", "Add to cart")
    buyer.read("cart")
    buyer.click("button", "Place the order")
    buyer.page.wait_for_url(re.compile(r"/orders/EW-"))
    order = Order.objects.get(seller=organization)
    assert buyer.t("Pay now") in buyer.next_step()
    buyer.read("ordered")

    # it pays (the demo's test transfer stands in for the bank's report)
    buyer.page.get_by_role("link", name=buyer.t("Pay now")).click()
    buyer.read("payment")
    buyer.click("button", "Pay by test bank transfer")
    expect(buyer.page.get_by_text(buyer.t("Payments received"))).to_be_visible()
    order.refresh_from_db()
    assert order.status == Order.Status.IN_CUSTOMS  # paid, and its export declaration filed
    buyer.read("paid")

    # the seller is told to pack, packs, and books the drop-off at the centre
    page.goto("/home/")
    seller.read("home-sold")
    seller.click("link", "Pack and print labels")
    seller.read("parcels")
    page.locator("#id_weight_kg").fill("0.300")
    page.locator("#id_length_cm").fill("30")
    page.locator("#id_width_cm").fill("20")
    page.locator("#id_height_cm").fill("5")
    seller.click("button", "Create the parcel and its waybill")
    seller.read("packed")
    tomorrow = timezone.localtime(timezone.now(), order.origin_hub.zone) + timedelta(days=1)
    page.locator("input[name=drop_off_at]").first.fill(tomorrow.strftime("%Y-%m-%dT10:00"))
    seller.click("button", "Book the drop-off")
    seller.read("booked")
    page.goto(f"/orders/{order.reference}/")
    assert "KLIA eFulfilment" in seller.next_step()  # where to bring it, and when
    seller.read("order-booked")

    # export customs cleared it; the officer fast-forwards the hub's, the flight's and the
    # courier's part
    page.goto("/customs/mine/")
    seller.read("declarations")
    officer.page.goto(f"/orders/{order.reference}/")
    for _ in range(3):
        officer.click("button", "Fast-forward")
        officer.read("fast-forwarded")
        order.refresh_from_db()
        if order.status == Order.Status.DELIVERED:
            break
    assert order.status == Order.Status.DELIVERED

    # the buyer confirms receipt: the seller is paid from escrow
    buyer.page.goto(f"/orders/{order.reference}/")
    assert buyer.t("Confirm receipt") in buyer.next_step()
    buyer.read("delivered")
    buyer.page.get_by_role("link", name=buyer.t("Confirm receipt")).click()
    buyer.click("button", "I have received the goods")
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    buyer.read("confirmed")

    # and the payout reaches the seller's bank
    officer.page.goto(f"/orders/{order.reference}/")
    officer.click("button", "Fast-forward")
    officer.read("paid-out")
    order.refresh_from_db()
    assert order.status == Order.Status.SETTLED

    page.goto(f"/orders/{order.reference}/")
    assert seller.t("Done: the seller has been paid.") in seller.next_step()
    seller.read("settled")
    assert not page.locator(".progress-steps li:not(.done)").count()
