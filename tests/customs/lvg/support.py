"""What the LVG tests share: the registration number entered, a consumer's order from the
Hangzhou seller to KUL and its import declaration, a sale brought in, the LVG emails, and
calls started at once."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from moneyed import Money

from customs.models import Declaration
from customs.services.filing import DeclarationRequest, ItemRequest, declaration_create
from customs.services.lvg import LvgRegistrationRequest, lvg_registration_enter
from ewtp.common.models import ApiClient, OutgoingEmail
from hubs.models import Order, OrderLine
from pipeline.customs_filing import import_request
from tests import factories

from ..support import submit_and_process

D = Decimal
NUMBER = "LVG-2401-00000123"


def registered(organization, owner, *, effective_from=date(2024, 1, 1), period_ends=3):
    return lvg_registration_enter(
        organization=organization,
        request=LvgRegistrationRequest(NUMBER, effective_from, period_ends),
        actor=owner,
    )


def consumer_order(seller, *, value="200.00", hs_code="621410", currency="MYR", kul=None):
    """A consumer's order through a channel, from the seller's Hangzhou hub to KUL."""
    kul, hgh = factories.hub("KUL"), factories.hub("HGH")
    channel = ApiClient.objects.filter(application__name="Shopee").first() or (
        factories.api_client(kind="channel", name="Shopee", scopes=["orders:write"]).client
    )
    product = factories.ProductFactory(seller=seller, hs_code=hs_code, origin_country="CN")
    order = Order.objects.create(
        seller=seller,
        channel=channel,
        consumer_name="Siti Aminah",
        consumer_country="MY",
        origin_hub=hgh,
        destination_hub=kul,
        total=Money(value, currency),
        payment_currency=currency,
        total_weight_kg=D("0.150"),
        expires_at=timezone.now() + timedelta(days=1),
        status=Order.Status.SHIPPED,
    )
    OrderLine.objects.create(
        order=order,
        line_no=1,
        product=product,
        sku=product.sku,
        title="Silk scarf",
        quantity=1,
        unit_price=Money(value, currency),
        line_total=Money(value, currency),
        hs_code=hs_code,
        origin_country="CN",
        unit_weight_kg=D("0.150"),
    )
    return order


def imported(order) -> Declaration:
    """The import declaration the pipeline files on arrival, submitted and assessed."""
    declaration = declaration_create(
        request=import_request(order, waybill="KUL100000017"), actor_label="pipeline"
    )
    return submit_and_process(declaration)


def taxes(declaration) -> dict[str, Decimal]:
    return {line.tax: line.amount for line in declaration.assessment_lines.all()}


def my_import(kul, organization, *, on, value="200.00", freight="0", rate="1", **changes):
    """A Malaysian import declared for ``organization`` (the seller), in MYR or at ``rate``."""
    values = {
        "regime": "MY_IMPORT",
        "hub": kul,
        "exporter": organization.legal_name,
        "importer": "Siti Aminah",
        "declarant": "eWTP Hub KUL",
        "currency": "MYR" if rate == "1" else "CNY",
        "exchange_rate": D(rate),
        "exchange_rate_source": "test",
        "declared_on": on,
        "freight": D(freight),
        "organization": organization,
        "items": [ItemRequest("621410", "Silk scarf", "CN", 1, D("0.150"), D(value))],
    }
    return DeclarationRequest(**(values | changes))


def sold(organization, *, value, hs_code="621410", currency="MYR", rate=None):
    """An LVG sale brought into Malaysia: the order's import declaration, submitted."""
    order = consumer_order(organization, value=value, hs_code=hs_code, currency=currency)
    request = import_request(order, waybill="KUL1")
    if rate is not None:
        request = replace(request, exchange_rate=D(rate), exchange_rate_source="test")
    return submit_and_process(declaration_create(request=request, actor_label="pipeline"))


def lvg_emails():
    return list(
        OutgoingEmail.objects.filter(
            Q(subject__contains="LVG") | Q(subject__contains="low value goods")
        ).order_by("id")
    )
