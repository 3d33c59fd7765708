"""Customs in the browser: a declaration waits in the red lane; the hub's officer reads why
on the workbench and releases it; the SME sees the release and the officer's reason, not the
risk rules. Screenshots of both ends are saved as test artefacts."""

import pytest
from playwright.sync_api import expect

from customs.models import Declaration, RiskRule, WatchListEntry
from customs.services.clearance import declaration_process
from customs.services.filing import declaration_create
from customs.services.tariff import tariff_load_bundled
from hubs.models import User
from tests import factories
from tests.customs.support import with_agreeing_records
from tests.customs.test_declarations import request

from .test_trade_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_releases_a_red_lane_declaration(
    page, browser, live_server, kul, hgh, risk_rules, screenshot
):
    from customs.services.filing import declaration_submit

    tariff_load_bundled()
    RiskRule.objects.filter(code="random").update(enabled=False)
    WatchListEntry.objects.create(name="Chen Jing", reason="Earlier seizure of fake silk")
    seller = factories.SellerFactory(home_hub=kul)
    owner = factories.member(seller)
    declaration = declaration_create(
        request=request(hgh, organization=seller, waybill="HGH1"), actor_label="t"
    )
    declaration = with_agreeing_records(declaration)
    declaration_submit(declaration=declaration, actor_label="t")
    declaration_process(declaration_id=declaration.pk)
    assert Declaration.objects.get(pk=declaration.pk).lane == "red"
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )

    sign_in(page, officer.email)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Customs workbench"
    ).click()
    page.get_by_role("link", name="Red: physical inspection (1)").click()
    page.get_by_role("link", name=declaration.reference).click()
    expect(page.get_by_text("Earlier seizure of fake silk")).to_be_visible()
    page.get_by_label("What the inspection found (officers only)").fill(
        "Opened: two silk scarves, genuine, as declared."
    )
    page.get_by_role("button", name="Record the findings").click()
    expect(page.get_by_text("Findings recorded.")).to_be_visible()
    page.get_by_label("Release").check()
    page.get_by_label("Reason (the SME reads it)").fill("Inspected: goods as declared.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    screenshot(page, "officer")
    assert Declaration.objects.get(pk=declaration.pk).status == "released"

    sme = browser.new_context(base_url=live_server.url).new_page()
    sign_in(sme, owner.email)
    sme.get_by_role("navigation", name="Main").get_by_role("link", name="Declarations").click()
    sme.get_by_role("link", name=declaration.reference).click()
    expect(sme.get_by_text("Inspected: goods as declared.").first).to_be_visible()
    expect(sme.get_by_text("Customs HGH").first).to_be_visible()
    expect(sme.get_by_text("Earlier seizure of fake silk")).to_have_count(0)
    expect(sme.get_by_text("genuine, as declared")).to_have_count(0)
    screenshot(sme, "declarant")
