"""A verified organisation cannot quietly become another company, nor send its money to an
account in another name: a change of legal name, country or registration number goes back to
review (selling paused, open orders untouched), and a payout account not held in the verified
legal name is held until an MDEC officer accepts it. Over the API and in the portal."""

import pytest
from django.core import mail

from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.models import AuditEntry, OutboxEvent
from hubs.errors import HubsErrorCode
from hubs.models import Organization
from hubs.selectors import catalogue_for
from hubs.services.kyc import kyc_approve
from hubs.services.orders import order_transition
from hubs.services.organizations import organization_api_client_create, organization_update
from hubs.services.payout_accounts import (
    organization_payout_account_accept,
    organization_payout_account_decline,
)
from hubs.services.placement import LineRequest, OrderRequest, order_place
from hubs.validators import company_names_match, uscc_check_character
from payments.models import Payout
from payments.services.escrow import escrow_release
from payments.services.payouts import payout_request
from tests import factories, ledger
from tests.conftest import issue_token

pytestmark = pytest.mark.django_db
NAME = "Alpha Batik Sdn. Bhd."


@pytest.fixture
def seller(kul, hgh):
    factories.open_eroads()
    organization = factories.SellerFactory(legal_name=NAME, contact_email="office@alpha.example")
    return organization, factories.member(organization)


@pytest.fixture
def as_seller(api, seller):
    organization, owner = seller
    issued = organization_api_client_create(organization=organization, name="ERP", actor=owner)
    token = issue_token(api, issued).json()["access_token"]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def patch(api, headers, **changes):
    return api.patch("/api/v1/organization", changes, format="json", **headers)


def fresh(organization) -> Organization:
    return Organization.objects.get(pk=organization.pk)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Batik Nusantara Sdn. Bhd.", "BATIK NUSANTARA SDN BHD", True),
        ("Batik Nusantara Sdn. Bhd.", "Batik Nusantara Sendirian Berhad", True),
        ("Batik Nusantara Sdn. Bhd.", "batik  nusantara", True),  # banks drop the form
        ("Hangzhou Tea Trading Co., Ltd.", "HANGZHOU TEA TRADING COMPANY LIMITED", True),
        ("杭州西湖茶叶有限公司", "杭州西湖茶叶 有限公司", True),
        ("Batik Nusantara Sdn. Bhd.", "Batik Nusantara Bhd", False),  # another company form
        ("Batik Nusantara Sdn. Bhd.", "Batik Nusantara Trading Sdn. Bhd.", False),
        ("Batik Nusantara Sdn. Bhd.", "Tan Ah Kow", False),
        ("Sdn. Bhd.", "", False),
    ],
)
def test_company_names_are_compared_as_a_bank_writes_them(first, second, same):
    assert company_names_match(first, second) is same
    assert company_names_match(second, first) is same


def test_a_new_legal_name_over_the_api_goes_back_to_review(
    api, seller, as_seller, django_capture_on_commit_callbacks
):
    organization, owner = seller
    with django_capture_on_commit_callbacks(execute=True):
        response = patch(api, as_seller, legal_name="Petronas Dagangan Berhad")
    assert response.status_code == 200
    body = response.json()
    assert (body["legal_name"], body["kyc_status"], body["can_sell"]) == (
        "Petronas Dagangan Berhad",
        "submitted",
        False,
    )
    organization = fresh(organization)
    assert organization.kyc_reason == (
        f"legal name changed from “{NAME}” to “Petronas Dagangan Berhad”"
    )
    assert organization.verified_legal_name == NAME
    reopened = AuditEntry.objects.get(action="hubs.kyc.reopened", target_id=str(organization.pk))
    assert reopened.data["before"] == {"legal_name": NAME}
    assert reopened.data["after"] == {"legal_name": "Petronas Dagangan Berhad"}
    assert (reopened.data["from"], reopened.data["to"]) == ("approved", "submitted")
    updated = AuditEntry.objects.get(action="hubs.organization.updated")
    assert updated.data["before"]["legal_name"] == NAME
    told = [m for m in mail.outbox if "back in review" in m.subject]
    assert len(told) == 1 and set(told[0].to) == {owner.email, "office@alpha.example"}
    assert "new orders to it are refused" in told[0].body


