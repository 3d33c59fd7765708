"""Credit in the portal and over the bank API: the score page, applying in a few fields,
drawing down, the loan statement, the officers' portfolio, and the consent matrix: no bank
ever reads an SME's data it was not given."""

import itertools

import pytest
from django.test import Client
from moneyed import Money

from payments.models import CreditApplication, CreditScore, Loan
from payments.services.credit import CreditRequest, credit_apply, credit_score_record
from tests import factories
from tests.conftest import issue_token

from .test_loans import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def lender(db):
    return factories.api_client(kind="bank", name="Lender", scopes=["credit:read", "credit:write"])


@pytest.fixture
def seller(kul):
    organization = factories.SellerFactory()
    return organization, factories.member(organization), factories.member(organization, "staff")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_owner_reads_the_score_applies_draws_and_reads_the_loan(seller, lender):
    organization, owner, _staff = seller
    client = signed_in(owner)
    page = client.get("/credit/")
    assert page.status_code == 200
    assert CreditScore.objects.get().trigger == "on demand"  # none yet: computed for the page
    assert "What raises my score" in page.content.decode()
    assert page.context["offer"] is None  # no trade yet, no offer
    credit_score_record(organization=organization, record=GOOD, trigger="nightly")
    page = client.get("/credit/")
    assert page.context["offer"].limit_minor == 6_000_000  # three average months
    response = client.post(
        "/credit/",
        {
            "action": "apply",
            "amount": "5000",
            "tenor_months": "3",
            "bank": lender.client.pk,
            "consent": "on",
        },
    )
    assert response.status_code == 302
    application = CreditApplication.objects.get()
    assert application.status == "approved" and application.bank == lender.client
    assert "Lender" in application.consent_text
    client.post("/credit/", {"action": "draw", "reference": application.reference})
    loan = Loan.objects.get()
    statement = client.get("/payments/credit/loan/")
    assert statement.status_code == 200
    assert len(statement.context["instalments"]) == 3
    refused = client.post("/payments/credit/loan/", follow=True)  # 4,950 held, 5,050 due
    assert "Your balance holds" in refused.content.decode()
    assert Loan.objects.get(pk=loan.pk).status == "active"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"amount": "900000"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"tenor_months": "9"}, "tenor_months"),
        ({"consent": ""}, "consent"),
        ({"bank": "99999"}, "bank"),
    ],
)
def test_a_bad_application_is_a_form_error_and_changes_nothing(seller, lender, form, field):
    organization, owner, _staff = seller
    credit_score_record(organization=organization, record=GOOD, trigger="nightly")
    data = {
        "action": "apply",
        "amount": "5000",
        "tenor_months": "3",
        "bank": lender.client.pk,
        "consent": "on",
    } | form
    response = signed_in(owner).post("/credit/", data)
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not CreditApplication.objects.exists()


def test_staff_neither_read_the_score_nor_apply_and_officers_see_the_portfolio(
    seller, lender, mdec_officer
):
    organization, _owner, staff = seller
    credit_score_record(organization=organization, record=GOOD, trigger="nightly")
    assert signed_in(staff).get("/credit/").status_code == 403
    signed_in(staff).post(
        "/credit/",
        {"action": "apply", "amount": "5000", "tenor_months": "3", "bank": lender.client.pk,
         "consent": "on"},
    )  # fmt: skip
    assert not CreditApplication.objects.exists()
    assert signed_in(staff).get("/payments/credit/portfolio/").status_code == 403
    assert signed_in(mdec_officer).get("/payments/credit/portfolio/").status_code == 200


def test_no_bank_reads_an_application_it_was_not_given(api, kul):
    """Every bank against every application: each sees exactly those it was chosen for."""
    banks = [
        factories.api_client(kind="bank", name=f"Bank {n}", scopes=["credit:read", "credit:write"])
        for n in range(3)
    ]
    shared = {}
    for bank, _n in itertools.product(banks, range(2)):
        organization = factories.SellerFactory()
        stored = credit_score_record(organization=organization, record=GOOD, trigger="test")
        application = credit_apply(
            organization=organization,
            stored=stored,
            request=CreditRequest(Money("3000", "MYR"), 3, bank.client.pk, consent=True),
            actor=None,
        )
        shared[application.reference] = bank
    for bank in banks:
        token = issue_token(api, bank).json()["access_token"]
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        listed = api.get("/api/v1/credit/applications/", **auth)
        assert listed.status_code == 200
        seen = {row["reference"] for row in listed.json()["results"]}
        assert seen == {ref for ref, owner in shared.items() if owner is bank}
        for reference, owner in shared.items():
            detail = api.get(f"/api/v1/credit/applications/{reference}", **auth)
            assert detail.status_code == (200 if owner is bank else 404)
            if owner is bank:
                assert detail.json()["score"]["inputs"]["orders_12m"] == 120
            decided = api.post(
                f"/api/v1/credit/applications/{reference}/decision",
                {"decision": "decline", "reasons": ["x"]},
                format="json",
                **auth,
            )
            assert decided.status_code in ((409,) if owner is bank else (404,))  # approved
    channel = factories.api_client(kind="channel", name="Shop", scopes=["credit:read"])
    token = issue_token(api, channel).json()["access_token"]
    response = api.get("/api/v1/credit/applications/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403


def test_the_bank_decides_a_pending_application_with_reasons(api, kul, lender, settings):
    from ewtp.common.models import WebhookDelivery
    from ewtp.common.webhook_endpoints import webhook_endpoint_create

    webhook_endpoint_create(
        api_client=lender.client,
        url="https://lender.example/hooks",
        events=["credit_application.received"],
    )
    settings.CREDIT_AUTO_APPROVE_LIMIT = 1000
    organization = factories.SellerFactory()
    stored = credit_score_record(organization=organization, record=GOOD, trigger="test")
    application = credit_apply(
        organization=organization,
        stored=stored,
        request=CreditRequest(Money("3000", "MYR"), 3, lender.client.pk, consent=True),
        actor=None,
    )
    hook = WebhookDelivery.objects.get(event="credit_application.received")
    assert hook.payload == {"reference": application.reference, "status": "pending"}
    token = issue_token(api, lender).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    pending = api.get("/api/v1/credit/applications/?status=pending", **auth).json()["results"]
    assert [row["reference"] for row in pending] == [application.reference]
    url = f"/api/v1/credit/applications/{application.reference}/decision"
    bad = api.post(url, {"decision": "approve"}, format="json", **auth)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "reasons"
    odd = api.get("/api/v1/credit/applications/?status=lost", **auth)
    assert odd.status_code == 400
    done = api.post(url, {"decision": "approve", "reasons": ["Steady"]}, format="json", **auth)
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert done.json()["decided_by"] == "Lender"


def test_an_application_posted_before_any_score_is_scored_first(seller, lender):
    _organization, owner, _staff = seller
    response = signed_in(owner).post(
        "/credit/",
        {"action": "apply", "amount": "5000", "tenor_months": "1", "bank": lender.client.pk,
         "consent": "on"},
    )  # fmt: skip
    assert response.status_code == 200  # no trade, no offer: the page says so
    assert CreditScore.objects.count() == 1 and not CreditApplication.objects.exists()
