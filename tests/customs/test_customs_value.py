"""The customs value from its parts: the order's shipping and insurance charges, priced at
placement from the origin hub's rates in force, are paid by the buyer with the goods, go to
the hub at settlement, and reach the import declaration as freight and insurance, so that
duty and tax are assessed on CIF (goods + freight + insurance); the export stays FOB.

The example, by hand: 2 kg on KUL → HGH at RM 12.00/kg, minimum RM 20.00 → freight 24.00;
cargo insurance 0.5 % of (goods 400.00 + freight 24.00) = 2.12; CIF 426.12."""

import base64
import re
import zlib
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from moneyed import Money

from customs.documents import declaration_pdf
from customs.models import CustomsExchangeRate, TariffLine
from customs.selectors import declaration_customs_value
from customs.services.filing import declaration_create
from customs.services.matching import match_differences, records_as_json
from customs.services.quotes import duty_quote
from customs.services.tariff import tariff_load_bundled
from ewtp.common.models import AuditEntry
from hubs.models import ERoad
from hubs.services.carriage import cargo_insurance_rate_publish, shipping_rate_publish
from hubs.services.placement import LineRequest, OrderRequest, order_place
from payments.models import FeeSchedule, Settlement
from payments.services.accounts import (
    carriage_account,
    customer_account,
    escrow_account,
    fees_account,
    insurance_account,
)
from payments.services.escrow import escrow_release
from payments.services.fx import fx_quote, fx_rates_load
from payments.services.intents import BankTransfer, payment_intent_open, payment_receive
from payments.services.ledger import account_balance
from pipeline.customs_filing import export_request, import_quote_request, import_request
from pipeline.step_02_export_declared import _paid_in_order_currency
from tests import factories, ledger
from tests.api.test_trade_api import b2c, trade  # noqa: F401 - a fixture

from .support import agreeing_records, submit_and_process
from .test_declarations import request as cbec_request

pytestmark = pytest.mark.django_db
D = Decimal


def myr(amount: str) -> Money:
    return Money(amount, "MYR")


def publish_shipping(*, currency="MYR", per_kg="12.00", minimum="20.00", **dates):
    kul, hgh = factories.open_eroads()
    return shipping_rate_publish(
        eroad=ERoad.objects.get(origin=kul, destination=hgh),
        currency=currency,
        per_kg=D(per_kg),
        minimum=D(minimum),
        effective_from=dates.get("effective_from", date(2024, 1, 1)),
        effective_to=dates.get("effective_to"),
        source="KUL eHub tariff of carriage (indicative test figures)",
        legal_source="Contract of carriage under the hub's terms of trade",
    )


def publish_insurance(percent="0.500"):
    return cargo_insurance_rate_publish(
        hub=factories.hub("KUL"),
        percent=D(percent),
        effective_from=date(2024, 1, 1),
        source="KUL eHub cargo insurance premium (indicative test figures)",
        legal_source="The hub's open cover cargo policy",
    )


@pytest.fixture
def kul_rates(kul, hgh):
    """RM 12.00 per kg, minimum RM 20.00, on KUL → HGH; KUL insures at 0.5 %."""
    publish_shipping()
    publish_insurance()


def place(*, quantity=2, price="200.00", weight="1.000", incoterm="DAP", payment_currency=""):
    """A Hangzhou buyer's order of ``quantity`` pieces at ``price`` MYR and ``weight`` kg each
    from a KUL seller."""
    _kul, hgh = factories.open_eroads()
    product = factories.ProductFactory(
        unit_price=myr(price), unit_weight_kg=D(weight), hs_code="621410", stock=10
    )
    buyer = factories.BuyerFactory()
    return order_place(
        request=OrderRequest(
            seller=product.seller,
            destination_hub=hgh,
            buyer=buyer,
            lines=[LineRequest(product.pk, quantity)],
            incoterm=incoterm,
            payment_currency=payment_currency,
        ),
        actor=factories.member(buyer),
    )


def cn_rates_and_tariff():
    """China's customs rate for MYR (1.5 CNY, test data) and the bundled tariff, whose
    621410 line charges 6 % duty and 13 % VAT."""
    tariff_load_bundled()
    CustomsExchangeRate.objects.create(
        country="CN",
        currency="MYR",
        rate=D("1.5"),
        valid_from=timezone.localdate(),
        source="TEST",
    )
    line = TariffLine.objects.in_force(timezone.localdate()).get(country="CN", hs_code="621410")
    assert (line.duty_percent, line.sales_tax_percent, line.excise_percent) == (
        D("6.00"),
        D("13.00"),
        D("0.00"),
    )


