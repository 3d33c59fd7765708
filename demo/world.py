"""The demo world that stands still: two hubs on the KUL–HGH e-road with their eFulfilment
centres and daily flights, one user per role, SMEs in several sectors at several stages of
verification with catalogues under real HS codes, the permits of other agencies their goods
need, fee schedules, a watch-listed buyer, and a partner bank and a sales channel on the API,
and the hub's collection accounts at that bank (one per payment currency, fictitious and
named so). ``world_build`` is idempotent: a second run keeps every row and renews each demo
password and API secret (``passwords``, set by ``passwords_save``, and ``issued``).

The orders that move through it are the simulation's (``simulation.py``)."""

import secrets
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django_countries import countries
from moneyed import Money

from customs import selectors as customs_selectors
from customs.models import WatchListEntry
from customs.models.permits import permit_agency
from customs.services.duty import line_in_force
from customs.services.permits import PermitRequest, permit_register
from customs.services.tariff import tariff_load_bundled
from ewtp.common.models import ApiClient
from ewtp.common.services import api_client_create, api_client_secret_rotate, api_client_update
from hubs.models import Hub, Membership, Organization, Product, User
from hubs.services.carriage import cargo_insurance_rate_publish, shipping_rate_publish
from hubs.services.network import eroad_open, hub_open
from hubs.services.organizations import organization_create
from hubs.validators import uscc_check_character
from logistics.models import Carrier, Facility
from logistics.services.flights import carriers_load, flights_schedule_daily
from payments.models import CollectionAccount, FeeSchedule
from payments.selectors import collection_account_for
from payments.services.collection_accounts import collection_account_save
from payments.services.fx import fx_rates_load

DEMO_DOMAIN = "demo.ewtp-hub.example"
# the demo partner bank's SWIFT/BIC: ISO 9362's shape (bank DEMO, Malaysia, Kuala Lumpur)
DEMO_BANK_BIC = "DEMOMYKL"
API_CLIENTS = [
    (
        "Demo Partner Bank",
        ApiClient.Kind.BANK,
        [
            "hubs:read",
            "statements:read",
            "statements:write",
            "treasury:read",
            "payments:write",
            "payouts:read",
            "payouts:write",
            "credit:read",
            "credit:write",
            "webhooks:manage",
        ],
    ),
    (
        "Demo Marketplace",
        ApiClient.Kind.CHANNEL,
        [
            "hubs:read",
            "products:read",
            "orders:read",
            "orders:write",
            "tracking:read",
            "customs:read",
            "customs:quote",
            "webhooks:manage",
        ],
    ),
]

# (email, full name, official role, posted hub, superuser)
OFFICIALS = [
    (f"admin@{DEMO_DOMAIN}", "Hub Administrator", "", None, True),
    (f"officer@{DEMO_DOMAIN}", "Aisyah Rahman", "mdec_officer", None, False),
    (f"customs.kul@{DEMO_DOMAIN}", "Kumar Subramaniam", "customs_officer", "KUL", False),
    (f"operator.kul@{DEMO_DOMAIN}", "Lim Wei Jie", "hub_operator", "KUL", False),
    (f"customs.hgh@{DEMO_DOMAIN}", "Zhang Min", "customs_officer", "HGH", False),
    (f"operator.hgh@{DEMO_DOMAIN}", "Chen Hao", "hub_operator", "HGH", False),
]
# (name, address, ISO weekdays open, opens, closes in the hub's time)
FACILITIES = {
    "KUL": (
        "KLIA Aeropolis eFulfilment Centre",
        "KLIA Aeropolis, 64000 Sepang, Selangor",
        "123456",
        time(8, 0),
        time(22, 0),
    ),
    "HGH": (
        "Hangzhou Xiaoshan eFulfilment Centre",
        "Xiaoshan International Airport, Hangzhou",
        "1234567",
        time(8, 0),
        time(20, 0),
    ),
}
# (e-road, carrier, flight number, local departure, block time) — one of each every day
FLIGHTS = [
    (("KUL", "HGH"), "MH", "MH360", time(9, 0), timedelta(hours=5, minutes=10)),
    (("KUL", "HGH"), "CZ", "CZ350", time(23, 30), timedelta(hours=4, minutes=50)),
    (("HGH", "KUL"), "MH", "MH361", time(15, 30), timedelta(hours=5, minutes=20)),
]


def uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)


