"""Every page each role reaches by following links, after a journey: none answers 4xx or 5xx,
and none shows what is the code's and not the user's: an error code, a ledger account key,
an event or audit action name, or an amount in minor units."""

import re

import pytest
from django.test import Client

from customs.errors import CustomsErrorCode
from ewtp.common.errors import CommonErrorCode
from hubs.errors import HubsErrorCode
from hubs.models import Order
from payments.errors import PaymentsErrorCode
from payments.services.escrow import escrow_release
from tests.crawl import links_follow

pytestmark = pytest.mark.django_db

MAX_PAGES = 150
LEDGER_KEY = re.compile(r"\b(customer|escrow|fees|duties|fx|fx_result|bank_clearing):[\w:]+")
ACTION = re.compile(
    r"\b(hubs|payments|customs|logistics|analytics|common|pipeline)\.[a-z_]+\.[a-z_]+\b"
)
MINOR = re.compile(r"\b\w*_minor\b|\bin sen\b", re.IGNORECASE)
CODES = {
    str(code)
    for enum in (CommonErrorCode, HubsErrorCode, PaymentsErrorCode, CustomsErrorCode)
    for code in enum
    if "_" in str(code)  # one-word codes ("invalid") are words people use too
}
CODE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, CODES))) + r")\b")


def _codes_in(path: str, text: str) -> list[str]:
    return [
        f"{path}: {name} {found.group(0)!r}"
        for name, pattern in (
            ("ledger key", LEDGER_KEY),
            ("action", ACTION),
            ("minor units", MINOR),
            ("error code", CODE),
        )
        for found in pattern.finditer(text)
    ]


def _crawl(user) -> tuple[dict[str, int], list[str]]:
    client = Client()
    client.force_login(user)
    seen, problems = {}, []
    for visit in links_follow(client.get, limit=MAX_PAGES):
        seen[visit.path] = visit.response.status_code
        if visit.response.status_code >= 400:
            problems.append(f"{visit.path} answered {visit.response.status_code}")
        problems += _codes_in(visit.path, visit.text)
    return seen, problems


@pytest.fixture
def traded(journey):
    """A consumer's order settled to its release and a business order delivered."""
    consumer = journey.pay(journey.consumer_order(quantity=2))
    business = journey.business_order(quantity=1)
    buyer_owner = business.buyer_owner
    business = journey.pay(business)
    parcels = [journey.receive(journey.pack(order)) for order in (consumer, business)]
    journey.consolidate()
    journey.depart()
    journey.land()
    for parcel in parcels:
        journey.deliver(parcel)
    journey.run(
        escrow_release, order=Order.objects.get(pk=consumer.pk), actor_label="buyer", reason="ok"
    )
    return journey, buyer_owner


@pytest.mark.parametrize(
    "role", ["seller_owner", "buyer_owner", "kul_customs", "hgh_customs", "hgh_operator", "mdec"]
)
def test_every_page_a_role_reaches_is_whole_and_in_its_words(traded, role):
    from tests import factories

    journey, buyer_owner = traded
    world = journey.world
    user = {
        "seller_owner": world.seller_owner,
        "buyer_owner": buyer_owner,
        "kul_customs": world.kul_customs,
        "hgh_customs": world.hgh_customs,
        "hgh_operator": world.hgh_operator,
        "mdec": factories.UserFactory(official_role="mdec_officer"),
    }[role]
    seen, problems = _crawl(user)
    assert len(seen) > 5, seen
    assert not problems, "\n".join(problems)