# --- placement ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "shipping", "insurance", "due"),
    [
        (2, "24.00", "2.12", "426.12"),  # 2 kg × 12.00 = 24.00; 0.5 % of 424.00 = 2.12
        (1, "20.00", "1.10", "221.10"),  # 1 kg × 12.00 under the minimum: 20.00; 0.5 % of 220
    ],
)
def test_placement_prices_shipping_and_insurance_from_the_rates_in_force(
    kul_rates, quantity, shipping, insurance, due
):
    order = place(quantity=quantity)
    assert order.total_weight_kg == D(quantity)
    assert order.shipping_charge == myr(shipping)
    assert order.insurance_charge == myr(insurance)
    assert order.total == myr(str(200 * quantity) + ".00")  # the goods only
    assert order.amount_due == myr(due)
    placed = AuditEntry.objects.get(action="hubs.order.placed", target_id=str(order.pk))
    assert (placed.data["shipping_charge"], placed.data["insurance_charge"]) == (
        shipping,
        insurance,
    )
    intent = payment_intent_open(order=order)
    assert intent.amount == myr(due) and intent.duties_minor == 0


def test_without_a_rate_in_force_nothing_is_charged_and_no_freight_is_declared(kul, hgh, client):
    publish_shipping(effective_to=timezone.localdate() - timedelta(days=1))  # ended yesterday
    publish_insurance()
    order = place()
    assert order.shipping_charge is None and order.insurance_charge is None
    assert not order.carried_by_hub
    assert order.amount_due == order.total == myr("400.00")
    request = import_request(order, waybill="HGH1")
    assert (request.freight, request.insurance) == (D(0), D(0))

    client.force_login(order.buyer.memberships.first().user)
    page = client.get(f"/orders/{order.reference}/").content.decode()
    assert "Arranged outside the platform" in page


def test_a_later_rate_replaces_an_earlier_one_from_its_date(kul_rates):
    publish_shipping(per_kg="15.00", minimum="20.00", effective_from=timezone.localdate())
    assert place().shipping_charge == myr("30.00")  # 2 kg × 15.00


def fixed_usd_rate(*, source, to):
    assert (source, to) == ("USD", "MYR")
    return D("4.4000"), "TEST", timezone.localdate()


def test_a_tariff_in_another_currency_is_converted_to_the_sellers(kul, hgh, settings):
    settings.CHARGES_FX_RATE = "tests.customs.test_customs_value.fixed_usd_rate"
    publish_shipping(currency="USD", per_kg="3.00", minimum="5.00")
    publish_insurance()
    order = place()
    # 2 kg × USD 3.00 = USD 6.00 × 4.40 = RM 26.40; 0.5 % of 426.40 = 2.132 → 2.13
    assert order.shipping_charge == myr("26.40")
    assert order.insurance_charge == myr("2.13")
    placed = AuditEntry.objects.get(action="hubs.order.placed", target_id=str(order.pk))
    assert placed.data["fx"]["rate"] == "4.4000" and placed.data["fx"]["source"] == "TEST"


def test_the_payments_reference_rate_converts_a_tariff_without_spread(kul, hgh, settings):
    settings.FX_SPREAD_PERCENT = D("0.50")
    fx_rates_load()
    publish_shipping(currency="USD", per_kg="3.00", minimum="5.00")
    order = place()
    market = fx_quote(amount=Money(1, "USD"), to="MYR", spread_percent=0).market_rate
    assert order.shipping_charge == myr(str((6 * market).quantize(D("0.01"), ROUND_HALF_UP)))
    assert order.insurance_charge is None  # KUL publishes no premium here


# --- declarations -------------------------------------------------------------------------


def test_the_import_is_declared_and_assessed_at_cif(kul_rates):
    cn_rates_and_tariff()
    order = place()
    declaration = declaration_create(
        request=import_request(order, waybill="HGH100000011"), actor_label="pipeline"
    )
    declaration = submit_and_process(declaration)
    assert (declaration.currency, declaration.freight, declaration.insurance) == (
        "MYR",
        D("24.00"),
        D("2.12"),
    )
    value = declaration_customs_value(declaration=declaration)
    assert (value.fob, value.cif) == (D("400.00"), D("426.12"))
    # CIF in CNY: 426.12 × 1.5 = 639.18; duty 6 % = 38.3508 → 38.35;
    # VAT 13 % of (639.18 + 38.35 = 677.53) = 88.0789 → 88.08
    lines = {line.tax: (line.base, line.amount) for line in declaration.assessment_lines.all()}
    assert lines == {"duty": (D("639.18"), D("38.35")), "vat": (D("677.53"), D("88.08"))}
    assert declaration.total_tax == D("126.43")


