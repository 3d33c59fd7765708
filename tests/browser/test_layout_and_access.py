"""The portal for everyone: an axe-core scan (WCAG 2.1 A and AA rules) of the main pages of
each role finds no serious or critical violation; the menu fits on one line at 1280 px in
every language; on a 390 px phone no page is wider than the screen (wide tables scroll in
their own box)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

from hubs.models import Order
from payments.services.fx import fx_rates_load
from tests import factories
from tests.journey import Journey, world_build

from .test_trade_journeys import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("hs_nomenclature"),
]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SERIOUS = {"serious", "critical"}


@pytest.fixture
def traded(live_server, risk_rules):
    """A business order paid and packed, so that each role's pages have something on them."""
    world = world_build()
    fx_rates_load()
    journey = Journey(world, _no_steps)
    order = journey.business_order(quantity=2)
    buyer_owner = order.buyer_owner
    order = journey.pay(order)
    journey.pack(Order.objects.get(pk=order.pk))
    order.buyer_owner = buyer_owner
    return world, order


class _no_steps:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _pages(world, order) -> dict:
    reference = order.reference
    product = world.product
    return {
        None: ["/", "/accounts/login/", "/signup/", "/track/", "/hubs/"],
        world.seller_owner.email: [
            "/home/",
            "/products/",
            "/products/new/",
            f"/products/{product.public_id}/",
            "/products/imports/",
            "/orders/",
            f"/orders/{reference}/",
            f"/orders/{reference}/timeline/",
            f"/payments/orders/{reference}/",
            f"/logistics/orders/{reference}/parcels/",
            "/customs/mine/",
            "/payments/statement/",
            "/insights/",
            "/organisation/",
            "/organisation/verification/",
        ],
        order.buyer_owner.email: [
            "/home/",
            "/catalogue/",
            f"/catalogue/{product.public_id}/",
            "/cart/",
            f"/payments/orders/{reference}/",
        ],
        world.kul_customs.email: ["/home/", "/customs/", "/customs/tariff/"],
        world.kul_operator.email: ["/home/", "/logistics/floor/", "/logistics/flights/"],
        factories.UserFactory(official_role="mdec_officer").email: [
            "/home/",
            "/organisations/",
            "/dashboards/exports/",
            "/payments/treasury/",
            f"/orders/{reference}/",
        ],
    }


def _context(browser, live_server, **options):
    return browser.new_context(base_url=live_server.url, locale="en-GB", **options)


def test_the_main_pages_have_no_serious_accessibility_violation(browser, live_server, traded):
    world, order = traded
    axe = Axe()
    found = []
    for email, paths in _pages(world, order).items():
        page = _context(browser, live_server).new_page()
        if email:
            sign_in(page, email)
        for path in paths:
            page.goto(path)
            results = axe.run(page, options=WCAG)
            for violation in results.response["violations"]:
                if violation["impact"] in SERIOUS:
                    targets = [node["target"] for node in violation["nodes"]][:3]
                    found.append(
                        f"{path} ({email}): {violation['id']}: {violation['help']} {targets}"
                    )
        page.context.close()
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", ["en", "ms", "zh-hans"])
def test_the_menu_fits_on_one_line_at_1280_px(browser, live_server, traded, language, screenshot):
    world, _order = traded
    mdec = factories.UserFactory(official_role="mdec_officer")
    for user in (world.seller_owner, mdec):
        context = _context(browser, live_server, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        sign_in(page, user.email)
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        page.goto("/home/")
        rows = page.evaluate(
            "[...new Set([...document.querySelectorAll('.mainnav li')]"
            ".map(item => Math.round(item.getBoundingClientRect().top)))].length"
        )
        screenshot(page, f"menu-{user.pk}")
        assert rows == 1, f"the menu of {user.email} takes {rows} lines in {language}"
        context.close()


def test_no_page_is_wider_than_a_phone(browser, live_server, traded, screenshot):
    world, order = traded
    too_wide = []
    for email, paths in _pages(world, order).items():
        context = _context(
            browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True
        )
        page = context.new_page()
        if email:
            sign_in(page, email)
        for path in paths:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                too_wide.append(f"{path} ({email}): {width} px")
                screenshot(page, f"phone-{len(too_wide)}")
        context.close()
    assert not too_wide, "\n".join(too_wide)
