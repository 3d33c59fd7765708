"""The example bank client, which knows only the published OpenAPI document, confirms a
payment and reports a payout status against a real running hub."""

import importlib.util
from pathlib import Path

import pytest

from payments.models import Payout
from payments.services.escrow import escrow_release
from payments.services.payouts import payouts_batch
from tests import ledger

CLIENT = Path(__file__).resolve().parents[2] / "examples" / "bank_client.py"


def load_client():
    spec = importlib.util.spec_from_file_location("bank_client", CLIENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True)
def test_a_bank_integrates_from_the_schema_alone(live_server, hgh, cimb):
    bank_client = load_client()
    client = bank_client.OpenApiClient(live_server.url, cimb.client_id, cimb.client_secret)
    order = ledger.placed_order(destination_hub=hgh)

    def confirm():
        return bank_client.confirm_payment(
            client,
            order=order.reference,
            bank_reference="CIMB-LIVE-1",
            amount="90.00",
            currency="MYR",
            payer="Hangzhou Buyer",
        )

    answer = confirm()
    assert (answer["outcome"], answer["order_status"]) == ("applied", "paid")
    assert confirm() == answer  # a rerun replays

    escrow_release(order=ledger.deliver(order), actor_label="buyer", reason="Received")
    payout = Payout.objects.get(settlement__order=order)  # the journey pays the seller out
    payouts_batch(bank=cimb.client)
    reports = bank_client.report_payouts(client, status="settled")
    assert [r["end_to_end_id"] for r in reports] == [payout.end_to_end_id]
    assert Payout.objects.get(pk=payout.pk).status == "settled"
    assert bank_client.report_payouts(client, status="settled") == []  # nothing open now

    with pytest.raises(ValueError, match="payer"):
        client.call("payments_incoming", body={"order_reference": "x"})  # checked locally
    with pytest.raises(bank_client.HubError) as refused:
        bank_client.confirm_payment(
            client,
            order="EW-NOSUCH00",
            bank_reference="CIMB-LIVE-2",
            amount="1.00",
            currency="MYR",
            payer="Nobody",
        )
    assert refused.value.status == 404
    assert ledger.ledger_balanced()