# legal name, country, hub, registration no., sector, size, verification, members, products
# products: (sku, title en, title ms, title zh, HS code, price, kg, stock)
ORGANIZATIONS = [
    (
        "Batik Nusantara Sdn. Bhd.",
        "MY",
        "KUL",
        "201901012345",
        "fashion",
        "small",
        "approved",
        [
            (f"owner@{DEMO_DOMAIN}", "Nurul Huda", "owner"),
            (f"staff@{DEMO_DOMAIN}", "Farid Ismail", "staff"),
        ],
        [
            (
                "BN-SCARF-01",
                "Hand-drawn batik silk scarf",
                "Selendang sutera batik lukisan tangan",
                "手绘蜡染真丝围巾",
                "621410",
                "89.90",
                "0.150",
                120,
            ),
            (
                "BN-KNIT-02",
                "Cotton cardigan with batik trim",
                "Kardigan kapas bertepi batik",
                "蜡染镶边棉质开衫",
                "611020",
                "129.00",
                "0.450",
                60,
            ),
            (
                "BN-BAG-03",
                "Leather handbag with songket panel",
                "Beg tangan kulit berpanel songket",
                "",
                "420221",
                "259.00",
                "0.900",
                25,
            ),
        ],
    ),
    (
        "Kopi Borneo Enterprise",
        "MY",
        "KUL",
        "202003045678",
        "food",
        "micro",
        "approved",
        [(f"owner.kopi@{DEMO_DOMAIN}", "Jason Lo", "owner")],
        [
            (
                "KB-LIBERICA-250",
                "Sabah Liberica coffee, roasted beans 250 g",
                "Kopi Liberica Sabah, biji panggang 250 g",
                "沙巴利比里卡咖啡豆（烘焙）250克",
                "090121",
                "38.00",
                "0.280",
                400,
            ),
            (
                "KB-CHOC-70",
                "Dark chocolate 70% with Borneo cocoa",
                "Coklat gelap 70% koko Borneo",
                "",
                "180690",
                "18.50",
                "0.120",
                800,
            ),
        ],
    ),
    (
        "Penang Circuit Works Sdn. Bhd.",
        "MY",
        "KUL",
        "201501023456",
        "electronics",
        "medium",
        "approved",
        [(f"owner.pcw@{DEMO_DOMAIN}", "Tan Mei Ling", "owner")],
        [
            (
                "PCW-GW-4G",
                "Industrial 4G IoT gateway",
                "Get laluan IoT 4G industri",
                "工业4G物联网网关",
                "851762",
                "685.00",
                "0.600",
                80,
            )
        ],
    ),
    (
        "Songket Heritage Crafts",
        "MY",
        "KUL",
        "202103098765",
        "crafts",
        "micro",
        "submitted",
        [(f"owner.songket@{DEMO_DOMAIN}", "Wan Zaleha", "owner")],
        [
            (
                "SH-CUSH-01",
                "Songket cushion cover",
                "Sarung kusyen songket",
                "",
                "940490",
                "75.00",
                "0.300",
                40,
            )
        ],
    ),
    (
        "Herba Sihat Sdn. Bhd.",
        "MY",
        "KUL",
        "201801076543",
        "beauty",
        "small",
        "more_info",
        [(f"owner.herba@{DEMO_DOMAIN}", "Rosnah Abdullah", "owner")],
        [
            (
                "HS-SERUM-30",
                "Tongkat ali face serum 30 ml",
                "Serum muka tongkat ali 30 ml",
                "",
                "330499",
                "59.00",
                "0.090",
                150,
            )
        ],
    ),
    (
        "Nyonya Glow Cosmetics Sdn. Bhd.",
        "MY",
        "KUL",
        "201701054321",
        "beauty",
        "small",
        "approved",
        [(f"owner.nyonya@{DEMO_DOMAIN}", "Melissa Ong", "owner")],
        [
            (
                "NG-CREAM-50",
                "Bird's nest moisturising cream 50 ml",
                "Krim pelembap sarang burung 50 ml",
                "燕窝保湿霜 50毫升",
                "330499",
                "79.00",
                "0.120",
                500,
            ),
            (
                "NG-LIP-04",
                "Matte lipstick, Peranakan red",
                "Gincu matte, merah Peranakan",
                "哑光口红 娘惹红",
                "330410",
                "39.00",
                "0.030",
                900,
            ),
        ],
    ),
    (
        "Rimba Teak Furniture Sdn. Bhd.",
        "MY",
        "KUL",
        "201201034567",
        "home",
        "medium",
        "approved",
        [(f"owner.rimba@{DEMO_DOMAIN}", "Ahmad Fauzi", "owner")],
        [
            (
                "RT-SIDE-45",
                "Solid teak side table 45 cm",
                "Meja sisi jati padu 45 cm",
                "实心柚木边桌 45厘米",
                "940360",
                "420.00",
                "6.500",
                60,
            ),
        ],
    ),
    (
        "Klang Valley Gadgets Enterprise",
        "MY",
        "KUL",
        "202201067890",
        "electronics",
        "micro",
        "approved",
        [(f"owner.gadgets@{DEMO_DOMAIN}", "Arjun Pillai", "owner")],
        [
            (
                "KVG-GAN-65",
                "65 W GaN USB-C charger",
                "Pengecas USB-C GaN 65 W",
                "65瓦氮化镓USB-C充电器",
                "850440",
                "99.00",
                "0.110",
                1200,
            ),
        ],
    ),
    (
        "Hangzhou West Lake Tea Trading Co., Ltd.",
        "CN",
        "HGH",
        uscc("91330106MA2B1C2D3"),
        "food",
        "small",
        "approved",
        [(f"buyer@{DEMO_DOMAIN}", "Chen Jing", "owner")],
        [
            (
                "WL-LONGJING-100",
                "West Lake Longjing green tea 100 g",
                "Teh hijau Longjing Tasik Barat 100 g",
                "西湖龙井绿茶 100克",
                "090210",
                "168.00",
                "0.150",
                300,
            )
        ],
    ),
    (
        "Zhejiang Silk Road Imports Co., Ltd.",
        "CN",
        "HGH",
        uscc("91330100MA27XY5Q8"),
        "home",
        "medium",
        "draft",
        [(f"owner.silkroad@{DEMO_DOMAIN}", "Wang Lei", "owner")],
        [],
    ),
    (
        "Ningbo Harbour Home Goods Co., Ltd.",
        "CN",
        "HGH",
        uscc("91330201MA2H4K7P1"),
        "home",
        "small",
        "approved",
        [(f"owner.ningbo@{DEMO_DOMAIN}", "Zhou Yan", "owner")],
        [],
    ),
]


