"""Step 10: a post-clearance audit's finding is billed to the declarant's organisation through
the ledger (what its balance holds, the rest owed to the hub), once; step 8 then collects
what is owed from the organisation's next settlement before paying it out, converting where
the debt is in another currency, and the ledger balances throughout."""

import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from moneyed import Money

from customs.models import Declaration
from customs.services.audits import audit_finding_raise
from hubs.models import Order
from payments.events import EscrowReleased
from payments.models import FxConversion, LedgerTransaction, Payout
from payments.services.accounts import (
    bank_clearing_account,
    customer_account,
    duties_account,
    receivable_account,
)
from payments.services.audit_duties import audit_duties_bill, owed_collected_minor
from payments.services.escrow import escrow_release
from payments.services.ledger import Posting, account_balance, ledger_post
from pipeline.step_08_paid_out import paid_out
from tests import factories, ledger
from tests.concurrency import postgres_only

pytestmark = pytest.mark.django_db


def test_an_import_found_under_declared_is_billed_and_collected_from_the_next_settlement(
    journey,
):
    world = journey.world
    order = journey.pay(journey.consumer_order(quantity=2))
    parcel = journey.ship(order)
    imported = Declaration.objects.get(order=order, regime="CN_CBEC_IMPORT")
    export = Declaration.objects.get(order=order, regime="MY_EXPORT")
    # a new exporter's first shipments go blue: both enter their hub's worklist on release
    assert (imported.lane, export.lane) == ("blue", "blue")
    assert imported.post_clearance_audit.hub == world.hgh
    assert export.post_clearance_audit.hub == world.kul
    journey.run(
        audit_finding_raise,
        audit=imported.post_clearance_audit,
        values={1: "150.00"},  # 2 scarves sold at 75.00 MYR each, declared at 45.00
        finding="The marketplace's order record shows 150.00 MYR.",
        actor=world.hgh_customs,
    )
    audit = Declaration.objects.get(pk=imported.pk).post_clearance_audit
    owed = Money(audit.amount_owed, "CNY")
    assert audit.status == "closed" and owed.amount > 0
    assert audit.billed_as_owed == owed.amount  # the seller holds no yuan
    receivable = receivable_account(organization=world.seller, currency="CNY")
    assert account_balance(receivable) == -owed
    assert account_balance(duties_account(hub=world.hgh, currency="CNY")) >= owed
    told = [m for m in mail.outbox if imported.reference in m.subject]
    assert [m.to for m in told] == [[world.seller_owner.email]]
    # the seller's statement says it in words
    client = Client()
    client.force_login(world.seller_owner)
    statement = client.get("/payments/statement/").content.decode()
    assert f"customs audit of declaration {imported.reference}" in statement

    journey.deliver(parcel)
    journey.run(escrow_release, order=Order.objects.get(pk=order.pk), actor_label="b", reason="ok")
    settlement = Order.objects.get(pk=order.pk).settlement
    collected = LedgerTransaction.objects.get(kind="owed_collected")
    conversion = FxConversion.objects.get(ledger_transaction=collected)
    assert (conversion.from_currency, conversion.to_currency) == ("MYR", "CNY")
    assert conversion.to_minor == int(owed.amount * 100)
    assert account_balance(receivable).amount == 0
    taken = owed_collected_minor(settlement=settlement)
    assert taken == conversion.from_minor > 0
    payout = Payout.objects.get(settlement=settlement)
    assert payout.amount_minor == settlement.net_minor - taken
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def _owe(organization, hub, amount: str, key: str = "1"):
    return audit_duties_bill(
        organization=organization,
        hub=hub,
        amount=Money(amount, "MYR"),
        audit_key=key,
        declaration_reference="DKUL000000000001",
    )


def test_a_debt_in_the_settlements_currency_is_taken_before_the_payout(
    kul, hgh, bank, django_capture_on_commit_callbacks
):
    order = ledger.deliver(ledger.paid_order(destination_hub=hgh, bank=bank))
    billed = _owe(order.seller, kul, "12.34")
    assert (billed.from_balance.amount, billed.owed.amount) == (0, Decimal("12.34"))
    settlement = ledger.release(order, django_capture_on_commit_callbacks).settlement
    assert owed_collected_minor(settlement=settlement) == 1234
    assert Payout.objects.get().amount_minor == settlement.net_minor - 1234
    receivable = receivable_account(organization=order.seller, currency="MYR")
    assert account_balance(receivable).amount == 0
    # the same settlement's event again collects nothing more
    paid_out(EscrowReleased.of(settlement))
    assert LedgerTransaction.objects.filter(kind="owed_collected").count() == 1
    assert Payout.objects.count() == 1
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_a_debt_larger_than_the_settlement_takes_it_all_and_the_rest_stays_owed(
    kul, hgh, bank, django_capture_on_commit_callbacks
):
    order = ledger.deliver(ledger.paid_order(destination_hub=hgh, bank=bank))
    _owe(order.seller, kul, "500.00")
    settlement = ledger.release(order, django_capture_on_commit_callbacks).settlement
    assert owed_collected_minor(settlement=settlement) == settlement.net_minor
    assert not Payout.objects.exists()  # nothing left to pay out
    receivable = receivable_account(organization=order.seller, currency="MYR")
    assert account_balance(receivable) == Money("-500.00", "MYR") + settlement.net
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_billing_twice_for_one_audit_posts_once(kul):
    seller = factories.SellerFactory(home_hub=kul)
    first = _owe(seller, kul, "10.00", key="7")
    again = _owe(seller, kul, "10.00", key="7")
    assert again.ledger_transaction == first.ledger_transaction
    assert LedgerTransaction.objects.filter(kind="audit_duties").count() == 1
    assert account_balance(duties_account(hub=kul, currency="MYR")) == Money("10.00", "MYR")
    assert ledger.ledger_balanced()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_finding_bill_it_once_and_never_overdraw(kul):
    seller = factories.SellerFactory(home_hub=kul)
    bank = factories.api_client(kind="bank", name="Bank").client
    ledger_post(
        kind="adjustment",
        description="opening balance",
        postings=[
            Posting(bank_clearing_account(bank=bank, currency="MYR"), Money("-5.00", "MYR")),
            Posting(customer_account(organization=seller, currency="MYR"), Money("5.00", "MYR")),
        ],
    )
    outcomes, barrier = [], threading.Barrier(8)

    def bill():
        barrier.wait()
        try:
            outcomes.append(_owe(seller, kul, "10.00", key="9").ledger_transaction.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=bill) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 8 and len(set(outcomes)) == 1
    assert LedgerTransaction.objects.filter(kind="audit_duties").count() == 1
    balance = customer_account(organization=seller, currency="MYR")
    assert account_balance(balance).amount == 0
    owed = receivable_account(organization=seller, currency="MYR")
    assert account_balance(owed) == Money("-5.00", "MYR")
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
