"""The demo world: seeded once with a few weeks of orders driven through the real journey
(every failure path among them), and again without duplicating anything."""

import importlib
import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from customs.models import Declaration, DeclarationTransition
from ewtp.common.models import OutboxEvent
from hubs.models import ERoad, Hub, Order, OrderTransition, Organization, Product, User
from logistics.models import Flight, Parcel, TrackingEvent
from payments.models import Account, FxConversion, LedgerTransaction, Payout
from tests import ledger
from tests.journey import risk_rules_ensure


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_rates(settings):
    """The demo's exchange rates, as its settings have them: the recorded ECB feed, accepted
    for today however old, and said to be indicative on every page (ewtp/settings/local.py)."""
    demo = importlib.import_module("ewtp.settings.local")
    settings.FX_RATE_SOURCE = demo.FX_RATE_SOURCE
    settings.FX_MAX_RATE_AGE_DAYS = demo.FX_MAX_RATE_AGE_DAYS
    settings.FX_RATES_INDICATIVE = demo.FX_RATES_INDICATIVE


@pytest.mark.django_db(transaction=True)  # the journey's steps run after each real commit
def test_the_demo_world_and_its_orders_through_the_real_journey(
    hs_nomenclature, demo_rates, client, api
):
    risk_rules_ensure()
    output = seed("--orders", "24", "--days", "21")
    a_line_per_phase_when_not_on_a_terminal(output)
    orders_drive_the_real_journey_with_every_failure_path()
    the_world_has_sellers_in_many_sectors_at_every_stage()
    the_rates_are_the_recorded_ecb_ones_and_say_so(output, client)
    seeding_again_keeps_the_world_and_gives_working_passwords(client, api)


def a_line_per_phase_when_not_on_a_terminal(output):
    phases = ["Building the demo world…", "Simulating 24 orders over 21 days…"]
    assert [line for line in output.splitlines() if line in phases] == phases
    assert re.search(r"^Seeded in \d+ s\.$", output, re.MULTILINE)
    assert "\x1b[" not in output  # no bar, no colour codes in a log


def orders_drive_the_real_journey_with_every_failure_path():
    orders = Order.objects.filter(ships_from_stock=False)  # and a few from bonded stock
    assert orders.count() == 24
    statuses = set(orders.values_list("status", flat=True))
    assert {"settled", "delivered", "expired", "cancelled", "refunded"} <= statuses
    reached = set(OrderTransition.objects.values_list("to_status", flat=True))
    assert {"awaiting_payment", "paid", "in_customs", "shipped", "disputed"} <= reached
    # months of trade: placed over the window, not all today
    days = {created.date() for created in orders.values_list("created_at", flat=True)}
    assert len(days) > 10
    # every step was the pipeline's: events delivered, declarations filed by it
    assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()
    assert Declaration.objects.filter(regime="MY_EXPORT").count() >= 15
    assert Declaration.objects.filter(regime="CN_CBEC_IMPORT", status="released").exists()
    # the failure paths
    assert DeclarationTransition.objects.filter(to_status="held").exists()  # hold, release
    assert Declaration.objects.filter(status="rejected", regime__endswith="_EXPORT").exists()
    assert TrackingEvent.objects.filter(code="WGT").exists()
    assert Parcel.objects.filter(status="exception").exists()  # lost: its claim refunded
    assert Flight.objects.filter(status="cancelled").exists()
    assert TrackingEvent.objects.filter(code="DIS_OFLD").exists()  # moved to the next one
    assert Payout.objects.filter(status="rejected").exists()
    rejected = Payout.objects.filter(status="rejected").order_by("created_at").first()
    assert Payout.objects.filter(settlement=rejected.settlement, status="settled").exists()
    assert LedgerTransaction.objects.filter(kind="duties").exists()  # DDP paid from escrow
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
    # the treasury settled every day's conversions with the bank, the last day's included:
    # no FX position is open and the hub's books never show an account overdrawn at the bank
    assert LedgerTransaction.objects.filter(kind="fx_deal").exists()
    for account in Account.objects.filter(kind__in=["fx", "bank_clearing"]):
        total = account.entries.aggregate(total=Sum("amount_minor"))["total"] or 0
        assert total == 0 if account.kind == "fx" else total <= 0, (account.key, total)


def the_world_has_sellers_in_many_sectors_at_every_stage():
    assert sorted(Hub.objects.values_list("code", flat=True)) == ["HGH", "KUL"]
    assert {str(e) for e in ERoad.objects.all()} == {"KUL → HGH", "HGH → KUL"}
    # every e-road carries at the hub's own tariff, labelled as the indicative figures it is,
    # and its orders were charged shipping and insurance by it
    for eroad in ERoad.objects.all():
        rate = eroad.shipping_rates.in_force(date.today()).get()
        assert "indicative" in rate.source and rate.legal_source
        assert eroad.origin.insurance_rates.in_force(date.today()).exists()
    # carried on the e-road (an order served from bonded stock carries no freight of its own)
    assert not Order.objects.filter(shipping_charge__isnull=True, ships_from_stock=False).exists()
    sellers = Organization.objects.filter(kyc_status="approved", products__isnull=False)
    assert {"food", "beauty", "fashion", "electronics", "home"} <= set(
        sellers.values_list("sector", flat=True)
    )
    assert set(Organization.objects.values_list("kyc_status", flat=True)) == {
        "approved",
        "submitted",
        "more_info",
        "draft",
    }
    assert Product.objects.values("hs_code").distinct().count() >= 10
    assert Order.objects.filter(buyer__isnull=True).exists()  # a marketplace's consumers


def the_rates_are_the_recorded_ecb_ones_and_say_so(output, client):
    assert "the ECB reference rates of 2026-04-13" in output and "Indicative" in output
    conversions = FxConversion.objects.all()
    assert conversions.exists()
    assert set(conversions.values_list("rate_source", "rate_as_of")) == {("ECB", date(2026, 4, 13))}
    page = client.get("/")
    assert b"indicative: the ECB reference rates of 2026-04-13" in page.content


def seeding_again_keeps_the_world_and_gives_working_passwords(client, api):
    from tests.conftest import basic_auth

    before = (Order.objects.count(), LedgerTransaction.objects.count(), Product.objects.count())
    output = seed("--orders", "24", "--days", "21")
    assert "kept as they are" in output
    assert (
        Order.objects.count(),
        LedgerTransaction.objects.count(),
        Product.objects.count(),
    ) == before
    printed = dict(re.findall(r"(\S+@demo\.ewtp-hub\.example)\s+(demo-\S+)", output))
    assert len(printed) == User.objects.count() == 18
    for email, password in printed.items():
        assert client.login(username=email, password=password), email
        assert client.get("/home/").status_code == 200
    client_id = re.search(r"client_id\s+(\S+)", output).group(1)
    secret = re.search(r"client_secret\s+(\S+)", output).group(1)
    response = api.post(
        "/api/v1/oauth/token/",
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(client_id, secret),
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_odd_arguments_are_refused():
    with pytest.raises(CommandError, match="--orders"):
        seed("--orders", "-1")
