"""/metrics after an order went from placement to settled: the declarations it cleared, the
outbox and webhooks drained, the requests counted, all in a fixed number of queries."""

import pytest
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from ewtp.common.models import OutboxEvent
from ewtp.common.outbox import outbox_dispatch_many
from hubs.models import Order
from payments.models import Payout
from payments.services.escrow import escrow_release
from payments.services.payouts import payout_status_report, payouts_batch

pytestmark = pytest.mark.django_db
TOKEN = "scrape-token-for-tests-0123456789"


def settled(journey) -> Order:
    """A consumer's order paid, shipped, delivered, released and paid out."""
    world = journey.world
    order = journey.pay(journey.consumer_order(quantity=2))
    parcel = journey.ship(order)
    journey.deliver(parcel)
    journey.run(
        escrow_release, order=Order.objects.get(pk=order.pk), actor_label="buyer", reason="Got it"
    )
    payout = Payout.objects.get(settlement__order=order)
    payouts_batch(bank=world.bank)
    journey.run(
        payout_status_report, bank=world.bank, end_to_end_id=payout.end_to_end_id, status="settled"
    )
    return Order.objects.get(pk=order.pk)


def scrape(client) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    text = response.content.decode()
    return {family.name: family for family in text_string_to_metric_families(text)}


@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_after_an_order_is_settled(journey, client, django_assert_max_num_queries):
    # the world's own events (hubs and e-roads opened) were recorded outside the journey's
    # steps: delivered here, so that what is left at the end is the journey's
    outbox_dispatch_many(
        event_ids=list(OutboxEvent.objects.filter(dispatched_at=None).values_list("pk", flat=True))
    )
    with django_assert_max_num_queries(3):  # the outbox, the webhooks, the declarations
        before = scrape(client)
    order = settled(journey)
    assert order.status == "settled"
    client.get("/healthz")
    with django_assert_max_num_queries(3):
        found = scrape(client)

    decided = found["ewtp_customs_declarations_decided_last_minute"].samples
    released = {s.labels["regime"]: s.value for s in decided if s.labels["status"] == "released"}
    assert released == {"MY_EXPORT": 1, "CN_CBEC_IMPORT": 1}  # cleared both ways just now
    assert not before["ewtp_customs_declarations_decided_last_minute"].samples
    assert not found["ewtp_customs_declarations_open"].samples  # nothing left waiting
    assert not found["ewtp_customs_oldest_waiting_declaration_age_seconds"].samples
    assert found["ewtp_outbox_undispatched_events"].samples[0].value == 0  # all delivered
    assert found["ewtp_outbox_lag_seconds"].samples[0].value == 0
    webhooks = {s.labels["status"]: s.value for s in found["ewtp_webhook_deliveries"].samples}
    assert webhooks["failed"] == 0
    requests = found["django_http_requests_total_by_view_transport_method"].samples
    assert any(s.labels["view"] == "healthz" and s.value >= 1 for s in requests)
