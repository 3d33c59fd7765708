"""Factories for the hub's models (hubs are opened through the service, from airport data),
and the valid forms, bodies and records that tests start from."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory
from moneyed import Money

from ewtp.common.api_clients import api_client_create
from hubs.models import Hub, Membership, Organization, Product, ProductImage, User
from hubs.services.network import hub_open
from payments.services.scoring import TradeRecord

from .listing_files import GOOD_LISTING

TEST_PASSWORD = "correct-horse-battery-9"


def hub(code: str = "KUL") -> Hub:
    return Hub.objects.filter(code=code).first() or hub_open(iata_code=code)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    legal_name = factory.Sequence(lambda n: f"Exporter {n} Sdn. Bhd.")
    country = "MY"
    home_hub = factory.LazyFunction(lambda: hub("KUL"))


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.OWNER


def api_client(*, scopes=("hubs:read",), kind="bank", name="Test Bank"):
    return api_client_create(name=name, kind=kind, scopes=list(scopes))


# every scope a partner bank is given: a test of a missing scope registers a client of its own
BANK_SCOPES = (
    "payments:write",
    "payouts:read",
    "payouts:write",
    "statements:read",
    "statements:write",
    "treasury:read",
)


def bank(*, name: str = "CIMB", scopes=BANK_SCOPES):
    """A partner bank's credentials (``.client`` is its ApiClient)."""
    return api_client(kind="bank", name=name, scopes=scopes)


class SellerFactory(OrganizationFactory):
    """A verified Malaysian seller at KUL with a payout account."""

    registration_number = factory.Sequence(lambda n: f"2019010{n:05d}")
    kyc_status = "approved"
    payout_bic = "MBBEMYKL"
    payout_account_name = factory.SelfAttribute("legal_name")
    payout_account_number = "514012345678"


