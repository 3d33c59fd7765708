"""A small journey to read on the dashboards, a credit line drawn, and a signed-in GET, for
the dashboard tests."""

from datetime import timedelta

from django.conf import settings
from django.test import Client
from django.utils import timezone

from analytics.services.money import money_rollup_catch_up
from hubs.models import Order
from payments.services.escrow import escrow_release


def trade(journey, orders: int = 2, flight=None) -> list[Order]:
    """``orders`` consumer orders of 1, 2, … scarves (45.00 MYR each) and one business order
    of 4, all shipped on one flight, delivered and released."""
    placed = [journey.pay(journey.consumer_order(quantity=n + 1, n=n)) for n in range(orders)]
    placed.append(journey.pay(journey.business_order(quantity=4)))
    parcels = [journey.receive(journey.pack(order)) for order in placed]
    journey.consolidate()
    journey.depart(flight)
    journey.land(flight)
    for parcel, order in zip(parcels, placed, strict=True):
        journey.deliver(parcel)
        journey.run(
            escrow_release, order=Order.objects.get(pk=order.pk), actor_label="b", reason="ok"
        )
    money_rollup_catch_up(now=timezone.now() + timedelta(minutes=5))
    return placed


def credit_line_drawn(seller):
    """A lender's 3,000 MYR over three months, applied for on a good trade record and drawn:
    the stored score the application was decided on."""
    from moneyed import Money

    from payments.services.credit import CreditRequest, credit_apply, credit_score_record
    from payments.services.loans import loan_draw
    from tests import factories

    lender = factories.api_client(kind="bank", name="Lender", scopes=["credit:write"]).client
    stored = credit_score_record(
        organization=seller, record=factories.GOOD_TRADE_RECORD, trigger="test"
    )
    application = credit_apply(
        organization=seller,
        stored=stored,
        request=CreditRequest(Money("3000", "MYR"), 3, lender.pk, consent=True),
        actor=None,
    )
    loan_draw(application=application, actor=None)
    return stored


def page(user, path, language: str = ""):
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(path)
