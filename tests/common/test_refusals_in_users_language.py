"""A service's refusal reaches a person in the language of the page: in Malay and Chinese on
the portal (a drop-off booked in the past, a paid order that can no longer be cancelled, a
payout to an account the bank rejected), and over the API in the language the client asks
for, English when it asks for none. The error code is the same in every language."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from moneyed import Money

from hubs.services.organizations import organization_api_client_create
from logistics.models import Facility
from logistics.services.parcels import ParcelRequest, parcel_create
from payments.services.accounts import bank_clearing_account, customer_account
from payments.services.ledger import Posting, ledger_post
from tests import factories, ledger
from tests.conftest import issue_token

pytestmark = pytest.mark.django_db


def _client(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def paid(kul, hgh):
    """An order paid into escrow, its seller's user and its buyer's owner."""
    bank = factories.api_client(kind="bank", name="CIMB", scopes=["payments:write"]).client
    order = ledger.paid_order(destination_hub=hgh, bank=bank, quantity=2)
    return {
        "order": order,
        "seller_user": factories.member(order.seller),
        "buyer_user": factories.member(order.buyer),
    }


@pytest.mark.parametrize(
    ("language", "said", "not_said"),
    [
        ("ms", "Pilih masa mulai sekarang.", "Choose a time from now on."),
        ("zh-hans", "请选择从现在起的时间。", "Choose a time from now on."),
    ],
)
def test_a_drop_off_in_the_past_is_refused_in_the_sellers_language(
    paid, kul, language, said, not_said
):
    Facility.objects.create(hub=kul, name="KLIA Aeropolis eFulfilment Centre", address="Sepang")
    order = paid["order"]
    parcel = parcel_create(
        order=order,
        request=ParcelRequest(
            weight_kg=Decimal("1.000"),
            length_cm=30,
            width_cm=20,
            height_cm=10,
            items={order.lines.get().pk: 1},
        ),
        actor=paid["seller_user"],
    )
    yesterday = timezone.localtime(timezone.now() - timedelta(days=1), kul.zone)
    page = _client(paid["seller_user"], language).post(
        f"/logistics/orders/{order.reference}/parcels/",
        {"drop_off": "1", "waybill": parcel.waybill, "drop_off_at": f"{yesterday:%Y-%m-%d %H:%M}"},
        follow=True,
    )
    text = page.content.decode()
    assert said in text and not_said not in text
    parcel.refresh_from_db()
    assert parcel.drop_off_at is None


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("ms", "ia tidak boleh dibatalkan lagi. Minta bayaran balik sebaliknya."),
        ("zh-hans", "已无法取消。请改为申请退款。"),
    ],
)
def test_a_paid_order_is_not_cancelled_in_the_buyers_language(paid, language, said):
    order = paid["order"]
    page = _client(paid["buyer_user"], language).post(
        f"/orders/{order.reference}/", {"reason": "Ordered twice"}, follow=True
    )
    text = page.content.decode()
    assert said in text and order.reference in text
    assert "it can no longer be cancelled" not in text
    order.refresh_from_db()
    assert order.status == "paid"


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("ms", "Bank menolak pembayaran keluar terakhir ke akaun ini"),
        ("zh-hans", "银行拒绝了向此账户的上一笔付款"),
    ],
)
def test_a_payout_to_a_rejected_account_is_refused_in_the_owners_language(kul, language, said):
    bank = factories.api_client(kind="bank", name="CIMB", scopes=["payouts:write"]).client
    seller = factories.SellerFactory(payout_account_problem="AC04: Closed account number")
    owner = factories.member(seller)
    ledger_post(
        kind="release",
        description="sales",
        postings=[
            Posting(bank_clearing_account(bank=bank, currency="MYR"), Money("-100.00", "MYR")),
            Posting(customer_account(organization=seller, currency="MYR"), Money("100.00", "MYR")),
        ],
    )
    page = _client(owner, language).post(
        "/payments/statement/", {"currency": "MYR", "amount": "50.00"}, follow=True
    )
    text = page.content.decode()
    assert said in text and "The bank rejected the last payout" not in text
    assert not seller.payouts.exists()


@pytest.mark.parametrize(
    ("accept_language", "said"),
    [
        (None, "it can no longer be cancelled. Ask for a refund instead."),
        ("ms", "ia tidak boleh dibatalkan lagi. Minta bayaran balik sebaliknya."),
        ("zh-hans", "已无法取消。请改为申请退款。"),
    ],
)
def test_the_api_refuses_in_the_language_asked_for_and_english_by_default(
    api, paid, accept_language, said
):
    order = paid["order"]
    issued = organization_api_client_create(
        organization=order.buyer, name="ERP", actor=paid["buyer_user"]
    )
    token = issue_token(api, issued).json()["access_token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if accept_language:
        headers["HTTP_ACCEPT_LANGUAGE"] = accept_language
    response = api.post(
        f"/api/v1/orders/{order.reference}/cancel",
        {"reason": "Duplicate"},
        format="json",
        **headers,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "order_transition"  # the machine's word: never translated
    assert said in response.json()["detail"]
