"""Schemathesis over the whole published OpenAPI document, against the hub on loopback.

Every operation and every check schemathesis has (no server error; status codes, content
types, bodies and headers as documented; schema-valid input accepted, schema-invalid input
refused; a request without its token refused; methods not offered answered 405), for a
partner bank's token and for an organisation's own token. It runs the engine of
``st run`` (the examples, coverage and fuzzing phases) against ``live_server``, so what is
tested is the document as published and the hub as served over HTTP.

Bounded: a fixed seed, derandomised generation, a few fuzzed examples per operation and a
request timeout; about a minute per token on PostgreSQL.

    DATABASE_URL=postgres://... .venv/bin/pytest -m schemathesis

The world is built so that what the operations name exists (orders, products, waybills,
payouts, declarations, a credit application, webhook endpoints), and ``world_values`` puts
those into the requests schemathesis generates as valid: an order reference it invents
would only ever meet a 404. It also keeps generated valid requests to the rules a schema
cannot state (one value depending on another, a code that must exist), each named there.
"""

import uuid
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal
from urllib.parse import parse_qs, urlparse

import pytest
import schemathesis
import schemathesis.engine
from django.db import connections
from django.utils import timezone
from moneyed import Money
from rest_framework.test import APIClient
from schemathesis.engine import StopReason, events

from customs.services.filing import (
    ItemRequest,
    declaration_create,
    declaration_request_of_organization,
)
from demo.world_partners import BANK_SCOPES as DEMO_BANK_SCOPES
from ewtp.common.api_clients import api_client_secret_rotate, api_client_update
from ewtp.common.idempotency import MAX_KEY_LENGTH
from ewtp.common.webhook_endpoints import webhook_endpoint_create
from hubs.services.organizations import ORGANIZATION_CLIENT_SCOPES, organization_api_client_create
from payments.models import CollectionAccount, CreditApplication, Payout
from payments.services.collection_accounts import collection_account_save
from payments.services.credit import CreditRequest, credit_apply, credit_score_record
from payments.services.escrow import escrow_release
from payments.services.fx import fx_rates_load
from payments.services.payouts import payouts_batch
from tests import factories
from tests.conftest import issue_token
from tests.journey import Journey, resident_id, world_build

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db(transaction=True)]

# the demo partner bank's scopes, all but sending statements
BANK_SCOPES = [scope for scope in DEMO_BANK_SCOPES if scope != "statements:write"]
# Subheadings of the demo catalogue lines of both countries (customs/data/schedules).
HS_CODES = ["090121", "090210", "180690", "330410", "420221", "611020", "621410", "940360"]
# a Form E in the register for Malaysian goods of each of them into China (trade_world)
CERTIFICATE = "E2026MY0000123"
HUB_OF_COUNTRY = {"MY": "KUL", "CN": "HGH"}
EXAMPLES_PER_OPERATION = 10


