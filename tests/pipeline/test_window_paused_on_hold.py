"""The buyer's confirmation window starts at the delivered scan and stands still while the
goods are on a customs hold; the release runs it on with the pause added."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customs.models import Declaration, WatchListEntry
from customs.services.decisions import declaration_decide
from hubs.models import Order
from payments.services.escrow import escrow_release_due

pytestmark = pytest.mark.django_db


def test_a_customs_hold_pauses_the_window_and_the_release_runs_it_on(journey, settings):
    order = journey.pay(journey.consumer_order())
    WatchListEntry.objects.create(name=order.consumer_name, reason="tip-off")  # red at import
    parcel = journey.ship(order)
    imported = Declaration.objects.get(order=order, regime="CN_CBEC_IMPORT")
    assert (imported.status, imported.lane) == ("lane", "red")
    officer = journey.world.hgh_customs
    journey.run(
        declaration_decide, declaration=imported, decision="hold", reason="Open it", actor=officer
    )
    journey.deliver(parcel)  # the courier had it: delivered while customs holds the entry
    order = Order.objects.get(pk=order.pk)
    assert order.status == "delivered" and order.confirmation_paused
    due = order.confirmation_due_at
    assert escrow_release_due(now=due + timedelta(days=60)) == 0  # time does not release it
    # two days later the officer releases it: the window runs on, two days longer
    Order.objects.filter(pk=order.pk).update(
        confirmation_paused_at=order.confirmation_paused_at - timedelta(days=2)
    )
    journey.run(
        declaration_decide,
        declaration=imported,
        decision="release",
        reason="Inspected, as declared",
        actor=officer,
    )
    order = Order.objects.get(pk=order.pk)
    assert not order.confirmation_paused
    assert order.confirmation_due_at == pytest.approx(
        due + timedelta(days=2), abs=timedelta(seconds=5)
    )
    assert order.confirmation_due_at > timezone.now() + settings.ESCROW_CONFIRMATION_WINDOW
    assert escrow_release_due(now=due + timedelta(hours=1)) == 0
    assert escrow_release_due(now=order.confirmation_due_at + timedelta(seconds=1)) == 1
    assert Order.objects.get(pk=order.pk).status == "completed"


def test_a_hold_during_the_window_pauses_it(journey):
    order = journey.pay(journey.consumer_order())
    WatchListEntry.objects.create(name=order.consumer_name, reason="tip-off")
    parcel = journey.ship(order)
    journey.deliver(parcel)  # delivered while the entry waits in the red lane: window runs
    order = Order.objects.get(pk=order.pk)
    assert not order.confirmation_paused
    imported = Declaration.objects.get(order=order, regime="CN_CBEC_IMPORT")
    journey.run(
        declaration_decide,
        declaration=imported,
        decision="hold",
        reason="Post-clearance check",
        actor=journey.world.hgh_customs,
    )
    assert Order.objects.get(pk=order.pk).confirmation_paused