WATCH_LISTED = "Hangzhou West Lake Tea Trading Co., Ltd."


@dataclass
class World:
    hubs: dict[str, Hub]
    organizations: dict[str, Organization]
    channel: ApiClient
    bank: ApiClient
    renewal: "PasswordRenewal"
    issued: list = field(default_factory=list)  # API credentials, secrets renewed

    @property
    def passwords(self) -> dict[str, str]:
        """Each demo user's new password by e-mail address (set by ``passwords_save``)."""
        return self.renewal.passwords

    def passwords_save(self) -> None:
        self.renewal.save()


class PasswordRenewal:
    """New passwords for the demo users, hashed on a thread of their own while the seed goes
    on.

    Django hashes a password with PBKDF2 at 1,000,000 rounds, about half a second each: the
    demo's 18 would keep the seed waiting that long. hashlib releases the interpreter while
    it hashes, so they are hashed on another core while the world is built and its months
    are simulated (one thread: the seed itself keeps a core busy), and ``save`` sets them
    once they are all done (until then a new user has no usable password)."""

    def __init__(self):
        self.passwords: dict[str, str] = {}
        self._hashes: dict[str, tuple[User, Future]] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-passwords")

    def renew(self, user: User) -> None:
        password = f"demo-{secrets.token_urlsafe(9)}"
        self.passwords[user.email] = password
        self._hashes[user.email] = (user, self._pool.submit(make_password, password))

    def save(self) -> None:
        for user, hashed in self._hashes.values():
            user.password = hashed.result()
            user.save(update_fields=["password"])
        self._pool.shutdown()


def world_build(*, first_day: date, days: int) -> World:
    """Everything but the orders; flights from ``first_day`` for ``days`` days."""
    renewal = PasswordRenewal()
    hubs = {
        code: Hub.objects.filter(code=code).first() or hub_open(iata_code=code)
        for code in ("KUL", "HGH")
    }
    for origin, destination in (("KUL", "HGH"), ("HGH", "KUL")):
        eroad = eroad_open(origin=hubs[origin], destination=hubs[destination], transit_days=3)
        _shipping_rate(eroad)
    for hub in hubs.values():
        _cargo_insurance(hub)
    fx_rates_load()  # customs derives its rates of the day from them (pipeline step 0)
    tariff_load_bundled()  # regime thresholds and the demo catalogue's tariff
    _logistics_network(hubs, first_day, days)
    for code, percent, fixed_minor in (("KUL", "2.50", 100), ("HGH", "2.00", 500)):
        FeeSchedule.objects.get_or_create(
            hub=hubs[code],
            effective_from=date(2024, 1, 1),
            defaults={
                "percent": Decimal(percent),
                "fixed_minor": fixed_minor,
                "currency": hubs[code].currency,
            },
        )
    for email, name, role, hub_code, superuser in OFFICIALS:
        user = _user(renewal, email, name)
        user.official_role = role
        user.official_hub = hubs[hub_code] if hub_code else None
        user.is_staff = user.is_superuser = superuser
        user.save()
    organizations = {row[0]: _organization(renewal, hubs, *row) for row in ORGANIZATIONS}
    _permits_on_file(hubs, organizations, first_day, days)
    WatchListEntry.objects.get_or_create(
        name=WATCH_LISTED,
        defaults={"reason": "Earlier consignment of tea held for mislabelled origin."},
    )
    issued = [_api_client(*row) for row in API_CLIENTS]
    clients = {credentials.client.kind: credentials.client for credentials in issued}
    _collection_accounts(clients[ApiClient.Kind.BANK])
    return World(
        hubs=hubs,
        organizations=organizations,
        channel=clients[ApiClient.Kind.CHANNEL],
        bank=clients[ApiClient.Kind.BANK],
        renewal=renewal,
        issued=issued,
    )


