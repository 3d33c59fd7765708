"""Every page each role reaches by following links, after a journey: none answers 4xx or 5xx,
and none shows what is the code's and not the user's: an error code, a ledger account key,
an event or audit action name, or an amount in minor units."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from django.test import Client

from customs.errors import CustomsErrorCode
from ewtp.common.errors import CommonErrorCode
from hubs.errors import HubsErrorCode
from hubs.models import Order
from payments.errors import PaymentsErrorCode
from payments.services.escrow import escrow_release

pytestmark = pytest.mark.django_db

MAX_PAGES = 150
SKIP = re.compile(
    r"(/logout|/i18n/|\.(pdf|xlsx|csv|xml|png|jpe?g)$|/static/|/media/|export=|/api/|"
    r"/admin/|/documents/|/images/|template\.)"
)
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


class _Page(HTMLParser):
    """The links of a page and the text a person reads (not scripts, styles or attributes)."""

    def __init__(self):
        super().__init__()
        self.links, self.text, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


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
    seen, queue, problems = {}, ["/home/"], []
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response.status_code
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            continue
        if response.status_code >= 400:
            problems.append(f"{path} answered {response.status_code}")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        problems += _codes_in(path, " ".join(page.text))
        for href in page.links:
            target = urlparse(urljoin(path, href))
            if target.netloc or not target.path.startswith("/") or SKIP.search(href):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link not in seen:
                queue.append(link)
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