def pdf_text(content: bytes) -> str:
    """The text drawn in a PDF's content streams (ReportLab compresses them)."""
    streams = re.findall(rb"\bstream\r?\n(.*?)endstream", content, re.DOTALL)
    text = []
    for stream in streams:
        try:  # ASCII85 (ended by ~>), then Flate: ReportLab's default filters
            ascii85 = stream.strip().removesuffix(b"~>")
            text.append(zlib.decompress(base64.a85decode(ascii85)).decode("latin-1"))
        except ValueError:
            text.append(stream.decode("latin-1"))
    return "".join(text)


def test_the_declaration_page_and_pdf_state_fob_freight_insurance_and_cif(kul_rates, client):
    cn_rates_and_tariff()
    order = place()
    declaration = declaration_create(
        request=import_request(order, waybill="HGH100000011"), actor_label="pipeline"
    )
    client.force_login(order.buyer.memberships.first().user)
    page = client.get(f"/customs/mine/{declaration.reference}/")
    assert page.status_code == 200
    text = page.content.decode()
    for fact in ("Goods (FOB)", "400.00", "Freight", "24.00", "Insurance", "2.12"):
        assert fact in text
    assert "Customs value (CIF)</dt><dd>426.12 MYR" in text
    pdf = pdf_text(declaration_pdf(declaration))
    for fact in ("FOB", "400.00 MYR", "Freight", "24.00 MYR", "2.12 MYR", "CIF", "426.12 MYR"):
        assert fact in pdf, fact


def test_the_export_is_declared_fob_and_compared_with_the_goods_paid(kul_rates):
    tariff_load_bundled()
    order = place()
    intent = payment_intent_open(order=order)
    paid = _paid_in_order_currency(
        order,
        SimpleNamespace(currency="MYR", amount_minor=intent.amount_minor, intent_id=intent.pk),
    )
    assert paid == D("400.00")  # of 426.12 paid, the goods' part
    request = export_request(order, paid=paid)
    assert (request.freight, request.insurance) == (D(0), D(0))
    assert sum(item.value for item in request.items) == D("400.00")


def test_the_ddp_quote_includes_freight_and_insurance(kul_rates):
    cn_rates_and_tariff()
    order = place(incoterm="DDP")
    request = import_quote_request(order)
    assert (request.freight, request.insurance) == (D("24.00"), D("2.12"))
    # the import's 126.43 CNY (as assessed above) ÷ 1.5 = 84.2866… → RM 84.29
    assert duty_quote(request=request).total_in_currency == D("84.29")


def test_the_three_records_match_the_cif_the_buyer_paid(hgh):
    """What the buyer paid (less the taxes) is the goods with their freight and insurance:
    it agrees with the declaration's CIF, not with the goods alone."""
    tariff_load_bundled()
    declaration = declaration_create(
        request=cbec_request(hgh, freight=D("20.00"), insurance=D("0.55"), waybill="HGH1"),
        actor_label="t",
    )
    items = list(declaration.items.all())
    amounts = {"order.amount", "payment.amount"}

    def differing(amount: Decimal) -> set:
        records = agreeing_records(declaration)  # of the goods alone: 180.00
        for name in ("order", "payment"):
            records[name] = replace(records[name], amount=amount)
        declaration.match_records = records_as_json(**records)
        return {d["field"] for d in match_differences(declaration, items)} & amounts

    assert differing(D("200.55")) == set()  # 180.00 + 20.00 + 0.55
    assert differing(D("180.00")) == amounts


# --- settlement ---------------------------------------------------------------------------


def paid(order, bank):
    intent = payment_intent_open(order=order)
    payment_receive(
        order_reference=order.reference,
        transfer=BankTransfer(bank=bank, bank_reference="R1", amount=intent.amount, payer_name="B"),
    )
    order.refresh_from_db()
    return order


