"""The main journeys of the portal shell, as a person does them in a browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD
from tests.hubs.test_roles import SME_NAV

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email, password=TEST_PASSWORD):
    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def nav_labels(page):
    return page.locator("nav.mainnav a").all_inner_texts()


def test_landing_explains_the_hub_and_loads_without_errors(page, kul):
    page.goto("/")
    assert page.get_by_role("heading", name="Sell abroad as easily as a multinational").is_visible()
    assert page.get_by_text("Get paid safely").is_visible()
    assert page.console_errors == []  # no CSP violation, no missing asset


def test_sme_owner_signs_in_and_sees_the_organisation(page, sme_owner):
    sign_in(page, sme_owner.email)
    page.wait_for_url("**/home/")
    assert nav_labels(page) == SME_NAV

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My organisation").click()
    assert page.get_by_role("cell", name=sme_owner.email).is_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def test_officer_sees_every_organisation(page, mdec_officer, sme_owner):
    sign_in(page, mdec_officer.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    organisation = sme_owner.memberships.get().organization
    assert page.get_by_role("cell", name=organisation.legal_name).is_visible()


def test_wrong_password_shows_the_reason(page, sme_owner):
    sign_in(page, sme_owner.email, "not the password")
    assert page.get_by_role("alert").filter(has_text="do not match an account").is_visible()


def test_language_switcher_translates_the_portal(page, customs_officer):
    sign_in(page, customs_officer.email)
    page.wait_for_url("**/home/")
    page.get_by_label("Language").select_option("ms")  # submits itself on change
    page.wait_for_load_state("load")
    page.locator("html[lang='ms']").wait_for()
    assert "Hab dan laluan-e" in nav_labels(page)
    page.get_by_label("Bahasa").select_option("zh-hans")
    page.locator("html[lang='zh-hans']").wait_for()
    assert "枢纽与电子通道" in nav_labels(page)


def test_api_docs_render_from_the_hub_alone(page):
    page.goto("/api/docs/")
    expect(page.get_by_text("/api/v1/ping")).to_be_visible()
    assert page.console_errors == []
