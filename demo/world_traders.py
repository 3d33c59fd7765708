"""The demo's businesses made real: each organisation with its members and its products,
and the permits of other agencies that their goods need, on file with each hub's customs."""

import zlib
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django_countries import countries
from moneyed import Money

from customs import selectors as customs_selectors
from customs.models.permits import permit_agency
from customs.services.permits import PermitRequest, permit_register
from customs.services.tariff_in_force import line_in_force
from hubs.models import Membership, Organization, Product, User
from hubs.services.organizations import organization_create

from .world_people import DEMO_DOMAIN

if TYPE_CHECKING:
    from .world import PasswordRenewal


def organization_build(renewal: "PasswordRenewal", hubs, row: tuple) -> Organization:
    """One organisation of ORGANIZATIONS (made if new), its members and its products."""
    legal_name, country, hub, number, sector, size, kyc, members, products = row
    owner = renewal.user(members[0][0], members[0][1])
    organization = Organization.objects.filter(legal_name=legal_name).first()
    if organization is None:
        organization = organization_create(
            legal_name=legal_name,
            country=country,
            home_hub=hubs[hub],
            owner=owner,
            registration_number=number,
            sector=sector,
            size=size,
            kyc_status=kyc,
            address_line="Demo address",
            city={"KUL": "Kuala Lumpur", "HGH": "Hangzhou"}[hub],
            contact_name=members[0][1],
            contact_email=members[0][0],
            payout_bic={"MY": "MBBEMYKL", "CN": "BKCHCNBJ"}[country],
            payout_account_name=legal_name,
            payout_account_number=f"{zlib.crc32(legal_name.encode()):012d}",
        )
    for email, name, role in members[1:]:
        Membership.objects.get_or_create(
            user=renewal.user(email, name),
            organization=organization,
            defaults={"role": role},
        )
    for sku, title_en, title_ms, title_zh, hs_code, price, kg, stock in products:
        Product.objects.get_or_create(
            seller=organization,
            sku=sku,
            defaults={
                "title_en": title_en,
                "title_ms": title_ms,
                "title_zh": title_zh,
                "description_en": f"{title_en}. Made in {countries.name(country)}.",
                "hs_code": hs_code,
                "origin_country": country,
                "unit_price": Money(price, organization.currency),
                "unit_weight_kg": Decimal(kg),
                "length_cm": Decimal(30),
                "width_cm": Decimal(20),
                "height_cm": Decimal(10),
                "stock": stock,
            },
        )
    return organization


def permits_on_file(hubs, organizations, first_day: date, days: int) -> None:
    """The permits the traders hold for goods whose tariff line requires one, registered by
    each hub's officer: a seller's for exporting them from its country and for importing
    them into the other (it declares a consumer's import), and each business buyer's there
    for importing them. Without them those goods would wait at customs for ever."""
    officers = {
        code: User.objects.get(email=f"customs.{code.lower()}@{DEMO_DOMAIN}") for code in hubs
    }
    traders = [o for o in organizations.values() if o.kyc_status == Organization.KycStatus.APPROVED]
    for seller in traders:
        for hs_code in sorted(set(seller.products.values_list("hs_code", flat=True))):
            for code, hub in hubs.items():
                country = hub.country.code
                export = country == seller.country.code
                regime = f"{country}_{'EXPORT' if export else 'IMPORT'}"
                line = line_in_force(regime, country, hs_code, first_day)
                if line is None or not line.permit_required:
                    continue
                # every business buyer there, its verification finished or not: a permit is
                # the other agency's to issue, and the simulation's buyers import all the same
                buyers = [
                    o for o in organizations.values() if o.country.code == country and not export
                ]
                for holder in [seller, *buyers]:
                    _permit_on_file(officers[code], holder, line, hs_code, export, first_day, days)


def _permit_on_file(officer, holder, line, hs_code, export, first_day, days) -> None:
    agency = permit_agency(line.permit_required)
    number = f"DEMO/{zlib.crc32(holder.legal_name.encode()):08X}/{hs_code}/{'EI'[not export]}"
    on_file = customs_selectors.permits_of_holder(organization=holder)
    if on_file.filter(agency=agency, number=number).exists():
        return
    permit_register(
        request=PermitRequest(
            agency=agency,
            number=number,
            holder=holder,
            direction="export" if export else "import",
            hs_prefix=hs_code,
            goods=line.description,
            measure="units",
            amount=Decimal(100_000),
            valid_from=first_day - timedelta(days=30),
            valid_until=first_day + timedelta(days=days + 365),
        ),
        actor=officer,
    )
