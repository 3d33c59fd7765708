"""An owner connects its ERP's webhooks in the portal, in each of the portal's languages."""

import pytest

from ewtp.common.models import WebhookDelivery, WebhookEndpoint
from hubs.services.organizations import organization_api_client_create

from .test_portal import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# what the page says, per language: heading, "Add", the secret panel, the test-event button
WORDS = {
    "en": ("Webhooks of", "Add", "Signing secret", "Send a test event"),
    "ms": ("Webhook bagi", "Tambah", "Rahsia tandatangan", "Hantar peristiwa ujian"),
    "zh-hans": ("的 Webhook", "添加", "签名密钥", "发送测试事件"),
}


@pytest.mark.parametrize("language", WORDS)
def test_an_owner_adds_an_endpoint_reads_its_secret_and_sends_a_test_event(
    page, sme_owner, screenshot, language
):
    organization = sme_owner.memberships.get().organization
    erp = organization_api_client_create(organization=organization, name="ERP", actor=sme_owner)
    heading, add, secret_panel, test_button = WORDS[language]
    sign_in(page, sme_owner.email)
    page.wait_for_url("**/home/")
    page.goto(f"/organisation/api-clients/{erp.client_id}/webhooks/")
    if language != "en":
        page.get_by_label("Language").select_option(language)  # submits itself on change
        page.locator(f"html[lang='{language}']").wait_for()
    assert page.get_by_role("heading", name=heading).is_visible()
    page.locator("#id_url").fill("https://erp.example/hooks")
    page.locator("input[value='refund.issued']").check()
    page.get_by_role("button", name=add, exact=True).click()

    endpoint = WebhookEndpoint.objects.get()
    assert page.get_by_role("heading", name=secret_panel).is_visible()
    assert page.get_by_text(endpoint.secret).is_visible()
    page.get_by_role("button", name=test_button).click()
    page.wait_for_load_state("load")
    assert WebhookDelivery.objects.get().event == "webhook.test"
    assert page.get_by_role("cell", name="webhook.test").is_visible()
    screenshot(page, "webhooks")
    assert page.console_errors == []