# The demo hubs' own tariffs of carriage and cargo insurance: indicative figures made up for
# the demo, in the hub's currency, not any carrier's or insurer's official rates.
DEMO_SHIPPING_RATES = {  # e-road: (rate per kg, minimum charge)
    ("KUL", "HGH"): (Decimal("12.00"), Decimal("20.00")),  # MYR
    ("HGH", "KUL"): (Decimal("20.00"), Decimal("35.00")),  # CNY
}
DEMO_INSURANCE_PERCENT = {"KUL": Decimal("0.500"), "HGH": Decimal("0.400")}
INDICATIVE = "indicative demo figures, not an official tariff"


def _shipping_rate(eroad) -> None:
    per_kg, minimum = DEMO_SHIPPING_RATES[(eroad.origin.code, eroad.destination.code)]
    shipping_rate_publish(
        eroad=eroad,
        currency=eroad.origin.currency,
        per_kg=per_kg,
        minimum=minimum,
        effective_from=date(2024, 1, 1),
        source=f"{eroad.origin.code} eHub published tariff of carriage ({INDICATIVE})",
        legal_source="Contract of carriage under the hub's terms of trade; international "
        "carriage by air: Montreal Convention 1999",
    )


def _cargo_insurance(hub) -> None:
    cargo_insurance_rate_publish(
        hub=hub,
        percent=DEMO_INSURANCE_PERCENT[hub.code],
        effective_from=date(2024, 1, 1),
        source=f"{hub.code} eHub cargo insurance premium ({INDICATIVE})",
        legal_source="The hub's open cover cargo policy on the consignments it carries "
        "(Institute Cargo Clauses (Air))",
    )


def _user(renewal: PasswordRenewal, email: str, full_name: str) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
    renewal.renew(user)
    return user


def _organization(
    renewal, hubs, legal_name, country, hub, number, sector, size, kyc, members, products
):
    owner = _user(renewal, members[0][0], members[0][1])
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
            user=_user(renewal, email, name),
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


def _permits_on_file(hubs, organizations, first_day: date, days: int) -> None:
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


def _logistics_network(hubs, first_day: date, days: int) -> None:
    carriers_load()
    carriers = {c.iata_code: c for c in Carrier.objects.all()}
    for code, (name, address, weekdays, opens, closes) in FACILITIES.items():
        Facility.objects.get_or_create(
            hub=hubs[code],
            defaults={
                "name": name,
                "address": address,
                "open_weekdays": weekdays,
                "opens_at": opens,
                "closes_at": closes,
            },
        )
    for (origin, destination), carrier, number, departs, duration in FLIGHTS:
        flights_schedule_daily(
            eroad=hubs[origin].eroads_out.get(destination=hubs[destination]),
            carrier=carriers[carrier],
            number=number,
            departs_local=departs,
            duration=duration,
            first_day=first_day,
            days=days,
            capacity_kg=Decimal("2500"),
            capacity_pieces=800,
        )


def _collection_accounts(bank: ApiClient) -> None:
    """The accounts the payment page and the API tell buyers to pay into: at the demo bank,
    one per payment currency, each plainly a demo (its name and its number say so). A
    currency that already has one in use keeps it."""
    for currency in settings.PAYMENT_CURRENCIES:
        if collection_account_for(currency) is not None:
            continue
        collection_account_save(
            account=CollectionAccount(
                bank=bank,
                currency=currency,
                account_name=f"eWTP Hub DEMO collection {currency}",
                account_number=f"DEMO{currency}000000000",
                bic=DEMO_BANK_BIC,
            ),
            actor=None,
            actor_label="demo",
        )


def _api_client(name, kind, scopes):
    client = ApiClient.objects.filter(application__name=name).first()
    if client is None:
        return api_client_create(name=name, kind=kind, scopes=scopes)
    if set(client.scope_list) != set(scopes):  # a demo world from an older release
        api_client_update(client=client, is_active=True, scopes=scopes)
    return api_client_secret_rotate(client=client)
