"""An amount is ASCII digits, an optional minus and point, and no more decimals than its
currency has: nothing that a person, a spreadsheet and the hub could read differently."""

import re
from decimal import Decimal

import pytest
import yaml
from moneyed import Money

from ewtp.common.api.fields import amount_pattern
from ewtp.common.errors import ApplicationError
from ewtp.common.money import MoneyError, money_parse
from hubs.models import Order
from hubs.services.organizations import organization_api_client_create
from payments.models import Entry
from payments.services.intents import BankTransfer, payment_receive
from tests import factories
from tests.conftest import bearer, issue_token

ARABIC_INDIC_12 = "\u0661\u0662"
FULLWIDTH_12 = "\uff11\uff12"
DEVANAGARI_5 = "\u096b"


@pytest.mark.parametrize(
    "amount",
    [
        "1E+2",
        "1e2",
        " 12.00 ",
        "12.00 ",
        "12.00\n",
        "\t12",
        ARABIC_INDIC_12,
        FULLWIDTH_12,
        f"1{DEVANAGARI_5}.00",
        "1_000",
        "1,000.00",
        "+12.00",
        "12.",
        ".5",
        "--1",
        "0x10",
        "",
        "Infinity",
        "NaN",
    ],
)
def test_amounts_in_any_other_shape_are_refused(amount):
    with pytest.raises(MoneyError):
        money_parse(amount, "MYR")


@pytest.mark.parametrize(
    ("amount", "currency", "value"),
    [
        ("12", "MYR", "12"),
        ("12.5", "MYR", "12.5"),
        ("-0.01", "MYR", "-0.01"),
        ("1798.00", "MYR", "1798.00"),
        ("1000", "JPY", "1000"),
        ("1.234", "KWD", "1.234"),
        (12, "MYR", "12"),
        (Decimal("1E+2"), "MYR", "100"),  # a Decimal from the hub's own code is a number
    ],
)
def test_plain_amounts_are_exact(amount, currency, value):
    assert money_parse(amount, currency) == Money(Decimal(value), currency)


@pytest.mark.parametrize(
    ("amount", "currency"), [("100.0", "JPY"), ("100.", "JPY"), ("1.005", "MYR"), ("1.2345", "KWD")]
)
def test_no_more_decimals_than_the_currency_has(amount, currency):
    with pytest.raises(MoneyError):
        money_parse(amount, currency)


def test_the_reason_is_given():
    with pytest.raises(MoneyError, match="not a decimal amount"):
        money_parse("1E+2", "MYR")
    with pytest.raises(MoneyError, match="JPY has 0 decimal places"):
        money_parse("100.0", "JPY")
    with pytest.raises(MoneyError, match="finite"):
        money_parse("NaN", "MYR")


@pytest.fixture
def bank_auth(api, cimb):
    return bearer(api, cimb)


def incoming(api, order, bank_auth, amount):
    return api.post(
        "/api/v1/payments/incoming",
        {
            "order_reference": order.reference,
            "bank_reference": "CIMB-1",
            "amount": {"amount": amount, "currency": "MYR"},
            "payer": {"name": "Hangzhou Buyer"},
        },
        format="json",
        **bank_auth,
    )


def field_error(response, field):
    return next(e for e in response.json()["errors"] if e["field"] == field)


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["-100.00", "0.00", "0", "-0.01"])
def test_a_payment_that_is_not_positive_is_a_field_error_saying_so(api, order, bank_auth, amount):
    response = incoming(api, order, bank_auth, amount)
    assert response.status_code == 400
    error = field_error(response, "amount")
    assert error["code"] == "amount_not_positive"
    assert "more than zero" in error["message"]
    assert not Entry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["1E+2", " 90.00 ", ARABIC_INDIC_12])
