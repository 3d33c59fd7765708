"""Payment intents and incoming payments: into escrow, once per bank reference."""

from datetime import timedelta

import pytest
from django.utils import timezone
from moneyed import Money

from ewtp.common.errors import ApplicationError, ConflictError
from hubs.models import Order
from hubs.services.orders import order_cancel, orders_expire
from payments.models import Entry, PaymentIntent
from payments.services.accounts import customer_account
from payments.services.intents import BankTransfer, escrow_balance, payment_receive
from payments.services.ledger import account_balance
from tests import factories, ledger
from tests.conftest import bearer, issue_token
from tests.ledger import ledger_balanced

pytestmark = pytest.mark.django_db


def transfer(bank, amount, reference="REF-1"):
    return BankTransfer(
        bank=bank,
        bank_reference=reference,
        amount=Money(amount, "MYR"),
        payer_name="Hangzhou Buyer",
    )


def test_placing_an_order_opens_its_payment_intent(order):
    intent = order.payment_intent
    assert (intent.amount, intent.status, order.status) == (
        Money("90.00", "MYR"),
        "pending",
        "awaiting_payment",
    )


def test_full_payment_funds_escrow_and_pays_the_order(order, bank):
    payment = payment_receive(order_reference=order.reference, transfer=transfer(bank, "90.00"))
    order.refresh_from_db()
    assert (payment.outcome, order.status) == ("applied", "paid")
    assert escrow_balance(order=order) == Money("90.00", "MYR")
    assert order.transitions.last().actor_label == "bank CIMB"
    assert ledger_balanced()


def test_partial_payment_keeps_the_order_waiting(order, bank):
    payment_receive(order_reference=order.reference, transfer=transfer(bank, "40.00", "A"))
    order.refresh_from_db()
    assert order.status == "awaiting_payment"
    assert PaymentIntent.objects.get(order=order).outstanding == Money("50.00", "MYR")
    payment_receive(order_reference=order.reference, transfer=transfer(bank, "50.00", "B"))
    order.refresh_from_db()
    assert order.status == "paid"


def test_over_payment_is_credited_to_the_buyer(order, bank):
    payment = payment_receive(order_reference=order.reference, transfer=transfer(bank, "100.00"))
    assert payment.overpaid_minor == 1000
    assert escrow_balance(order=order) == Money("90.00", "MYR")
    assert account_balance(customer_account(organization=order.buyer, currency="MYR")) == Money(
        "10.00", "MYR"
    )
    assert ledger_balanced()


def test_a_retried_notification_is_one_payment(order, bank):
    first = payment_receive(order_reference=order.reference, transfer=transfer(bank, "90.00"))
    again = payment_receive(order_reference=order.reference, transfer=transfer(bank, "90.00"))
    assert first.pk == again.pk
    assert escrow_balance(order=order) == Money("90.00", "MYR")
    with pytest.raises(ConflictError, match="another amount"):
        payment_receive(order_reference=order.reference, transfer=transfer(bank, "91.00"))


def test_a_late_payment_for_an_expired_order_goes_back(order, bank):
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    orders_expire()
    payment = payment_receive(order_reference=order.reference, transfer=transfer(bank, "90.00"))
    assert payment.outcome == "refunded"
    assert escrow_balance(order=order) == Money("0.00", "MYR")
    assert ledger_balanced()


def test_a_cancelled_order_returns_what_arrived(order, bank, django_capture_on_commit_callbacks):
    payment_receive(order_reference=order.reference, transfer=transfer(bank, "30.00"))
    with django_capture_on_commit_callbacks(execute=True):  # the pipeline closes the intent
        order_cancel(order=order, actor=None, reason="Changed plans", actor_label="buyer")
    assert escrow_balance(order=order) == Money("0.00", "MYR")
    assert PaymentIntent.objects.get(order=order).status == "closed"
    assert ledger_balanced()


@pytest.mark.parametrize(
    ("reference", "amount", "message"),
    [
        ("EW-NOTHING1", "90.00", "No payment is expected"),
        (None, "-5.00", "positive amount"),
    ],
)
def test_bad_notifications_are_refused(order, bank, reference, amount, message):
    with pytest.raises(ApplicationError, match=message):
        payment_receive(
            order_reference=reference or order.reference, transfer=transfer(bank, amount)
        )
    assert not Entry.objects.exists()


