"""Escrow release (less the platform fee) and refund, with the order's status, never apart."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from moneyed import Money

from ewtp.common.errors import ConflictError
from hubs.models import Order
from hubs.services.orders import order_transition
from hubs.services.placement import LineRequest, OrderRequest, order_place
from payments.models import FeeSchedule
from payments.services.accounts import bank_clearing_account, customer_account, fees_account
from payments.services.escrow import escrow_refund, escrow_release, escrow_release_due
from payments.services.intents import (
    BankTransfer,
    escrow_balance,
    payment_intent_open,
    payment_receive,
)
from payments.services.ledger import account_balance
from payments.services.settlement import platform_fee
from tests import factories, ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(kul, hgh, bank):
    FeeSchedule.objects.create(
        hub=kul, percent="2.50", fixed_minor=100, currency="MYR", effective_from=date(2024, 1, 1)
    )
    return ledger.paid_order(destination_hub=hgh, bank=bank)


deliver, ledger_balanced = ledger.deliver, ledger.ledger_balanced


def test_platform_fee_is_percentage_plus_fixed(paid_order):
    assert platform_fee(order=paid_order) == Money("3.25", "MYR")  # 2.5 % of 90.00 + 1.00


def test_release_pays_the_seller_less_the_fee_and_completes_the_order(paid_order):
    order = deliver(paid_order)
    escrow_release(order=order, actor_label="buyer@example.com", reason="Received")
    order.refresh_from_db()
    assert order.status == "completed"
    assert escrow_balance(order=order) == Money("0.00", "MYR")
    assert account_balance(customer_account(organization=order.seller, currency="MYR")) == Money(
        "86.75", "MYR"
    )
    assert account_balance(fees_account(hub=order.origin_hub, currency="MYR")) == Money(
        "3.25", "MYR"
    )
    assert ledger_balanced()


@pytest.mark.parametrize("status", ["paid", "in_customs", "shipped", "disputed"])
def test_release_is_refused_before_delivery_and_during_a_dispute(paid_order, status):
    order = paid_order
    if status != "paid":
        order = order_transition(order=order, to="in_customs", actor_label="t")
    if status in ("shipped", "disputed"):
        order = order_transition(order=order, to="shipped", actor_label="t")
    if status == "disputed":
        order = order_transition(order=order, to="disputed", actor_label="t", reason="Damaged")
    with pytest.raises(ConflictError, match="cannot be released"):
        escrow_release(order=order, actor_label="x", reason="x")
    assert escrow_balance(order=order) == Money("90.00", "MYR")


def test_release_happens_once(paid_order):
    order = deliver(paid_order)
    escrow_release(order=order, actor_label="a", reason="r")
    with pytest.raises(ConflictError):
        escrow_release(order=order, actor_label="a", reason="r")
    assert account_balance(customer_account(organization=order.seller, currency="MYR")) == Money(
        "86.75", "MYR"
    )


def test_the_confirmation_window_releases_by_itself(paid_order, settings):
    order = deliver(paid_order)
    assert order.confirmation_due_at == pytest.approx(
        timezone.now() + settings.ESCROW_CONFIRMATION_WINDOW, abs=timedelta(minutes=1)
    )
    fresh = deliver(_another_paid_order(order))
    assert escrow_release_due() == 0
    Order.objects.filter(pk=order.pk).update(
        confirmation_due_at=timezone.now() - timedelta(minutes=1)
    )
    assert escrow_release_due() == 1
    order.refresh_from_db()
    fresh.refresh_from_db()
    assert (order.status, fresh.status) == ("completed", "delivered")


def test_a_paused_window_is_not_released_and_resumes_with_its_pause_added(paid_order):
    from hubs.services.orders import order_confirmation_pause, order_confirmation_resume

    order = deliver(paid_order)
    due = order.confirmation_due_at
    order = order_confirmation_pause(order=order, reason="customs hold", actor_label="t")
    assert escrow_release_due(now=due + timedelta(days=30)) == 0
    paused_for = timedelta(days=2)
    Order.objects.filter(pk=order.pk).update(
        confirmation_paused_at=order.confirmation_paused_at - paused_for
    )
    order = order_confirmation_resume(order=order, reason="released", actor_label="t")
    assert order.confirmation_due_at == pytest.approx(due + paused_for, abs=timedelta(seconds=5))
    assert escrow_release_due(now=due + timedelta(seconds=1)) == 0  # still within the window
    assert escrow_release_due(now=order.confirmation_due_at + timedelta(seconds=1)) == 1


def _another_paid_order(order):
    product = order.lines.get().product
    other = order_place(
        request=OrderRequest(
            seller=order.seller,
            destination_hub=order.destination_hub,
            buyer=order.buyer,
            lines=[LineRequest(product.pk, 1)],
        ),
        actor=None,
    )
    payment_intent_open(order=other)
    payment_receive(
        order_reference=other.reference,
        transfer=BankTransfer(
            bank=order.payment_intent.payments.get().bank,
            bank_reference="R2",
            amount=Money("45.00", "MYR"),
            payer_name="Buyer",
        ),
    )
    other.refresh_from_db()
    return other


def test_refund_returns_escrow_to_the_payers_bank(paid_order, bank):
    order = order_transition(order=paid_order, to="in_customs", actor_label="customs")
    escrow_refund(order=order, actor_label="customs", reason="Rejected at import")
    order.refresh_from_db()
    assert order.status == "refunded"
    assert escrow_balance(order=order) == Money("0.00", "MYR")
    assert account_balance(bank_clearing_account(bank=bank, currency="MYR")) == Money("0.00", "MYR")
    assert ledger_balanced()


def test_the_buyer_confirms_receipt_in_the_portal(client, paid_order):
    order = deliver(paid_order)
    client.force_login(order.buyer.memberships.get().user)
    assert client.get(f"/payments/orders/{order.reference}/").context["may_confirm"]
    client.post(f"/payments/orders/{order.reference}/", {"confirm": "1"})
    order.refresh_from_db()
    assert order.status == "completed"
    client.force_login(factories.member(order.seller))
    assert client.post(f"/payments/orders/{order.reference}/", {"confirm": "1"}).status_code == 403


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_releases_of_the_same_escrow_one_succeeds(kul, hgh):
    import threading

    bank = factories.api_client(kind="bank", name="CIMB", scopes=["payments:write"]).client
    order = deliver(ledger.paid_order(destination_hub=hgh, bank=bank))
    outcomes, barrier = [], threading.Barrier(20)

    def release():
        barrier.wait()
        try:
            escrow_release(order=order, actor_label="race", reason="race")
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=release) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == 19
    assert account_balance(customer_account(organization=order.seller, currency="MYR")) == Money(
        "90.00", "MYR"
    )
    assert ledger_balanced()


def test_a_dispute_freezes_escrow_until_an_officer_splits_it(client, paid_order, bank):
    order = deliver(paid_order)
    buyer_user = order.buyer.memberships.get().user
    client.force_login(buyer_user)
    client.post(
        f"/payments/orders/{order.reference}/", {"dispute": "1", "reason": "Two scarves torn"}
    )
    order.refresh_from_db()
    assert order.status == "disputed"
    with pytest.raises(ConflictError):
        escrow_release(order=order, actor_label="x", reason="x")
    assert escrow_release_due(now=timezone.now() + timedelta(days=60)) == 0  # frozen, even later

    officer = factories.UserFactory(official_role="mdec_officer")
    client.force_login(officer)
    page = client.get(f"/payments/orders/{order.reference}/")
    assert page.context["may_resolve"]
    client.post(
        f"/payments/orders/{order.reference}/",
        {"resolve": "1", "decision": "split", "seller_share": "60.00", "reason": "Half damaged"},
    )
    order.refresh_from_db()
    assert order.status == "completed"
    assert escrow_balance(order=order) == Money("0.00", "MYR")
    # the fee is taken on the share settled: 2.5 % of 60.00 + 1.00
    seller_gets = Money("60.00", "MYR") - Money("2.50", "MYR")
    assert (
        account_balance(customer_account(organization=order.seller, currency="MYR")) == seller_gets
    )
    assert account_balance(bank_clearing_account(bank=bank, currency="MYR")) == Money(
        "-60.00", "MYR"
    )
    assert ledger_balanced()


@pytest.mark.parametrize(
    ("decision", "share", "message"),
    [
        ("split", "0", "between 0 and"),
        ("split", "90.01", "between 0 and"),
        ("split", "", "between 0 and"),
        ("keep", "", "Decide release, refund, or split"),
    ],
)
def test_bad_dispute_decisions_are_refused_and_move_nothing(paid_order, decision, share, message):
    from ewtp.common.errors import ApplicationError
    from payments.services.escrow import dispute_open, dispute_resolve

    order = deliver(paid_order)
    dispute_open(order=order, actor=order.buyer.memberships.get().user, reason="broken")
    officer = factories.UserFactory(official_role="mdec_officer")
    with pytest.raises(ApplicationError, match=message):
        dispute_resolve(
            order=order,
            actor=officer,
            decision=decision,
            reason="r",
            seller_share=Money(share, "MYR") if share else None,
        )
    assert escrow_balance(order=order) == Money("90.00", "MYR")


def test_only_officers_resolve_and_only_buyers_dispute(paid_order):
    from ewtp.common.errors import NotAllowedError
    from payments.services.escrow import dispute_open, dispute_resolve

    order = deliver(paid_order)
    with pytest.raises(NotAllowedError):
        dispute_open(order=order, actor=factories.member(order.seller), reason="x")
    dispute_open(order=order, actor=order.buyer.memberships.get().user, reason="broken")
    with pytest.raises(NotAllowedError):
        dispute_resolve(
            order=order, actor=factories.member(order.seller), decision="release", reason="r"
        )
    officer = factories.UserFactory(official_role="mdec_officer")
    dispute_resolve(order=order, actor=officer, decision="refund", reason="Not as described")
    order.refresh_from_db()
    assert order.status == "refunded"
    assert escrow_balance(order=order) == Money("0.00", "MYR")