def test_a_payment_amount_in_another_shape_is_a_field_error(api, order, bank_auth, amount):
    response = incoming(api, order, bank_auth, amount)
    assert response.status_code == 400
    assert "not a decimal amount" in field_error(response, "amount")["message"]
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_the_service_names_the_same_reason(order):
    bank = factories.api_client(kind="bank", name="CIMB", scopes=["payments:write"])
    with pytest.raises(ApplicationError) as refused:
        payment_receive(
            order_reference=order.reference,
            transfer=BankTransfer(
                bank=bank.client,
                bank_reference="R",
                amount=Money("-100.00", "MYR"),
                payer_name="X",
            ),
        )
    assert (refused.value.code, refused.value.extra) == ("amount_not_positive", {"field": "amount"})
    with pytest.raises(ApplicationError) as refused:  # the wrong currency keeps its own code
        payment_receive(
            order_reference=order.reference,
            transfer=BankTransfer(
                bank=bank.client, bank_reference="R", amount=Money("90", "CNY"), payer_name="X"
            ),
        )
    assert refused.value.code == "ledger_currency_mismatch"
    assert Order.objects.get(pk=order.pk).status == "awaiting_payment"  # nothing applied


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("price", "code"),
    [
        ("1E+2", "invalid"),
        (" 10.00", "invalid"),
        (FULLWIDTH_12, "invalid"),
        ("-5.00", "amount_not_positive"),
        ("0.00", "amount_not_positive"),
    ],
)
def test_a_product_price_over_the_api_takes_the_same_shape(api, kul, price, code):
    seller = factories.SellerFactory(home_hub=kul)
    issued = organization_api_client_create(
        organization=seller, name="ERP", actor=factories.member(seller)
    )
    token = issue_token(api, issued).json()["access_token"]
    body = {**factories.PRODUCT_BODY, "unit_price": price}
    response = api.post(
        "/api/v1/products/", body, format="json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    assert field_error(response, "unit_price")["code"] == code


@pytest.fixture
def spec(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    return yaml.safe_load(response.content)


def request_schema(spec, path):
    reference = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "$ref"
    ]
    return spec["components"]["schemas"][reference.rsplit("/", 1)[1]]


@pytest.mark.parametrize(
    ("amount", "places", "matches"),
    [
        ("1798.00", 2, True),
        ("0.01", 2, True),
        ("0.0001", 4, True),
        ("99999999999999.99", 2, True),  # the largest a money column holds
        ("100000000000000", 0, False),  # 10^14: one digit too many
        ("007", 2, False),  # leading zeros read differently in a spreadsheet
        ("0.001", 2, False),  # MYR has two places
        ("12.5", 0, False),  # JPY has none
        ("0", 2, False),
        ("0.00", 2, False),
        ("-1.00", 2, False),
        ("1E+2", 2, False),
        (" 1.00", 2, False),
    ],
)
def test_the_positive_pattern_takes_exactly_positive_amounts(amount, places, matches):
    assert bool(re.fullmatch(amount_pattern(places, positive=True), amount)) is matches


def _branch(money_schema, currency):
    return next(b for b in money_schema["oneOf"] if currency in b["properties"]["currency"]["enum"])


def test_the_schema_states_the_places_of_each_currency(spec):
    payment = request_schema(spec, "/api/v1/payments/incoming")["properties"]["amount"]
    for currency, places in [("MYR", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)]:
        pattern = _branch(payment, currency)["properties"]["amount"]["pattern"]
        assert pattern == amount_pattern(places, positive=True)
    product = request_schema(spec, "/api/v1/products/")
    assert product["properties"]["unit_price"]["pattern"] == amount_pattern(4, positive=True)
    money_out = spec["components"]["schemas"]["IncomingPayment"]["properties"]["amount"]
    assert _branch(money_out, "MYR")["properties"]["amount"]["pattern"] == amount_pattern(
        2, positive=False
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "currency", "field_message"),
    [
        ("090.00", "MYR", "without leading zeros"),
        ("100000000000000", "MYR", "too large"),
        (90, "MYR", "without leading zeros"),  # a JSON number, not the string the schema says
        ("90.00", "myr", "in capitals"),
        ("90.00", "XYZ", "not an ISO 4217 currency code"),
    ],
)
def test_a_payment_amount_the_schema_does_not_admit_is_refused(
    api, order, bank_auth, amount, currency, field_message
):
    response = api.post(
        "/api/v1/payments/incoming",
        {
            "order_reference": order.reference,
            "bank_reference": "CIMB-1",
            "amount": {"amount": amount, "currency": currency},
            "payer": {"name": "Hangzhou Buyer"},
        },
        format="json",
        **bank_auth,
    )
    assert response.status_code == 400, response.content
    assert field_message in field_error(response, "amount")["message"]
    assert not Entry.objects.exists()


@pytest.mark.parametrize("currency", [[None, None], 7, {"code": "MYR"}])
def test_a_currency_that_is_not_text_is_refused_not_a_crash(currency):
    from ewtp.common.money import MoneyError, money_parse

    with pytest.raises(MoneyError):
        money_parse("1.00", currency)