def test_while_in_review_it_does_not_sell_but_open_orders_go_on(api, seller, as_seller, hgh):
    organization, _owner = seller
    product = factories.ProductFactory(seller=organization)
    buyer = factories.BuyerFactory()
    buyer_owner = factories.member(buyer)

    def order():
        return order_place(
            request=OrderRequest(
                seller=organization,
                destination_hub=hgh,
                buyer=buyer,
                lines=[LineRequest(product.pk, 1)],
            ),
            actor=buyer_owner,
        )

    placed = order()
    assert catalogue_for(destination=hgh).filter(pk=product.pk).exists()
    assert patch(api, as_seller, registration_number="202001054321").status_code == 200
    organization = fresh(organization)
    assert (organization.kyc_status, organization.registration_number) == (
        "submitted",
        "202001054321",
    )
    assert "registration number changed from" in organization.kyc_reason
    assert not catalogue_for(destination=hgh).filter(pk=product.pk).exists()
    with pytest.raises(ApplicationError) as refused:
        order()
    assert refused.value.code == HubsErrorCode.NOT_APPROVED
    # the order placed before the change continues its journey
    placed = order_transition(order=placed, to="cancelled", actor=buyer_owner, reason="Changed")
    assert placed.status == "cancelled"


def test_officers_see_what_changed_in_their_queue_and_approve_it_again(
    client, api, seller, as_seller, mdec_officer
):
    organization, _owner = seller
    patch(api, as_seller, legal_name="Alpha Batik Holdings Sdn. Bhd.")
    client.force_login(mdec_officer)
    queue = client.get("/organisations/?status=submitted").content.decode()
    assert "Alpha Batik Holdings Sdn. Bhd." in queue
    assert "legal name changed from" in queue
    page = client.get(f"/organisations/{organization.public_id}/").content.decode()
    assert "What changed:" in page and NAME in page
    kyc_approve(organization=fresh(organization), actor=mdec_officer)
    organization = fresh(organization)
    assert organization.can_sell
    assert organization.verified_legal_name == "Alpha Batik Holdings Sdn. Bhd."


def test_a_change_of_country_is_checked_and_reviewed(api, seller, as_seller):
    organization, _owner = seller
    bad = patch(api, as_seller, country="CN")  # the SSM number is no Chinese credit code
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "registration_number"
    assert fresh(organization).kyc_status == "approved"
    other = factories.SellerFactory()
    taken = patch(api, as_seller, registration_number=other.registration_number)
    assert taken.status_code == 400
    assert fresh(organization).kyc_status == "approved"
    code = "91330106MA2B0XXX0" + uscc_check_character("91330106MA2B0XXX0")
    moved = patch(api, as_seller, country="CN", registration_number=code)
    assert moved.status_code == 200
    organization = fresh(organization)
    assert organization.kyc_status == "submitted"
    assert "country changed from “MY” to “CN”" in organization.kyc_reason
    assert "registration number changed from" in organization.kyc_reason


def test_a_change_before_verification_reopens_nothing(kul):
    organization = factories.OrganizationFactory()
    owner = factories.member(organization)
    organization_update(organization=organization, actor=owner, legal_name="Renamed Sdn. Bhd.")
    organization = fresh(organization)
    assert (organization.kyc_status, organization.kyc_reason) == ("draft", "")


