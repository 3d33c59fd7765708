"""A destination hub's operator scans the goods a peer deployment announced, arrived
(which releases their import, accepted in the air) to delivered, on Incoming by e-road, in
each of the portal's languages; each scan waits in the outbox for the peer that sent them
(nothing listens on its address here)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customs.models import Declaration
from hubs.models import User
from peering.models import Consignment, OutboundMessage, Peer
from tests import factories

from .test_portal import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# the page's heading, then the three scan buttons and the status each leaves, per language
WORDS = {
    "en": ("Incoming by e-road", ("Arrived", "Out for delivery", "Delivered")),
    "ms": ("Masuk melalui e-road", ("Telah tiba", "Dalam penghantaran", "Telah diserahkan")),
    "zh-hans": ("经 e-road 进港", ("已到港", "派送中", "已送达")),
}


@pytest.mark.parametrize("language", WORDS)
def test_an_operator_scans_a_peers_consignment_to_delivered(
    page, kul, hgh, settings, screenshot, language
):
    settings.EWTP_HUBS_HERE = frozenset({"HGH"})
    operator = factories.UserFactory(official_role=User.OfficialRole.HUB_OPERATOR, official_hub=hgh)
    peer = Peer.objects.create(
        name="Kuala Lumpur hub", deployment="kul.test", base_url="http://127.0.0.1:9"
    )
    # its import, filed from the manifest and accepted while the goods flew (a released
    # import is what lets them out for delivery)
    declaration = Declaration.objects.create(
        reference="HGH-CN-000042",
        regime="CN_CBEC_IMPORT",
        hub=hgh,
        exporter="Kedai Batik Sdn Bhd",
        importer="Chen Jing",
        declarant="eWTP Hub HGH for Chen Jing",
        currency="MYR",
        customs_currency="CNY",
        exchange_rate="1.5",
        exchange_rate_source="test",
        declared_on=timezone.localdate(),
        status="accepted",
        lane="green",
        arrival_expected_at=timezone.now() + timedelta(hours=5),
    )
    consignment = Consignment.objects.create(
        declaration=declaration,
        peer=peer,
        hub=hgh,
        order_reference="EW-7K2M9QX4",
        waybill="KUL000000042",
        flight_number="MH360",
        master_waybill="232-12345675",
        arrives_at=timezone.now() + timedelta(hours=5),
        parcels=1,
        manifest={},
    )
    heading, buttons = WORDS[language]
    sign_in(page, operator.email)
    page.wait_for_url("**/home/")
    if language != "en":
        page.get_by_label("Language").select_option(language)  # submits itself on change
        page.locator(f"html[lang='{language}']").wait_for()
    page.locator("nav.mainnav").get_by_role("link", name=heading).click()
    assert page.get_by_role("heading", name=heading).is_visible()
    for button in buttons:
        page.get_by_role("button", name=button, exact=True).click()
        page.wait_for_load_state("load")
        assert page.get_by_role("cell", name=button).first.is_visible()
    assert Consignment.objects.get(pk=consignment.pk).status == "delivered"
    assert Declaration.objects.get(pk=declaration.pk).status == "released"  # at arrival
    told = OutboundMessage.objects.filter(peer=peer).order_by("sequence")
    assert [(m.type, m.payload["status"]) for m in told] == [
        ("consignment.scanned", "arrived"),
        ("declaration.decided", "released"),
        ("consignment.scanned", "out_for_delivery"),
        ("consignment.scanned", "delivered"),
    ]
    screenshot(page, "incoming-by-eroad")
    assert page.console_errors == []
