"""Every page each role reaches by following links, after a journey: none answers 4xx or 5xx,
none shows what is the code's and not the user's (an error code, a ledger account key, an
event or audit action name, an amount in minor units), and in Malay and Chinese none shows
an English sentence of the interface."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils.translation import to_locale

from hubs.models import Order
from payments.services.escrow import escrow_release
from tests.crawl import links_follow
from tests.users_words import codes_in, english_in

pytestmark = pytest.mark.django_db

MAX_PAGES = 150


def _crawl(user, language: str) -> tuple[dict[str, int], list[str]]:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    seen, problems = {}, []
    for visit in links_follow(client.get, limit=MAX_PAGES):
        seen[visit.path] = visit.response.status_code
        if visit.response.status_code >= 400:
            problems.append(f"{visit.path} answered {visit.response.status_code}")
        problems += codes_in(visit.path, visit.text)
        if language != "en":
            problems += english_in(visit.path, visit.text, to_locale(language))
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


@pytest.mark.parametrize("language", ["en", "ms", "zh-hans"])
@pytest.mark.parametrize(
    "role", ["seller_owner", "buyer_owner", "kul_customs", "hgh_customs", "hgh_operator", "mdec"]
)
def test_every_page_a_role_reaches_is_whole_and_in_its_words(traded, role, language):
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
    seen, problems = _crawl(user, language)
    assert len(seen) > 5, seen
    assert not problems, "\n".join(problems)
