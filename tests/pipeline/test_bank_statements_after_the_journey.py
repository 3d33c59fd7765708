"""After the journey the hub's books agree with its bank: orders paid in the buyer's currency
(CNY) and in the seller's (MYR) travel to delivery, are settled and paid out; before the day's
FX settlement the MYR account at the bank is overdrawn in the hub's books, as the bank's never
is; after it no FX position is open, and the bank's statements of every account, sent back to
the hub, reconcile with no unmatched entry and the same balances."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from moneyed import Money

from ewtp.common.api_clients import api_client_secret_rotate, api_client_update
from logistics.models import Parcel
from payments.models import Account, Payout
from payments.services.accounts import bank_clearing_account, fx_account
from payments.services.escrow import escrow_release
from payments.services.ledger import account_balance
from payments.services.payouts import payout_status_report, payouts_batch
from payments.services.treasury import treasury_settle_all
from tests import ledger
from tests.conftest import issue_token

pytestmark = pytest.mark.django_db


def held(bank, currency) -> Money:
    """What the hub's books say the bank holds for it."""
    return -account_balance(bank_clearing_account(bank=bank, currency=currency))


def journey_to_payout(journey) -> None:
    orders = [
        journey.pay(journey.consumer_order(n=1, quantity=2, payment_currency="CNY")),
        journey.pay(journey.consumer_order(n=2, quantity=1)),
    ]
    parcels = [journey.receive(journey.pack(order)) for order in orders]
    journey.consolidate()
    journey.depart()
    journey.land()
    for parcel in parcels:
        journey.deliver(Parcel.objects.get(pk=parcel.pk))
    for order in orders:
        order.refresh_from_db()
        assert order.status == "delivered", order.status
        journey.run(escrow_release, order=order, actor_label="buyer", reason="Received")
    bank = journey.world.bank
    batch = journey.run(payouts_batch, bank=bank)
    for payout in batch.payouts.all():
        journey.run(
            payout_status_report, bank=bank, end_to_end_id=payout.end_to_end_id, status="settled"
        )
    assert set(Payout.objects.values_list("status", flat=True)) == {"settled"}
    for order in orders:
        order.refresh_from_db()
        assert order.status == "settled"


def test_after_the_journey_every_clearing_account_agrees_with_the_banks_statements(
    journey, api, mdec_officer
):
    bank = journey.world.bank
    journey_to_payout(journey)
    # the sellers were paid MYR the bank never received: the CNY is still there
    assert held(bank, "MYR").amount < 0
    assert held(bank, "CNY").amount > 0

    journey.run(treasury_settle_all, day=timezone.now().date())

    for currency in ("CNY", "MYR"):
        assert account_balance(fx_account(currency=currency)).amount == 0
        assert held(bank, currency).amount >= 0  # never overdrawn at the bank
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()

    # the bank sends its statement of every account it holds for the hub
    api_client_update(
        client=bank,
        is_active=True,
        scopes=["statements:read", "statements:write", "payments:write", "payouts:write"],
    )
    token = issue_token(api, api_client_secret_rotate(client=bank)).json()["access_token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    today = timezone.now().date()
    period = f"from={today - timedelta(days=1)}&to={today}"
    accounts = api.get("/api/v1/statements/", **headers).json()
    assert {a["currency"] for a in accounts} == {"CNY", "MYR"}
    stated = {}
    for account in accounts:
        currency = account["currency"]
        xml = api.get(f"/api/v1/statements/{currency}/camt053?{period}", **headers).content
        response = api.generic(
            "POST", "/api/v1/reconciliations/", xml, "application/xml", **headers
        )
        assert response.status_code == 201, response.content
        (reconciliation,) = response.json()
        assert reconciliation["status"] == "agreed", reconciliation
        stated[currency] = reconciliation["closing"]["amount"]

    # the sum of every clearing account, per currency, is what the statements say
    for currency, closing in stated.items():
        clearing = Account.objects.filter(kind="bank_clearing", currency=currency)
        in_books = sum((-account_balance(a) for a in clearing), Money(0, currency))
        assert f"{in_books.amount:f}" == closing

    client = Client()
    client.force_login(mdec_officer)
    page = client.get("/payments/treasury/reconciliation/")
    assert page.status_code == 200
    assert page.context["unmatched"] == []
    assert {r.status for r in page.context["reconciliations"]} == {"agreed"}
    assert "No unmatched entry." in page.content.decode()
    treasury = client.get("/payments/treasury/")
    assert all(row.open_fx.amount == 0 for row in treasury.context["currencies"])
