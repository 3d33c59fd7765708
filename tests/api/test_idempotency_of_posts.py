"""Every POST of the API honours Idempotency-Key and says so in the schema; the bank's two
money-moving POSTs replay, refuse a reused key, and act once."""

import pytest
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator
from moneyed import Money
from rest_framework.views import APIView

from payments.models import IncomingPayment, LedgerTransaction
from payments.services.escrow import escrow_release
from payments.services.payouts import payout_request, payouts_batch
from tests import ledger
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def api_views():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif getattr(pattern.callback, "view_class", None) is not None:
                yield prefix + str(pattern.pattern), pattern.callback.view_class

    return [(route, view) for route, view in walk(get_resolver().url_patterns) if "api/" in route]


def _own_protocol(route: str) -> bool:
    """OAuth's token endpoints, and the e-road's messages: a peer's message is taken once
    by its own id under the e-road protocol (docs/eroad-protocol.md), not by a client's key."""
    return "oauth" in route or "eroad/messages" in route


def test_every_api_post_honours_an_idempotency_key():
    posts = [
        (route, view)
        for route, view in api_views()
        if issubclass(view, APIView) and hasattr(view, "post") and not _own_protocol(route)
    ]
    assert len(posts) >= 6
    for route, view in posts:
        assert getattr(view.post, "honours_idempotency_key", False), route


def test_the_schema_documents_the_header_on_every_post():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        if "post" in operations and not _own_protocol(path):
            names = [p["name"] for p in operations["post"].get("parameters", [])]
            assert "Idempotency-Key" in names, path


def incoming_case(bank_client, hgh):
    order = ledger.placed_order(destination_hub=hgh)
    body = {
        "order_reference": order.reference,
        "bank_reference": "CIMB-1",
        "amount": {"amount": "5.00", "currency": "MYR"},
        "payer": {"name": "Buyer"},
    }
    return "/api/v1/payments/incoming", body, {"bank_reference": "CIMB-2"}, IncomingPayment


def payout_case(bank_client, hgh):
    order = ledger.deliver(ledger.paid_order(destination_hub=hgh, bank=bank_client))
    escrow_release(order=order, actor_label="buyer", reason="Received")
    payout = payout_request(organization=order.seller, amount=Money("10.00", "MYR"), actor=None)
    payouts_batch(bank=bank_client)
    body = {"end_to_end_id": payout.end_to_end_id, "status": "rejected", "reason_code": "AC01"}
    return "/api/v1/payouts/status", body, {"reason_code": "AC04"}, LedgerTransaction


@pytest.mark.parametrize("case", [incoming_case, payout_case], ids=["incoming", "payout-status"])
def test_bank_posts_replay_refuse_a_reused_key_and_act_once(api, bank, cimb, hgh, case):
    url, body, change, effects = case(bank, hgh)
    before = effects.objects.count()
    headers = {**bearer(api, cimb), "HTTP_IDEMPOTENCY_KEY": "bank-key-1"}

    first = api.post(url, body, format="json", **headers)
    assert first.status_code in (200, 201), first.content
    acted = effects.objects.count()
    assert acted > before
    again = api.post(url, body, format="json", **headers)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert effects.objects.count() == acted  # replayed, not run again

    reused = api.post(url, {**body, **change}, format="json", **headers)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert effects.objects.count() == acted
    assert ledger.ledger_balanced()