def test_an_account_in_another_name_is_held_until_an_officer_accepts_it(
    api, seller, as_seller, mdec_officer, django_capture_on_commit_callbacks
):
    organization, owner = seller
    with django_capture_on_commit_callbacks(execute=True):
        response = patch(
            api,
            as_seller,
            payout_account_name="Tan Ah Kow",
            payout_bic="CIBBMYKL",
            payout_account_number="8001234567",
        )
    assert response.status_code == 200
    assert (response.json()["payout_account_hold"], response.json()["can_sell"]) == (
        "review",
        True,
    )  # still selling: only the money waits
    assert "no payout goes to it until an MDEC officer" in mail.outbox[-1].body
    organization = fresh(organization)
    with pytest.raises(ApplicationError) as held:
        payout_request(organization=organization, amount=ledger_money(), actor=owner)
    assert held.value.code == "payout_account_in_review"
    updated = AuditEntry.objects.get(action="hubs.organization.updated")
    assert updated.data["before"]["payout_account"]["name"] == NAME
    assert updated.data["after"]["payout_account"] == {
        "bic": "CIBBMYKL",
        "name": "Tan Ah Kow",
        "number_last4": "4567",
    }
    assert "8001234567" not in str(updated.data)  # never the whole number
    with pytest.raises(NotAllowedError):
        organization_payout_account_accept(organization=organization, actor=owner)
    with django_capture_on_commit_callbacks(execute=False):
        organization_payout_account_accept(organization=organization, actor=mdec_officer)
    organization = fresh(organization)
    assert organization.payout_account_problem == ""
    assert OutboxEvent.objects.filter(name="hubs.payout_account_changed").exists()
    accepted = AuditEntry.objects.get(action="hubs.payout_account.accepted")
    assert accepted.data["before"].startswith("REVIEW:") and accepted.data["after"] == ""


def ledger_money():
    from moneyed import Money

    return Money("10.00", "MYR")


def test_the_spelling_of_the_company_form_does_not_hold_an_account(api, as_seller):
    response = patch(api, as_seller, payout_account_name="ALPHA BATIK SENDIRIAN BERHAD")
    assert (response.status_code, response.json()["payout_account_hold"]) == (200, "")


@pytest.mark.parametrize("in_one_request", [True, False])
def test_renaming_the_company_to_the_accounts_name_does_not_release_the_money(
    api, as_seller, in_one_request
):
    """The account is compared with the name an officer verified, not the one just typed."""
    changes = {"legal_name": "Tan Ah Kow Trading", "payout_account_name": "Tan Ah Kow Trading"}
    if in_one_request:
        response = patch(api, as_seller, **changes)
    else:
        patch(api, as_seller, legal_name=changes["legal_name"])
        response = patch(api, as_seller, payout_account_name=changes["payout_account_name"])
    assert response.status_code == 200
    assert (response.json()["kyc_status"], response.json()["payout_account_hold"]) == (
        "submitted",
        "review",
    )


def test_approving_the_new_name_releases_an_account_held_in_it(
    api, seller, as_seller, mdec_officer
):
    organization, _owner = seller
    patch(api, as_seller, legal_name="Tan Ah Kow Trading", payout_account_name="Tan Ah Kow Trading")
    kyc_approve(organization=fresh(organization), actor=mdec_officer)
    organization = fresh(organization)
    assert (organization.kyc_status, organization.payout_account_problem) == ("approved", "")


def test_a_declined_account_waits_for_a_new_one(
    client, api, seller, as_seller, mdec_officer, django_capture_on_commit_callbacks
):
    organization, owner = seller
    patch(api, as_seller, payout_account_name="Someone Else")
    client.force_login(mdec_officer)
    page = f"/organisations/{organization.public_id}/"
    assert "Payout account check" in client.get(page).content.decode()
    assert client.post(page, {"payout_decision": "decline"}).status_code == 400  # no reason
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(
                page, {"payout_decision": "decline", "payout_reason": "Not the company's account"}
            ).status_code
            == 302
        )
    organization = fresh(organization)
    assert organization.payout_account_hold == "declined"
    assert "Not the company's account" in mail.outbox[-1].body
    with pytest.raises(ConflictError):
        organization_payout_account_accept(organization=organization, actor=mdec_officer)
    client.force_login(owner)
    assert "did not accept this account" in client.get("/organisation/").content.decode()
    assert client.post(page, {"payout_decision": "accept"}).status_code == 403
    patch(api, as_seller, payout_account_name=NAME)
    assert fresh(organization).payout_account_problem == ""


