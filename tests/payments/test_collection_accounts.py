"""The hub's collection accounts: the payment page and the API tell the buyer where to
transfer the money and what to quote, in the order's payment currency, or say that there is
no account yet; one account in use per currency; a BIC of the wrong shape is refused."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from ewtp.common.api_clients import api_client_secret_rotate, api_client_update
from ewtp.common.models import AuditEntry
from hubs.services.organizations import organization_api_client_create
from payments.models import CollectionAccount
from payments.services.collection_accounts import collection_account_save
from tests import factories
from tests.conftest import bearer, issue_token

pytestmark = pytest.mark.django_db

NUMBERS = {"MYR": "8000123456", "CNY": "6222020200112233", "USD": "8000654321"}


def publish(bank, currency="MYR", **fields) -> CollectionAccount:
    values = {
        "bank": bank,
        "currency": currency,
        "account_name": f"eWTP Hub collection {currency}",
        "account_number": NUMBERS[currency],
        "bic": "CIBBMYKL",
    } | fields
    return collection_account_save(
        account=CollectionAccount(**values), actor=None, actor_label="test"
    )


@pytest.fixture
def journey_bank(journey):
    """The journey's bank (named "Bank"), which the journey's orders are paid through."""
    return journey.world.bank


def payment_page(client, order, user):
    client.force_login(user)
    response = client.get(f"/payments/orders/{order.reference}/")
    assert response.status_code == 200
    return response


def test_the_buyer_is_told_the_account_and_reference_of_its_payment_currency(
    client, journey, journey_bank
):
    publish(journey_bank, "MYR")
    publish(journey_bank, "CNY", account_name="eWTP Hub collection CNY (Hangzhou)")
    order = journey.business_order(quantity=2)  # pays in the seller's currency, MYR
    page = payment_page(client, order, order.buyer_owner).content.decode()
    assert "How to pay" in page
    for shown in ("Bank", "CIBBMYKL", "eWTP Hub collection MYR", "8000123456", order.reference):
        assert shown in page
    assert "6222020200112233" not in page  # the other currency's account
    assert "Transfer MYR\xa090.00 from your bank" in page  # with its currency, not in sen
    assert "held in escrow until you have the goods" in page


def test_a_buyer_paying_in_another_currency_is_told_that_currency_s_account(
    client, journey, journey_bank
):
    publish(journey_bank, "MYR")
    publish(journey_bank, "CNY")
    buyer_order = journey.business_order()
    order = journey.consumer_order(payment_currency="CNY")  # a channel's: the API shows it
    response = _api_payment(journey, order)
    assert response["outstanding"]["currency"] == "CNY"
    assert response["pay_to"] == {
        "bank": journey_bank.application.name,
        "bic": "CIBBMYKL",
        "account_name": "eWTP Hub collection CNY",
        "account_number": "6222020200112233",
        "reference": order.reference,
    }
    context = payment_page(client, buyer_order, buyer_order.buyer_owner).context
    assert context["pay_to"].account_number == "8000123456"


def test_without_an_account_the_page_says_so_and_whom_to_write_to(client, journey, journey_bank):
    publish(journey_bank, "CNY")  # another currency's does not count
    order = journey.business_order()
    page = payment_page(client, order, order.buyer_owner).content.decode()
    assert "The hub has not published a bank account for payments in MYR yet" in page
    assert settings.PAYMENTS_DESK_EMAIL in page
    assert "please do not pay yet" in page
    assert "Account number" not in page


def test_only_the_buyer_of_an_order_still_to_pay_is_shown_where_to_pay(
    client, journey, journey_bank
):
    publish(journey_bank, "MYR")
    order = journey.business_order()
    seller_page = payment_page(client, order, journey.world.seller_owner)
    assert not seller_page.context["how_to_pay"]
    assert "8000123456" not in seller_page.content.decode()
    paid = journey.pay(order)
    buyer_page = payment_page(client, paid, order.buyer_owner)
    assert (buyer_page.context["how_to_pay"], buyer_page.context["pay_to"]) == (False, None)
    assert "How to pay" not in buyer_page.content.decode()


def test_a_second_account_in_use_for_a_currency_is_refused_by_the_database(journey_bank):
    first = publish(journey_bank, "MYR")
    second = CollectionAccount(
        bank=journey_bank,
        currency="MYR",
        account_name="eWTP Hub collection MYR (2)",
        account_number="8000999999",
        bic="MBBEMYKL",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    with pytest.raises(ValidationError, match="Another account is in use for this currency"):
        collection_account_save(account=second, actor=None, actor_label="test")
    second.in_use = False  # published out of use, then swapped in: one at a time
    collection_account_save(account=second, actor=None, actor_label="test")
    first.in_use = False
    collection_account_save(account=first, actor=None, actor_label="test")
    second.in_use = True
    collection_account_save(account=second, actor=None, actor_label="test")
    assert list(CollectionAccount.objects.filter(in_use=True)) == [second]
    actions = AuditEntry.objects.filter(target_type="payments.collectionaccount")
    assert sorted(actions.values_list("action", flat=True)) == [
        "payments.collection_account.changed",
        "payments.collection_account.changed",
        "payments.collection_account.published",
        "payments.collection_account.published",
    ]


@pytest.mark.parametrize(
    ("bic", "message", "shape"),
    [
        ("CIBB", "8 or 11 characters", False),
        ("CIBBMYKLX", "8 or 11 characters", False),
        ("CIBB-MYKL", "8 or 11 characters", False),
        ("CIBBXQKL", "Characters 5–6 of a SWIFT/BIC code are a country code; XQ is not one", True),
    ],
)
def test_a_bic_of_the_wrong_shape_is_refused_with_the_reason(journey_bank, bic, message, shape):
    with pytest.raises(ValidationError) as refused:
        publish(journey_bank, "MYR", bic=bic)
    assert message in refused.value.message_dict["bic"][0]
    assert not CollectionAccount.objects.exists()
    if not shape:  # the database refuses a BIC of the wrong shape even around the checks
        with pytest.raises(IntegrityError), transaction.atomic():
            CollectionAccount.objects.create(
                bank=journey_bank, currency="MYR", account_name="x", account_number="80001", bic=bic
            )


def test_officers_manage_the_accounts_in_the_admin(client, admin_user, journey_bank):
    client.force_login(admin_user)
    form = {
        "bank": journey_bank.pk,
        "currency": "USD",
        "account_name": "eWTP Hub collection USD",
        "account_number": "8000 6543 21",
        "bic": "cibb mykl",
        "in_use": "on",
    }
    refused = client.post("/admin/payments/collectionaccount/add/", {**form, "bic": "CIBB"})
    assert refused.status_code == 200
    assert "A SWIFT/BIC code has 8 or 11 characters" in refused.content.decode()
    odd = client.post("/admin/payments/collectionaccount/add/", {**form, "currency": "JPY"})
    assert "JPY" in odd.context["adminform"].form.errors["currency"][0]
    saved = client.post("/admin/payments/collectionaccount/add/", form)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    account = CollectionAccount.objects.get()
    assert (account.bic, account.account_number) == ("CIBBMYKL", "8000654321")
    entry = AuditEntry.objects.get(target_type="payments.collectionaccount")
    assert (entry.actor, entry.data["after"]["number_last4"]) == (admin_user, "4321")
    again = client.post("/admin/payments/collectionaccount/add/", form)
    assert "Another account is in use for this currency" in again.content.decode()
    listing = client.get("/admin/payments/collectionaccount/").content.decode()
    assert "8000654321" in listing
    assert client.get(f"/admin/payments/collectionaccount/{account.pk}/change/").status_code == 200
    assert client.get(f"/admin/payments/collectionaccount/{account.pk}/delete/").status_code == 403


def _api_payment(journey, order) -> dict:
    """The order's payment as its channel reads it over the API."""
    channel = journey.world.channel
    api_client_update(client=channel, is_active=True, scopes=["orders:read"])
    token = issue_token(APIClient(), api_client_secret_rotate(client=channel)).json()
    response = APIClient().get(
        f"/api/v1/orders/{order.reference}/payment",
        HTTP_AUTHORIZATION=f"Bearer {token['access_token']}",
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_api_tells_the_buyer_where_to_pay_until_it_has_paid(api, journey, journey_bank):
    order = journey.business_order(quantity=2)
    credentials = organization_api_client_create(
        organization=order.buyer, name="ERP", actor=order.buyer_owner
    )
    auth = bearer(api, credentials)
    url = f"/api/v1/orders/{order.reference}/payment"
    unpublished = api.get(url, **auth).json()
    assert (unpublished["status"], unpublished["pay_to"]) == ("pending", None)
    publish(journey_bank, "MYR")
    body = api.get(url, **auth).json()
    assert body["outstanding"] == {"amount": "90.00", "currency": "MYR"}
    assert body["pay_to"] == {
        "bank": journey_bank.application.name,
        "bic": "CIBBMYKL",
        "account_name": "eWTP Hub collection MYR",
        "account_number": "8000123456",
        "reference": order.reference,
    }
    journey.pay(order)
    paid = api.get(url, **auth).json()
    assert (paid["status"], paid["outstanding"]["amount"], paid["pay_to"]) == (
        "paid",
        "0.00",
        None,
    )
    somebody = factories.BuyerFactory()
    stranger = organization_api_client_create(
        organization=somebody, name="ERP", actor=factories.member(somebody)
    )
    other = bearer(api, stranger)
    assert api.get(url, **other).status_code == 404