def test_settlement_pays_the_hub_its_charges_and_the_ledger_balances(kul_rates, bank):
    kul = factories.hub("KUL")
    FeeSchedule.objects.create(
        hub=kul, percent="2.50", fixed_minor=100, currency="MYR", effective_from=date(2024, 1, 1)
    )
    order = ledger.deliver(paid(place(), bank))
    assert account_balance(escrow_account(order=order)) == myr("426.12")
    escrow_release(order=order, actor_label="buyer", reason="Received")

    settlement = Settlement.objects.get(order=order)
    # the fee is on the goods: 2.5 % of 400.00 + 1.00 = 11.00
    assert (settlement.converted, settlement.shipping, settlement.insurance) == (
        myr("426.12"),
        myr("24.00"),
        myr("2.12"),
    )
    assert (settlement.gross, settlement.fee, settlement.net) == (
        myr("400.00"),
        myr("11.00"),
        myr("389.00"),
    )
    assert account_balance(carriage_account(hub=kul, currency="MYR")) == myr("24.00")
    assert account_balance(insurance_account(hub=kul, currency="MYR")) == myr("2.12")
    assert account_balance(fees_account(hub=kul, currency="MYR")) == myr("11.00")
    seller = customer_account(organization=order.seller, currency="MYR")
    assert account_balance(seller) == myr("389.00")
    assert account_balance(escrow_account(order=order)) == myr("0")
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_a_buyer_paying_in_cny_settles_the_hub_its_charges_in_full(kul_rates, bank, settings):
    settings.FX_SPREAD_PERCENT = D("0.50")
    fx_rates_load()
    kul = factories.hub("KUL")
    order = ledger.deliver(paid(place(payment_currency="CNY"), bank))
    held = account_balance(escrow_account(order=order))
    escrow_release(order=order, actor_label="buyer", reason="Received")

    settlement = Settlement.objects.get(order=order)
    converted = fx_quote(amount=held, to="MYR").target  # less the spread
    assert settlement.converted == converted
    assert account_balance(carriage_account(hub=kul, currency="MYR")) == myr("24.00")
    assert account_balance(insurance_account(hub=kul, currency="MYR")) == myr("2.12")
    assert settlement.net == converted - myr("26.12")  # no fee schedule here
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_the_seller_sees_the_hubs_charges_in_its_settlement_figures(kul_rates, bank, client):
    order = ledger.deliver(paid(place(), bank))
    client.force_login(factories.member(order.seller))
    page = f"/payments/orders/{order.reference}/"
    preview = client.get(page).context["preview"]
    assert (preview.shipping, preview.insurance, preview.net) == (
        myr("24.00"),
        myr("2.12"),
        myr("400.00"),
    )
    escrow_release(order=order, actor_label="buyer", reason="Received")
    text = client.get(page).content.decode()
    assert "Shipping, to the origin hub" in text and "MYR24.00" in text


# --- pages and the API --------------------------------------------------------------------


def test_the_order_page_shows_goods_shipping_insurance_and_total(kul_rates, client):
    order = place()
    client.force_login(order.buyer.memberships.first().user)
    text = client.get(f"/orders/{order.reference}/").content.decode()
    for fact in ("Goods", "MYR400.00", "Shipping", "MYR24.00", "Cargo insurance", "MYR2.12"):
        assert fact in text
    assert '<th colspan="6">Total</th><th>MYR426.12</th>' in text


def test_the_cart_shows_the_charges_before_the_order_is_placed(kul_rates, client):
    factories.open_eroads()
    product = factories.ProductFactory(unit_price=myr("200.00"), unit_weight_kg=D("1.000"))
    buyer = factories.BuyerFactory(kyc_status="approved")
    client.force_login(factories.member(buyer))
    added = client.post(f"/catalogue/{product.public_id}/add/", {"quantity": 2})
    assert added.status_code == 302
    response = client.get("/cart/")
    charges = response.context["charges"]
    assert (charges.shipping, charges.insurance, charges.cif) == (
        myr("24.00"),
        myr("2.12"),
        myr("426.12"),
    )


def test_the_channel_api_returns_the_shipping_and_insurance_charges(api, trade, kul_rates):  # noqa: F811
    response = api.post("/api/v1/orders/", b2c(trade), format="json", **trade["as_channel"])
    assert response.status_code == 201, response.content
    order = response.json()
    # 2 scarves of 0.150 kg: 0.3 kg × 12.00 = 3.60, under the minimum 20.00;
    # insurance 0.5 % of (90.00 + 20.00) = 0.55
    assert order["total"] == {"amount": "90.00", "currency": "MYR"}
    assert order["shipping_charge"] == {"amount": "20.00", "currency": "MYR"}
    assert order["insurance_charge"] == {"amount": "0.55", "currency": "MYR"}
    assert order["amount_due"] == {"amount": "110.55", "currency": "MYR"}
