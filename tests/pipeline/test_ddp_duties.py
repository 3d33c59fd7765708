"""DDP: the duty quote made when the order is placed is paid with the goods into escrow; at
the import's release the assessment is paid to customs from escrow and the difference
settled (refunded to the buyer, or taken from the seller's part), shown to both sides."""

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from customs.models import Declaration, TariffLine
from hubs.models import Order
from logistics.models import Parcel
from payments.models import LedgerTransaction
from payments.services.accounts import duties_account, escrow_account
from payments.services.escrow import escrow_release
from payments.services.ledger import account_balance
from tests import ledger

pytestmark = pytest.mark.django_db


def ddp_order_imported(journey, *, vat_at_import=None):
    order = journey.consumer_order(quantity=2, incoterm="DDP")
    assert order.status == "awaiting_payment"
    assert order.duties_quoted.amount > 0
    intent = order.payment_intent
    assert intent.amount_minor == 9000 + intent.duties_minor  # 2 × 45.00 and the quote
    order = journey.pay(order)
    if vat_at_import is not None:  # the tariff changed between checkout and arrival
        TariffLine.objects.filter(country="CN", hs_code="621410").update(
            sales_tax_percent=vat_at_import
        )
    parcel = journey.ship(order)
    imported = Declaration.objects.get(order=order, regime="CN_CBEC_IMPORT")
    assert imported.status == "released", (imported.match_differences, imported.match_records)
    return Order.objects.get(pk=order.pk), parcel


def escrow_of(order):
    return account_balance(escrow_account(order=order)).amount


def customs_owed(journey):
    return account_balance(duties_account(hub=journey.world.hgh, currency="MYR")).amount


def test_the_quote_is_held_and_paid_to_customs_and_the_seller_gets_the_goods(journey):
    order, parcel = ddp_order_imported(journey)
    intent = order.payment_intent
    assert intent.duties_assessed_minor == intent.duties_minor  # the same engine and rate
    assert customs_owed(journey) == intent.duties.amount
    assert escrow_of(order) == Decimal("90.00")  # the goods
    journey.deliver(parcel)
    journey.run(escrow_release, order=Order.objects.get(pk=order.pk), actor_label="b", reason="ok")
    order.refresh_from_db()
    assert (order.settlement.held_minor, order.settlement.fee_minor) == (9000, 325)
    assert escrow_of(order) == 0
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
    # the buyer is told, and both sides see the figures on the payment page
    assert any("import duties" in m.subject for m in mail.outbox)
    client = Client()
    client.force_login(journey.world.seller_owner)
    page = client.get(f"/payments/orders/{order.reference}/").content.decode()
    assert "Import duties and taxes (DDP)" in page and "assessed" in page


def test_an_assessment_below_the_quote_refunds_the_buyer(journey):
    order, _parcel = ddp_order_imported(journey, vat_at_import=Decimal("6"))
    intent = order.payment_intent
    assert 0 < intent.duties_assessed_minor < intent.duties_minor
    refund = LedgerTransaction.objects.get(kind="refund")
    assert refund.entries.get(amount_minor__lt=0).amount_minor == -(
        intent.duties_minor - intent.duties_assessed_minor
    )
    assert escrow_of(order) == Decimal("90.00")  # the goods stay whole
    assert ledger.ledger_balanced()


def test_an_assessment_above_the_quote_is_taken_from_the_sellers_part(journey):
    order, parcel = ddp_order_imported(journey, vat_at_import=Decimal("20"))
    intent = order.payment_intent
    above = intent.duties_assessed_minor - intent.duties_minor
    assert above > 0
    assert escrow_of(order) == Decimal("90.00") - Decimal(above) / 100
    journey.deliver(parcel)
    journey.run(escrow_release, order=Order.objects.get(pk=order.pk), actor_label="b", reason="ok")
    order.refresh_from_db()
    assert order.settlement.held_minor == 9000 - above
    assert order.settlement.fee_minor == 325  # the fee is on the goods, as for any order
    assert any("above the quote" in m.body for m in mail.outbox)
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_a_dap_order_moves_no_duties_through_escrow(journey):
    order = journey.pay(journey.consumer_order(quantity=2))
    assert order.duties_quoted is None and order.payment_intent.duties_minor == 0
    journey.ship(order)
    assert not LedgerTransaction.objects.filter(kind="duties").exists()
    assert escrow_of(order) == Decimal("90.00")


def test_a_lost_parcel_of_a_ddp_order_refunds_its_goods_not_the_duties(journey):
    from logistics.services.floor import parcel_exception

    order = journey.pay(journey.consumer_order(quantity=2, incoterm="DDP"))
    parcels = [journey.receive(parcel) for parcel in journey.pack_singly(order)]
    journey.consolidate()
    journey.depart()
    journey.land()  # the import is released and its duties paid from escrow
    journey.run(
        parcel_exception,
        parcel=Parcel.objects.get(pk=parcels[1].pk),
        reason="Crushed",
        actor=journey.world.hgh_operator,
    )
    order = Order.objects.get(pk=order.pk)
    assert escrow_of(order) == Decimal("45.00")  # one scarf's worth left for the seller
    journey.deliver(parcels[0])
    journey.run(escrow_release, order=Order.objects.get(pk=order.pk), actor_label="b", reason="ok")
    order.refresh_from_db()
    assert order.settlement.held_minor == 4500
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_duties_of_an_order_refunded_meanwhile_are_left_alone(journey):
    from payments.services.duties import escrow_duties_settle
    from payments.services.escrow import escrow_refund

    order = journey.pay(journey.consumer_order(quantity=2, incoterm="DDP"))
    escrow_refund(order=order, actor_label="officer", reason="Refunded")
    assert (
        escrow_duties_settle(
            order=Order.objects.get(pk=order.pk),
            assessed=order.duties_quoted,
            declaration_reference="D1",
        )
        is None
    )
    assert escrow_of(order) == 0 and ledger.ledger_balanced()
