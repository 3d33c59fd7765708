"""Stock at the Hangzhou bonded warehouse, in each of the portal's languages, in headless
Chromium: the seller books an inbound shipment; the hub's operator records its arrival
under its entry declaration and counts it in, one line short; the seller sees it received
with the discrepancy and sells from the stock through its shop; once customs releases the
order, the operator finds it on the pick list, picks and packs it and hands it to the
courier; the seller reads its stock report; the customs officer reads the bonded ledger,
which reconciles."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from hubs.models import Order
from payments.services.fx import fx_rates_load
from tests import factories
from tests.journey import Journey, world_build
from warehousing.models import Fulfilment, InboundShipment, StockLot

from ..warehousing.support import stock_consumer_order, warehouse_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Person:
    """One person's browser, in the language of the journey."""

    def __init__(self, browser, live_server, language, user, screenshot):
        self.language = language
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        self.page = context.new_page()
        self.page.set_default_timeout(15_000)
        self.shot = lambda name: screenshot(self.page, f"{language}-{name}")
        sign_in_in(self, user.email)

    def t(self, text: str) -> str:
        with translation.override(self.language):
            return gettext(text)

    def button(self, text: str):
        return self.page.get_by_role("button", name=self.t(text))

    def link(self, text: str):
        return self.page.get_by_role("link", name=self.t(text))

    def menu(self, text: str):
        self.page.get_by_role("navigation", name=self.t("Main")).get_by_role(
            "link", name=self.t(text)
        ).click()


def sign_in_in(person: Person, email: str) -> None:
    """The sign-in form is the same in every language once the cookie is set: its labels
    are read in the person's language."""
    page = person.page
    page.goto("/accounts/login/")
    page.get_by_label(person.t("E-mail address")).fill(email)
    page.get_by_label(person.t("Password"), exact=True).fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name=person.t("Sign in")).click()
    page.wait_for_url("**/home/")


@pytest.fixture
def journey(kul, hgh, transactional_db):
    world = world_build()
    fx_rates_load()
    return Journey(world, lambda: _nothing())


class _nothing:
    """Eager Celery runs the pipeline's steps on commit: nothing to wait for."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("language", ["en", "ms", "zh-hans"])
def test_a_seller_stocks_the_bonded_warehouse_and_sells_from_it(
    browser, live_server, journey, language, screenshot
):
    world = journey.world
    warehouse = warehouse_at(world.hgh)

    def person(user):
        return Person(browser, live_server, language, user, screenshot)

    # the seller books an inbound shipment of 12 units
    seller = person(world.seller_owner)
    seller.menu("Stock")
    seller.link("Book an inbound shipment").first.click()
    page = seller.page
    page.get_by_label(seller.t("Warehouse"), exact=True).select_option(warehouse.code)
    page.get_by_label(seller.t("Expected at the warehouse on")).fill(
        (timezone.localdate() + timedelta(days=3)).isoformat()
    )
    page.get_by_label(seller.t("Product") + " 1").select_option(str(world.product.public_id))
    page.get_by_label(seller.t("Lot") + " 1").fill("L2612")
    page.get_by_label(seller.t("Quantity") + " 1").fill("12")
    seller.shot("inbound-booking")
    seller.button("Book the shipment").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(
        seller.t("Book an inbound shipment")
    )
    shipment = InboundShipment.objects.get()
    expect(page.get_by_text(shipment.reference).first).to_be_visible()

    # the Hangzhou operator records the arrival and counts it in, two units short
    operator = person(world.hgh_operator)
    operator.menu("Warehouse floor")
    operator.page.get_by_label(operator.t("Entry declaration number")).fill("E3301202612070001")
    operator.button("Arrived").click()  # and on to the count
    operator.page.get_by_label(operator.t("Good units") + " 1").fill("10")
    operator.page.get_by_label(operator.t("Location") + " 1").fill("A-01")
    operator.page.get_by_label(operator.t("Note") + " 1").fill("2 cartons missing")
    operator.shot("count-in")
    operator.button("Count in").click()
    expect(operator.page.get_by_text("2 cartons missing")).to_be_visible()
    assert StockLot.objects.get().on_hand == 10

    # the seller sees it received with the discrepancy
    page.goto(f"/warehouses/inbound/{shipment.public_id}/")
    expect(page.get_by_text("2 cartons missing")).to_be_visible()
    seller.shot("inbound-received")

    # its shop sells 3 units from the stock to a consumer in Hangzhou, who pays; customs
    # releases the retail import and the order lands on the Hangzhou pick list
    order = journey.pay(stock_consumer_order(journey, warehouse, world.product, quantity=3))
    fulfilment = Fulfilment.objects.get(order=order)
    assert fulfilment.status == Fulfilment.Status.RELEASED
    waybill = fulfilment.waybill

    # the operator picks 3 units from A-01, packs them and hands the parcel to the courier
    operator.menu("Warehouse floor")
    floor = operator.page
    expect(floor.get_by_role("heading", name=operator.t("Pick list"))).to_be_visible()
    row = floor.get_by_role("row").filter(has_text=waybill)
    expect(row).to_contain_text("A-01")
    expect(row).to_contain_text(world.product.sku)
    expect(row).to_contain_text(fulfilment.release_declaration)
    operator.shot("pick-list")
    row.get_by_role("button", name=operator.t("Picked and packed")).click()
    expect(
        floor.get_by_text(
            operator.t(
                "%(waybill)s picked and packed: print its label, put it on the parcel and hand "
                "the parcel to the courier."
            )
            % {"waybill": waybill}
        )
    ).to_be_visible()
    row = floor.get_by_role("row").filter(has_text=waybill)
    expect(row.get_by_role("link", name=operator.t("Label (PDF)"))).to_be_visible()
    operator.shot("packed")
    row.get_by_role("button", name=operator.t("Handed to the courier")).click()
    expect(
        floor.get_by_text(
            operator.t(
                "%(waybill)s handed to the courier: the order is on its way. Scan it out for "
                "delivery, then delivered."
            )
            % {"waybill": waybill}
        )
    ).to_be_visible()
    assert Order.objects.get(pk=order.pk).status == Order.Status.SHIPPED

    # the seller reads its stock report: 7 on hand, 7 available, 3 sold
    seller.menu("Stock")
    row = page.get_by_role("row").filter(has_text=world.product.sku)
    expect(row).to_contain_text("7")
    seller.shot("stock-report")

    # the Hangzhou customs officer reads the bonded ledger: 10 in, 3 released, 7 closing
    officer = person(world.hgh_customs)
    officer.menu("Bonded ledger")
    ledger_row = officer.page.get_by_role("row").filter(has_text=world.product.sku)
    expect(ledger_row).to_contain_text("-3")
    expect(
        officer.page.get_by_text(
            officer.t(
                "Reconciles: 0 difference between the ledger's closing balance and the "
                "shelf records less the units awaiting their pick, and no count difference "
                "waits for an officer."
            )
        )
    ).to_be_visible()
    officer.shot("bonded-ledger")