def test_a_bank_confirms_a_payment_over_the_api(api, order, cimb):
    headers = {
        **bearer(api, cimb),
        "HTTP_IDEMPOTENCY_KEY": "cimb-notify-1",
    }
    body = {
        "order_reference": order.reference,
        "bank_reference": "CIMB-000123",
        "amount": {"amount": "90.00", "currency": "MYR"},
        "payer": {"name": "Hangzhou Buyer"},
    }
    first = api.post("/api/v1/payments/incoming", body, format="json", **headers)
    assert first.status_code == 201, first.content
    assert (
        first.json()["outcome"],
        first.json()["order_status"],
        first.json()["outstanding"]["amount"],
    ) == ("applied", "paid", "0.00")
    again = api.post("/api/v1/payments/incoming", body, format="json", **headers)
    assert again.json() == first.json()
    other = api.post(
        "/api/v1/payments/incoming", {**body, "bank_reference": "X"}, format="json", **headers
    )
    assert other.status_code == 422  # same Idempotency-Key, another body
    bad = api.post(
        "/api/v1/payments/incoming",
        {**body, "amount": {"amount": 90.0, "currency": "MYR"}},
        format="json",
        HTTP_AUTHORIZATION=headers["HTTP_AUTHORIZATION"],
    )
    assert bad.status_code == 400
    assert escrow_balance(order=order) == Money("90.00", "MYR")


def test_only_banks_report_payments(api, order):
    channel = factories.api_client(kind="channel", name="Shop", scopes=["payments:write"])
    token = issue_token(api, channel).json()["access_token"]
    response = api.post(
        "/api/v1/payments/incoming", {}, format="json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 403


def test_the_buyer_pays_by_test_transfer_in_the_portal(client, order):
    client.force_login(order.buyer.memberships.get().user)
    page = client.get(f"/payments/orders/{order.reference}/")
    assert page.context["may_pay"]
    response = client.post(f"/payments/orders/{order.reference}/")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "paid"
    client.force_login(factories.member(order.seller))  # the seller sees, cannot pay
    assert client.post(f"/payments/orders/{order.reference}/").status_code == 403
    client.force_login(factories.member(factories.BuyerFactory()))  # a stranger sees nothing
    assert client.get(f"/payments/orders/{order.reference}/").status_code == 404


def test_money_arriving_before_the_payment_request_step_still_pays_the_order(hgh, bank):
    order = ledger.placed_order(destination_hub=hgh, quantity=1)  # the order is still "placed"
    payment_receive(order_reference=order.reference, transfer=transfer(bank, "45.00"))
    order.refresh_from_db()
    assert order.status == "paid"


def test_a_bank_reference_reused_for_another_order_is_refused(order, bank, hgh):
    other = ledger.placed_order(destination_hub=hgh)
    payment_receive(order_reference=order.reference, transfer=transfer(bank, "90.00", "SAME"))
    with pytest.raises(ConflictError, match="another amount or order"):
        payment_receive(order_reference=other.reference, transfer=transfer(bank, "90.00", "SAME"))


def test_a_late_transfer_for_a_completed_or_refunded_order_goes_back(order, bank):
    from payments.services.escrow import escrow_refund

    payment_receive(order_reference=order.reference, transfer=transfer(bank, "90.00", "A"))
    escrow_refund(order=order, actor_label="customs", reason="Rejected")
    late = payment_receive(order_reference=order.reference, transfer=transfer(bank, "90.00", "B"))
    assert late.outcome == "refunded"
    assert account_balance(customer_account(organization=order.buyer, currency="MYR")) == Money(
        "0.00", "MYR"
    )
    assert ledger_balanced()


@pytest.mark.parametrize("amount", ["99999999999999999999", "1e999999999"])
def test_absurd_amounts_are_a_400_not_a_500(api, order, cimb, amount):
    headers = bearer(api, cimb)
    body = {
        "order_reference": order.reference,
        "bank_reference": "BIG",
        "amount": {"amount": amount, "currency": "MYR"},
        "payer": {"name": "X"},
    }
    response = api.post("/api/v1/payments/incoming", body, format="json", **headers)
    assert response.status_code == 400