class BuyerFactory(OrganizationFactory):
    legal_name = factory.Sequence(lambda n: f"Hangzhou Buyer {n} Co., Ltd.")
    country = "CN"
    home_hub = factory.LazyFunction(lambda: hub("HGH"))


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    seller = factory.SubFactory(SellerFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    title_en = factory.Sequence(lambda n: f"Batik scarf {n}")
    description_en = "Hand-drawn batik on silk."
    hs_code = "621410"  # shawls, scarves; of silk
    origin_country = "MY"
    unit_price = factory.LazyAttribute(lambda p: Money("45.00", p.seller.currency))
    unit_weight_kg = Decimal("0.150")
    length_cm = Decimal("30")
    width_cm = Decimal("20")
    height_cm = Decimal("2")
    stock = 100


class ProductImageFactory(DjangoModelFactory):
    """A listing's picture as uploaded (a plain JPEG drawn by Pillow), without its thumbnail."""

    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.django.ImageField(
        filename="photo.jpg", format="JPEG", width=640, height=480, color="teal"
    )


# a valid listing, as the portal's product form posts it: the import file's row, with a Malay
# title and the form's own spelling of the HS code and of the box ticked
LISTING_FORM = GOOD_LISTING | {
    "title_ms": "Selendang sutera batik",
    "title_zh": "",
    "description_ms": "",
    "description_zh": "",
    "hs_code": "6214.10",
    "is_active": "on",
}


# a valid product, as the API's products endpoint takes it
PRODUCT_BODY = {
    "sku": "API-1",
    "title_en": "Scarf",
    "description_en": "Silk",
    "hs_code": "621410",
    "origin_country": "MY",
    "unit_price": "10.00",
    "unit_weight_kg": "1",
    "length_cm": "1",
    "width_cm": "1",
    "height_cm": "1",
    "stock": 1,
}


def open_eroads():
    from hubs.services.network import eroad_open

    kul, hgh = hub("KUL"), hub("HGH")
    eroad_open(origin=kul, destination=hgh, transit_days=3)
    eroad_open(origin=hgh, destination=kul, transit_days=3)
    return kul, hgh


def member(organization, role="owner"):
    return MembershipFactory(organization=organization, role=role).user


def parcel_packed(order, *, weight_kg: str, actor=None):
    """One parcel (30 × 20 × 5 cm) of all of ``order``'s goods, packed by ``actor`` (a new
    member of the seller unless told)."""
    from logistics.services.parcels import ParcelRequest, parcel_create

    return parcel_create(
        order=order,
        request=ParcelRequest(
            weight_kg=Decimal(weight_kg),
            length_cm=30,
            width_cm=20,
            height_cm=5,
            items={line.pk: line.quantity for line in order.lines.all()},
        ),
        actor=actor or member(order.seller),
    )


# A trade record that earns a credit offer (three average months: 60,000 MYR).
GOOD_TRADE_RECORD = TradeRecord(
    months_active=24,
    orders_3m=40,
    value_3m_minor=8_000_000,
    value_prev_3m_minor=5_000_000,
    orders_12m=120,
    value_12m_minor=24_000_000,
    shipped=120,
    shipped_on_time=118,
)


class TariffScheduleFactory(DjangoModelFactory):
    """A schedule version made directly, for tests that need a line or two (a real schedule
    is loaded from a file: customs.services.tariff_schedules)."""

    class Meta:
        model = "customs.TariffSchedule"

    country = "MY"
    edition = factory.Sequence(lambda n: f"Test schedule {n}")
    version = 1
    legal_source = "Test schedule"
    effective_from = "2022-01-01"
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    line_count = 1
    loaded_by_label = "test"


class TariffLineFactory(DjangoModelFactory):
    class Meta:
        model = "customs.TariffLine"

    country = "MY"
    schedule = factory.SubFactory(TariffScheduleFactory, country=factory.SelfAttribute("..country"))
    hs_code = "610910"
    description = factory.LazyAttribute(lambda line: f"HS {line.hs_code}")
    effective_from = "2022-01-01"
    legal_source = "Test tariff line"


HUB_OF_COUNTRY = {"MY": "KUL", "CN": "HGH"}


def certificate_of_origin(
    number: str,
    *,
    origin: str = "CN",
    importing: str = "MY",
    hs_codes: tuple[str, ...] = ("090210",),
    issued_on="2025-01-15",
    valid_until="2026-01-14",
    status: str = "issued",
):
    """A Form E in the register as its issuing authority issued it (its number as printed),
    with a line of goods wholly obtained for each HS code, each from a passed origin
    declaration of an exporter of ``origin``. The certificates the platform issues come from
    customs.services.certificates.certificate_issue."""
    from customs.models import CertificateLine, CertificateOfOrigin, OriginDeclaration

    issuing_hub = hub(HUB_OF_COUNTRY[origin])
    exporter = OrganizationFactory(country=origin, home_hub=issuing_hub)
    officer = UserFactory(official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=issuing_hub)
    certificate = CertificateOfOrigin.objects.create(
        number=number,
        agreement="ACFTA",
        hub=issuing_hub,
        issued_by=officer,
        issued_at=f"{issued_on}T09:00:00Z",
        issued_on=issued_on,
        valid_until=valid_until,
        exporter=exporter,
        exporter_name=exporter.legal_name,
        importer_name="Importer Co.",
        importing_country=importing,
        origin_country=origin,
        status=status,
        legal_source="ACFTA Operational Certification Procedures",
    )
    for line_no, hs_code in enumerate(hs_codes, start=1):
        declaration = OriginDeclaration.objects.create(
            organization=exporter,
            hub=issuing_hub,
            hs_code=hs_code,
            description=f"HS {hs_code}",
            origin_country=origin,
            importing_country=importing,
            importer_name=certificate.importer_name,
            criterion="WO",
            result="passed",
            reason="Wholly obtained or produced in the exporting party.",
            legal_source="ACFTA Rules of Origin, Rule 2(a) and Rule 3",
        )
        CertificateLine.objects.create(
            certificate=certificate,
            line_no=line_no,
            origin_declaration=declaration,
            hs_code=hs_code,
            description=declaration.description,
            origin_criterion="WO",
        )
    return certificate