def test_an_officer_cannot_wave_through_an_account_a_bank_rejected(seller, mdec_officer):
    organization, _owner = seller
    Organization.objects.filter(pk=organization.pk).update(
        payout_account_problem="AC04: Closed account number"
    )
    with pytest.raises(ConflictError):
        organization_payout_account_accept(organization=fresh(organization), actor=mdec_officer)
    with pytest.raises(ConflictError):
        organization_payout_account_decline(
            organization=fresh(organization), actor=mdec_officer, reason="x"
        )


def test_a_settlement_waits_for_the_check_and_follows_the_acceptance(
    hgh, mdec_officer, django_capture_on_commit_callbacks
):
    bank = factories.api_client(
        kind="bank", name="Bank", scopes=["payments:write", "payouts:write"]
    ).client
    order = ledger.deliver(ledger.paid_order(destination_hub=hgh, bank=bank))
    seller = order.seller
    organization_update(organization=seller, actor=None, payout_account_name="Someone Else")
    with django_capture_on_commit_callbacks(execute=True):
        escrow_release(order=order, actor_label="buyer", reason="Received.")
    assert not Payout.objects.exists()  # the money waits in the balance
    with django_capture_on_commit_callbacks(execute=True):
        organization_payout_account_accept(organization=fresh(seller), actor=mdec_officer)
    payout = Payout.objects.get()
    assert (payout.creditor_name, payout.settlement.order_id) == ("Someone Else", order.pk)
    assert ledger.ledger_balanced()


def test_the_portal_says_it_before_saving_and_asks_to_confirm(
    client, seller, django_capture_on_commit_callbacks
):
    organization, owner = seller
    client.force_login(owner)
    page = client.get("/organisation/edit/").content.decode()
    assert "sends your organisation back to review" in page
    form = client.get("/organisation/edit/").context["form"]
    data = {name: form[name].value() or "" for name in form.Meta.fields}
    data["legal_name"] = "Beta Batik Sdn. Bhd."
    unconfirmed = client.post("/organisation/edit/", data)
    assert unconfirmed.status_code == 200
    assert "acknowledge_review" in unconfirmed.context["form"].errors
    assert fresh(organization).legal_name == NAME
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post("/organisation/edit/", {**data, "acknowledge_review": "on"})
    assert saved.status_code == 302
    assert fresh(organization).kyc_status == "submitted"
    shown = client.get("/organisation/verification/").content.decode()
    assert "Back in review because:" in shown


def test_unchanged_identity_needs_no_confirmation(client, seller):
    organization, owner = seller
    client.force_login(owner)
    form = client.get("/organisation/edit/").context["form"]
    data = {name: form[name].value() or "" for name in form.Meta.fields}
    data["city"] = "Shah Alam"
    assert client.post("/organisation/edit/", data).status_code == 302
    organization = fresh(organization)
    assert (organization.city, organization.kyc_status) == ("Shah Alam", "approved")


def test_a_decision_on_a_page_shown_before_a_change_is_refused(
    client, api, as_seller, seller, mdec_officer
):
    """The owners rename the company while the officer reads the file: approving what the
    officer read must not approve what it became."""
    organization, _owner = seller
    patch(api, as_seller, legal_name="Alpha Batik Holdings Sdn. Bhd.", payout_account_name="X")
    client.force_login(mdec_officer)
    page = f"/organisations/{organization.public_id}/"
    shown = client.get(page).context
    seen, payout_seen = shown["form"]["seen"].value(), shown["payout_form"]["payout_seen"].value()
    patch(api, as_seller, legal_name="Someone Else Entirely Bhd", payout_account_name="Y")
    approve = client.post(page, {"decision": "approve", "reason": "", "seen": seen})
    assert approve.status_code == 400
    assert "changed its details while you were reviewing" in approve.content.decode()
    accept = client.post(page, {"payout_decision": "accept", "payout_seen": payout_seen})
    assert accept.status_code == 400
    organization = fresh(organization)
    assert (organization.kyc_status, organization.payout_account_hold) == ("submitted", "review")
    fresh_seen = client.get(page).context["form"]["seen"].value()
    assert client.post(page, {"decision": "approve", "seen": fresh_seen}).status_code == 302
    assert fresh(organization).verified_legal_name == "Someone Else Entirely Bhd"
