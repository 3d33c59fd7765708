"""Owners and staff of one seller, page by page (README, "Who sees what"): both work the
catalogue, orders, shipments and declarations; the organisation's money (statement, payouts,
settlements and fees, credit and loans, insights) is the owners' alone, as are the owners'
own pages. Staff get 403, never a glimpse."""

import pytest

from payments.models import Payout
from tests import factories, ledger

pytestmark = pytest.mark.django_db

OWNER, STAFF = "owner", "staff"


@pytest.fixture
def paid_out_seller(hgh, bank, django_capture_on_commit_callbacks):
    """A seller whose delivered order was released and paid out, with an owner and staff."""
    delivered = ledger.deliver(ledger.paid_order(destination_hub=hgh, bank=bank))
    order = ledger.release(delivered, django_capture_on_commit_callbacks)
    seller = order.seller
    return {
        "order": order,
        OWNER: factories.member(seller, OWNER),
        STAFF: factories.member(seller, STAFF),
    }


def pages(order):
    """page → (owner, staff). The loan page is 404 for the owner: there is no loan yet, and
    staff learn not even that."""
    return {
        # the organisation's money
        "/payments/statement/": (200, 403),
        "/payments/credit/loan/": (404, 403),
        "/credit/": (200, 403),
        "/insights/": (200, 403),
        "/insights/?export=csv&table=sales": (200, 403),
        # the owners' own pages
        "/organisation/edit/": (200, 403),
        "/organisation/api-clients/": (200, 403),
        # the work both do
        "/organisation/": (200, 200),
        "/organisation/verification/": (200, 200),
        "/products/": (200, 200),
        "/products/imports/": (200, 200),
        "/catalogue/": (200, 200),
        "/orders/": (200, 200),
        f"/orders/{order.reference}/": (200, 200),
        f"/payments/orders/{order.reference}/": (200, 200),
        f"/orders/{order.reference}/timeline/": (200, 200),
        "/customs/mine/": (200, 200),
        # officers' pages: neither
        "/organisations/": (403, 403),
        "/payments/credit/portfolio/": (403, 403),
    }


@pytest.mark.parametrize("persona", [OWNER, STAFF])
def test_each_page_answers_owner_and_staff_as_the_readme_says(client, paid_out_seller, persona):
    client.force_login(paid_out_seller[persona])
    for url, (owner, staff) in pages(paid_out_seller["order"]).items():
        expected = owner if persona == OWNER else staff
        status = client.get(url).status_code
        assert status == expected, f"{persona} GET {url}: {status} != {expected}"


def test_staff_menu_has_no_money_pages(client, paid_out_seller):
    client.force_login(paid_out_seller[STAFF])
    labels = [item.label for item in client.get("/home/").context["nav_items"]]
    assert "Orders" in labels and "My products" in labels
    assert not {"Statement", "Insights", "Credit"} & set(labels)
    client.force_login(paid_out_seller[OWNER])
    labels = [item.label for item in client.get("/home/").context["nav_items"]]
    assert {"Statement", "Insights", "Credit"} <= set(labels)


def test_staff_see_what_the_buyer_paid_but_not_the_sellers_settlement(client, paid_out_seller):
    order = paid_out_seller["order"]
    url = f"/payments/orders/{order.reference}/"
    client.force_login(paid_out_seller[OWNER])
    assert client.get(url).context["settlement"] is not None
    client.force_login(paid_out_seller[STAFF])
    response = client.get(url)
    assert response.context["intent"] is not None  # what is owed and what arrived
    assert response.context["settlement"] is None and response.context["preview"] is None


def test_staff_do_not_see_the_payout_on_the_timeline(client, paid_out_seller):
    order = paid_out_seller["order"]
    payout = Payout.objects.get(settlement__order=order)
    url = f"/orders/{order.reference}/timeline/"
    client.force_login(paid_out_seller[OWNER])
    assert payout.end_to_end_id in client.get(url).content.decode()
    client.force_login(paid_out_seller[STAFF])
    page = client.get(url).content.decode()
    assert payout.end_to_end_id not in page
    assert payout.creditor_account[-4:] not in page


def test_staff_cannot_pay_the_balance_out_nor_apply_for_credit(client, paid_out_seller):
    client.force_login(paid_out_seller[STAFF])
    before = Payout.objects.count()
    response = client.post(
        "/payments/statement/", {"currency": "MYR", "amount": "1.00", "request_key": "k1"}
    )
    assert response.status_code == 403
    assert client.post("/credit/", {"action": "recompute"}).status_code == 403
    assert client.post("/payments/credit/loan/").status_code == 403
    assert Payout.objects.count() == before
    assert ledger.ledger_balanced()