class AfterEachCommit:
    """The live server commits each request, so the pipeline's steps have run after each
    action already: nothing to wait for."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@dataclass
class TradeWorld:
    """What exists for the generated requests to name."""

    bank: object
    organization: object
    orders: list[str]
    waiting: str  # an order awaiting payment
    waybills: list[str]
    products: list[str]
    offered: list[str]  # another seller's products, for the organisation to buy
    other_seller: str
    batches: list[str]
    payouts: list[str]
    applications: list[str]
    declarations: list[str]
    endpoints: dict[int, str]
    cursors: list[str] = field(default_factory=list)


def _declaration(organization, hub):
    data = {
        "regime": "MY_EXPORT",
        "importer": "Hangzhou Tea House Co., Ltd.",
        "importer_id_reference": "",
        "declarant": "",
        "currency": "MYR",
        "incoterm": "DAP",
        "freight": Decimal(0),
        "insurance": Decimal(0),
        "fta_agreement": "",
        "fta_certificate": "",
        "sold_online_by_registered_seller": False,
        "air_courier": True,
        "waybill": "",
    }
    item = ItemRequest(
        hs_code="621410",
        description="Batik silk scarf",
        origin="MY",
        quantity=2,
        net_weight_kg=Decimal("0.300"),
        value=Decimal("180.00"),
    )
    return declaration_create(
        request=declaration_request_of_organization(
            organization=organization, hub=hub, order=None, data=data, items=[item]
        ),
        actor_label="ERP",
    )


@pytest.fixture
def trade_world(hs_nomenclature, settings, monkeypatch) -> TradeWorld:
    """A seller at Kuala Lumpur (the organisation) and one at Hangzhou, with products; its
    sales awaiting payment (into the hub's collection account), paid and packed, and
    delivered and paid out; a payout batch and a credit application waiting for the bank;
    draft declarations; a webhook endpoint for each client."""
    settings.CREDIT_AUTO_APPROVE_LIMIT = Decimal("1000")  # the application waits for the bank
    # The live server answers each request in a thread of its own: each closes its database
    # connection when done, so that none is open when the test database is dropped.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    journey = Journey(world_build(), AfterEachCommit)
    fx_rates_load()
    today = timezone.localdate()
    factories.certificate_of_origin(  # the Form E the generated claims name, in force today
        CERTIFICATE,
        origin="MY",
        importing="CN",
        hs_codes=HS_CODES,
        issued_on=today,
        valid_until=today + timedelta(days=364),
    )
    world = journey.world
    api_client_update(client=world.bank, is_active=True, scopes=BANK_SCOPES)
    bank = api_client_secret_rotate(client=world.bank)
    organization = organization_api_client_create(
        organization=world.seller, name="ERP", actor=world.seller_owner
    )
    products = [world.product, *factories.ProductFactory.create_batch(2, seller=world.seller)]
    hangzhou = factories.SellerFactory(country="CN", home_hub=world.hgh)
    offered = factories.ProductFactory.create_batch(2, seller=hangzhou)

    collection_account_save(  # where the order awaiting payment is to be paid
        account=CollectionAccount(
            bank=world.bank,
            currency="MYR",
            account_name="eWTP Hub collection MYR",
            account_number="8000123456",
            bic="CIBBMYKL",
        ),
        actor=None,
        actor_label="test",
    )
    waiting = journey.consumer_order(n=1)
    paid = journey.pay(journey.consumer_order(n=2))
    parcel = journey.pack(paid)
    delivered = journey.deliver(journey.ship(journey.pay(journey.consumer_order(n=3))))
    escrow_release(order=delivered.order, actor_label="buyer", reason="Received")
    bought = journey.business_order()
    payouts_batch(bank=world.bank)
    payouts = Payout.objects.filter(bank=world.bank)
    credit_apply(
        organization=world.seller,
        stored=credit_score_record(
            organization=world.seller, record=factories.GOOD_TRADE_RECORD, trigger="t"
        ),
        request=CreditRequest(Money("3000", "MYR"), 3, world.bank.pk, consent=True),
        actor=None,
    )
    endpoints = {
        client.pk: webhook_endpoint_create(
            api_client=client, url="https://hooks.example.com/ewtp", events=["payment.confirmed"]
        )
        for client in (world.bank, organization.client)
    }
    return TradeWorld(
        bank=bank,
        organization=organization,
        orders=[o.reference for o in (waiting, paid, delivered.order, bought)],
        waiting=waiting.reference,
        waybills=[parcel.waybill, delivered.waybill],
        products=[str(p.public_id) for p in products],
        offered=[str(p.public_id) for p in offered],
        other_seller=str(hangzhou.public_id),
        batches=[str(b) for b in payouts.values_list("batch__public_id", flat=True) if b],
        payouts=list(payouts.values_list("end_to_end_id", flat=True)),
        applications=list(CreditApplication.objects.values_list("reference", flat=True)),
        declarations=[_declaration(world.seller, world.kul).reference for _ in range(2)],
        endpoints={pk: str(e.public_id) for pk, e in endpoints.items()},
    )


def _cursor(token: str) -> str:
    """A cursor the hub issued: from the `next` link of a one-row page of hubs."""
    page = APIClient().get("/api/v1/hubs/", {"page_size": 1}, HTTP_AUTHORIZATION=f"Bearer {token}")
    return parse_qs(urlparse(page.json()["next"]).query)["cursor"][0]


# --- what a valid request names, and the rules a schema cannot state ----------------------


def _pick(values: list, seed) -> object:
    """One of ``values``, the same for the same generated value (runs are repeatable)."""
    return values[zlib.crc32(str(seed).encode()) % len(values)]


def _items(items: list) -> None:
    """Declared goods: a code of the bundled tariff (the tariff, not the schema, knows which
    exist), and values that keep the consignment within what one declaration can carry."""
    for index, item in enumerate(items):
        if isinstance(item, dict):
            item["hs_code"] = HS_CODES[index % len(HS_CODES)]
            if Decimal(item.get("value", "0") or "0") > 1_000_000:
                item["value"] = "1000000"


def _preferential_claim(body: dict) -> None:
    # a claim names its certificate, for goods originating in a party to the agreement
    if body.get("fta_agreement"):
        body["fta_certificate"] = CERTIFICATE
        for item in body.get("items", []):
            if isinstance(item, dict):
                item["origin"] = "MY"


def _money_body(body: dict, names=("freight", "insurance")) -> None:
    for name in names:
        if Decimal(body.get(name, "0") or "0") > 1_000_000:
            body[name] = "1000000"


def _declaration_body(body: dict) -> None:
    # a regime is declared at a hub of its country; a preferential claim names its
    # certificate; a cross-border retail import names the buyer's ID
    regime = body.get("regime", "MY_EXPORT")
    body["hub"] = HUB_OF_COUNTRY[regime[:2]]
    body["currency"] = "MYR"  # a currency customs has a rate for
    body.pop("order", None)  # a sale of the caller's without a declaration: none left
    _preferential_claim(body)
    if regime == "CN_CBEC_IMPORT":
        body["importer_id_reference"] = resident_id(7)
    # the LVG tax is charged only by a seller registered for it: the caller is not
    body["sold_online_by_registered_seller"] = False
    _money_body(body)
    _items(body.get("items", []))


def _quote_body(body: dict) -> None:
    regime = body.get("regime")
    body["destination_hub"] = HUB_OF_COUNTRY[regime[:2]] if regime else "HGH"
    body["currency"] = "MYR"
    _preferential_claim(body)
    _money_body(body)
    _items(body.get("items", []))


def _order_body(body: dict, world: TradeWorld) -> None:
    body["seller"] = world.other_seller
    lines = [line for line in body.get("lines", []) if isinstance(line, dict)]
    for line, product in zip(lines, world.offered, strict=False):
        line["product"] = product
    body["lines"] = lines[: len(world.offered)]  # each product on one line


def _organization_body(body: dict) -> None:
    # a registration number is checked against its country's format and check character
    if "registration_number" in body or "country" in body:
        body["country"] = "MY"
        body["registration_number"] = "202001054321"
    if "payout_bic" in body:
        body["payout_bic"] = "CIBBMYKL"  # characters 5-6 must be a real country


def _in_myr(amount: str) -> str:
    """A valid amount with at most MYR's two places (down, so it stays within bounds)."""
    return str(max(Decimal(amount).quantize(Decimal("0.01"), ROUND_DOWN), Decimal("0.01")))


def _webhook_body(body: dict) -> None:
    # An address literal is registered as it is (no resolver): a valid one is made a name,
    # which the test settings resolve to loopback, so nothing is registered off this machine.
    url = body.get("url")
    if isinstance(url, str):
        parts = urlparse(url)
        host = (parts.hostname or "").strip("[]")
        if host.replace(".", "").isdigit() or ":" in host:
            body["url"] = parts._replace(
                netloc=f"hooks.partner.example:{parts.port or 443}"
            ).geturl()


def _product_body(body: dict) -> None:
    if "hs_code" in body:
        body["hs_code"] = HS_CODES[0]  # must be in the HS 2022 nomenclature
    # a price has at most the seller's currency's minor units (MYR: 2), as the field says
    if isinstance(body.get("unit_price"), str):
        body["unit_price"] = _in_myr(body["unit_price"])


def _payment_body(body: dict, world: TradeWorld) -> None:
    body["order_reference"] = world.waiting
    amount = body.get("amount")
    if isinstance(amount, dict):
        # the order's currency: a valid amount in another currency's places is one in MYR's
        amount["currency"] = "MYR"
        amount["amount"] = _in_myr(amount["amount"])


def _payout_body(body: dict, world: TradeWorld) -> None:
    body["end_to_end_id"] = world.payouts[0]
    if body.get("status") == "rejected" and not body.get("reason_code"):
        body["reason_code"] = "AC01"  # a rejection gives its reason


def _query(case, world: TradeWorld) -> None:
    query = case.query or {}
    if "cursor" in query:
        query["cursor"] = _pick(world.cursors, query["cursor"])
    if {"min_price", "max_price"} & query.keys():
        query.setdefault("currency", "MYR")  # a price range is in one currency
        low, high = query.get("min_price"), query.get("max_price")
        if low is not None and high is not None and Decimal(low) > Decimal(high):
            query["min_price"], query["max_price"] = high, low
    if "destination" in query and case.path.endswith("/listings/"):
        query["destination"] = "HGH"
    if "to" in query:  # a statement period: from (default yesterday) <= to, at most 92 days
        query["to"] = query.setdefault("from", query["to"])


PATH_VALUES = {
    "orders_get": ("reference", "orders"),
    "orders_cancel": ("reference", "orders"),
    "orders_payment_get": ("reference", "orders"),
    "products_get": ("public_id", "products"),
    "products_update": ("public_id", "products"),
    "products_deactivate": ("public_id", "products"),
    "tracking_get": ("waybill", "waybills"),
    "declarations_get": ("reference", "declarations"),
    "declarations_submit": ("reference", "declarations"),
    "declarations_amend": ("reference", "declarations"),
    "declarations_cancel": ("reference", "declarations"),
    "credit_application_detail": ("reference", "applications"),
    "credit_application_decide": ("reference", "applications"),
    "payout_batch_pain001": ("public_id", "batches"),
}


def world_values(case, world: TradeWorld, persona) -> None:
    """Make a valid generated request name what exists and keep the rules beyond the
    schema; an invalid one is left as generated, to be refused."""
    operation = case.operation.schema.get_operation_id(case.operation)
    if operation in PATH_VALUES:
        name, values = PATH_VALUES[operation]
        case.path_parameters[name] = _pick(getattr(world, values), case.path_parameters[name])
    if "endpoint_id" in (case.path_parameters or {}):
        case.path_parameters["endpoint_id"] = world.endpoints[persona.client.pk]
    if "currency" in (case.path_parameters or {}):
        case.path_parameters["currency"] = "MYR"
    _query(case, world)
    body = case.body if isinstance(case.body, dict) else None
    if body is None:
        return
    if operation == "declarations_submit_batch":
        body["references"] = list(world.declarations)
    repair = {
        "declarations_create": _declaration_body,
        "declarations_amend": lambda b: _items(b.get("items", [])),
        "duty_quotes_create": _quote_body,
        "organization_update": _organization_body,
        "products_create": _product_body,
        "products_update": _product_body,
        "orders_create": lambda b: _order_body(b, world),
        "payments_incoming": lambda b: _payment_body(b, world),
        "payout_status_report": lambda b: _payout_body(b, world),
        "webhooks_create": _webhook_body,
        "webhooks_update": _webhook_body,
    }.get(operation)
    if repair:
        repair(body)


def _valid_key(key) -> bool:
    return isinstance(key, str) and bool(key.strip()) and len(key) <= MAX_KEY_LENGTH


def _schema(live_server, world: TradeWorld, persona, scopes):
    response = issue_token(APIClient(), persona)
    assert response.status_code == 200, response.content
    assert set(response.json()["scope"].split()) == set(scopes)  # every scope of its kind
    token = response.json()["access_token"]
    world.cursors = [_cursor(token)]
    config = schemathesis.Config.from_dict(
        {
            "seed": 20261206,
            "request-timeout": 30,
            # A kept-alive connection to Django's test server waits ~40 ms on each answer
            # (delayed ACK of a response written in two parts); a new one each time does not.
            "headers": {"Authorization": f"Bearer {token}", "Connection": "close"},
            "generation": {
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "no-shrink": True,
                # the hub refuses U+0000 anywhere in a request (400), as its description says
                "allow-x00": False,
            },
            "phases": {"stateful": {"enabled": False}},
        }
    )
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/?format=json", config=config
    ).exclude(
        # a peer deployment's message is taken only signed with a key registered for that
        # peer (RFC 9421): nothing schemathesis sends can be; tests/peering cover every
        # refusal and the taken message, and docs/eroad-protocol.md's example is verified
        operation_id="eroad_message_receive"
    )

    @schema.hook
    def map_case(context, case):
        headers = case.headers or {}
        if _valid_key(headers.get("Idempotency-Key")):
            headers["Idempotency-Key"] = str(uuid.uuid4())  # one request, one key
        if case.meta is None or case.meta.generation.mode.is_positive:
            world_values(case, world, persona)
        return case

    return schema


def _failures(schema) -> tuple[list[str], StopReason | None, int]:
    """Every check that failed, as the operation, the check, what was sent and answered."""
    found, stop, scenarios = [], None, 0
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            scenarios += 1
            for case_id, checks in event.recorder.checks.items():
                interaction = event.recorder.interactions.get(case_id)
                answer = ""
                if interaction is not None and interaction.response is not None:
                    response = interaction.response
                    answer = f"-> {response.status_code} {response.content[:300]!r}"
                found += [
                    f"[{event.phase.value}] {check.failure_info.failure.operation} {check.name}: "
                    f"{check.failure_info.failure.title}\n"
                    f"{check.failure_info.failure.message[:500]}\n"
                    f"{check.failure_info.code_sample[:700]}\n{answer}"
                    for check in checks
                    if check.failure_info is not None
                ]
        elif isinstance(event, events.NonFatalError):
            found.append(f"[error] {event.label}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            raise event.exception
        elif isinstance(event, events.EngineFinished):
            stop = event.stop_reason
    return found, stop, scenarios


@pytest.mark.parametrize(
    ("persona", "scopes"), [("bank", BANK_SCOPES), ("organization", ORGANIZATION_CLIENT_SCOPES)]
)
def test_the_api_answers_as_its_schema_says(live_server, trade_world, persona, scopes):
    schema = _schema(live_server, trade_world, getattr(trade_world, persona), scopes)
    failures, stop, scenarios = _failures(schema)
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
    assert stop == StopReason.COMPLETED
    assert scenarios >= 3 * len(list(schema.get_all_operations()))  # every phase, every one
