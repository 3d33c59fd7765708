"""Load the demo world: two hubs on the KUL–HGH e-road, one user per role, SMEs in several
sectors at several verification stages with real HS codes, orders in several states, a
partner bank and a sales channel on the API.

Safe to run again: existing rows are kept, and every demo password and API secret is renewed
and printed, so the person starting the demo always has working credentials.
"""

import secrets
import zlib
from datetime import date, time, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django_countries import countries
from moneyed import Money

from customs.models import WatchListEntry
from customs.services.declarations import (
    declaration_create,
    declaration_records_attach,
    declaration_submit,
)
from customs.services.tariff import tariff_load_bundled
from ewtp.common.models import ApiClient, OutboxEvent
from ewtp.common.money import money_from_minor
from ewtp.common.outbox import outbox_dispatch
from ewtp.common.services import api_client_create, api_client_secret_rotate, api_client_update
from hubs.models import Hub, Membership, Order, Organization, Product, User
from hubs.roles import ROLE_LABELS, roles_of
from hubs.services.network import eroad_open, hub_open
from hubs.services.orders import Consumer, LineRequest, OrderRequest, order_place, order_transition
from hubs.services.organizations import organization_create
from hubs.validators import uscc_check_character
from logistics.models import Carrier, Facility
from logistics.services.consolidation import consolidate
from logistics.services.flights import carriers_load, flights_schedule_daily
from logistics.services.floor import parcel_export_release, parcel_receive, parcel_weigh
from logistics.services.parcels import ParcelRequest, parcel_create
from payments.models import FeeSchedule, PaymentIntent
from payments.services.escrow import escrow_release
from payments.services.fx import fx_rates_load
from payments.services.intents import BankTransfer, payment_intent_open, payment_receive, test_bank

from ...customs_filing import import_request, match_records

DEMO_DOMAIN = "demo.ewtp-hub.example"
API_CLIENTS = [
    (
        "Demo Partner Bank",
        ApiClient.Kind.BANK,
        [
            "hubs:read",
            "statements:read",
            "payments:write",
            "payouts:read",
            "payouts:write",
            "credit:read",
            "credit:write",
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
FACILITIES = {
    "KUL": ("KLIA Aeropolis eFulfilment Centre", "KLIA Aeropolis, 64000 Sepang, Selangor"),
    "HGH": ("Hangzhou Xiaoshan eFulfilment Centre", "Xiaoshan International Airport, Hangzhou"),
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
]

# (buyer, seller, [(sku, quantity)], incoterm, the statuses the order goes through after placement)
ORDERS = [
    (
        "Hangzhou West Lake Tea Trading Co., Ltd.",
        "Batik Nusantara Sdn. Bhd.",
        [("BN-SCARF-01", 20)],
        "DDP",
        ["awaiting_payment", "paid", "in_customs", "shipped", "delivered", "completed"],
    ),
    (
        "Hangzhou West Lake Tea Trading Co., Ltd.",
        "Kopi Borneo Enterprise",
        [("KB-LIBERICA-250", 48)],
        "DAP",
        ["awaiting_payment", "paid", "in_customs", "shipped"],
    ),
    (
        "Zhejiang Silk Road Imports Co., Ltd.",
        "Batik Nusantara Sdn. Bhd.",
        [("BN-KNIT-02", 10), ("BN-BAG-03", 4)],
        "DAP",
        ["awaiting_payment", "paid"],
    ),
    (
        "Zhejiang Silk Road Imports Co., Ltd.",
        "Penang Circuit Works Sdn. Bhd.",
        [("PCW-GW-4G", 6)],
        "DAP",
        ["awaiting_payment"],
    ),
    (
        "Hangzhou West Lake Tea Trading Co., Ltd.",
        "Kopi Borneo Enterprise",
        [("KB-CHOC-70", 100)],
        "DAP",
        ["awaiting_payment", "cancelled"],
    ),
    (
        "Zhejiang Silk Road Imports Co., Ltd.",
        "Kopi Borneo Enterprise",
        [("KB-CHOC-70", 30)],
        "DAP",
        ["awaiting_payment", "expired"],
    ),
    (
        "Batik Nusantara Sdn. Bhd.",
        "Hangzhou West Lake Tea Trading Co., Ltd.",
        [("WL-LONGJING-100", 12)],
        "DDP",
        ["awaiting_payment", "paid", "in_customs"],
    ),
]


class Command(BaseCommand):
    help = "Load demo hubs, e-roads, SMEs, listings, orders, one user per role and API clients."

    def handle(self, *args, **options):
        self.passwords: dict[str, str] = {}
        with transaction.atomic():
            hubs = {
                code: Hub.objects.filter(code=code).first() or hub_open(iata_code=code)
                for code in ("KUL", "HGH")
            }
            eroad_open(origin=hubs["KUL"], destination=hubs["HGH"], transit_days=3)
            eroad_open(origin=hubs["HGH"], destination=hubs["KUL"], transit_days=3)
            fx_rates_load()
            # customs derives its rates from them through the pipeline: delivered now, as the
            # demo's import declarations below convert ringgit at them
            for event in OutboxEvent.objects.filter(
                name="payments.fx_rates_loaded", dispatched_at__isnull=True
            ):
                outbox_dispatch(event_id=event.pk)
            tariff_load_bundled()  # regime thresholds and the demo catalogue's tariff
            self._logistics_network(hubs)
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
                user = self._user(email, name)
                user.official_role = role
                user.official_hub = hubs[hub_code] if hub_code else None
                user.is_staff = user.is_superuser = superuser
                user.save()
            organizations = {row[0]: self._organization(hubs, *row) for row in ORGANIZATIONS}
            WatchListEntry.objects.get_or_create(
                name="Hangzhou West Lake Tea Trading Co., Ltd.",
                defaults={"reason": "Earlier consignment of tea held for mislabelled origin."},
            )
            if not Order.objects.filter(seller__in=organizations.values()).exists():
                self._orders(organizations, hubs)
                consolidate()  # the shipped orders' parcels onto the next flights
            issued = [self._api_client(*row) for row in API_CLIENTS]
        self._print(issued)

    def _user(self, email, full_name):
        user, _ = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
        password = f"demo-{secrets.token_urlsafe(9)}"
        user.set_password(password)
        user.save()
        self.passwords[email] = password
        return user

    def _organization(
        self, hubs, legal_name, country, hub, number, sector, size, kyc, members, products
    ):
        owner = self._user(members[0][0], members[0][1])
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
                user=self._user(email, name), organization=organization, defaults={"role": role}
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

    def _orders(self, organizations, hubs):
        for buyer_name, seller_name, lines, incoterm, journey in ORDERS:
            buyer, seller = organizations[buyer_name], organizations[seller_name]
            products = {p.sku: p for p in seller.products.all()}
            request = OrderRequest(
                seller=seller,
                destination_hub=buyer.home_hub,
                buyer=buyer,
                incoterm=incoterm,
                lines=[LineRequest(products[sku].pk, quantity) for sku, quantity in lines],
                payment_currency=buyer.currency,  # settled to the seller in its own currency
            )
            order = order_place(request=request, actor=None, actor_label="demo data")
            payment_intent_open(order=order)
            for status in journey:
                if status == "completed":  # money out of escrow to the seller, less the fee
                    escrow_release(
                        order=order, actor_label="demo data", reason="The buyer confirmed receipt."
                    )
                    continue
                if status == "paid":  # money in: through the ledger, into escrow
                    intent = PaymentIntent.objects.get(order=order)
                    payment_receive(
                        order_reference=order.reference,
                        transfer=BankTransfer(
                            bank=test_bank(),
                            bank_reference=f"DEMO-{order.reference}",
                            amount=intent.amount,
                            payer_name=buyer.legal_name,
                        ),
                    )
                    order.refresh_from_db()
                    continue
                order = order_transition(
                    order=order,
                    to=status,
                    actor_label="demo data",
                    reason="Demo journey" if status != "cancelled" else "Ordered twice",
                )
                if status == "in_customs":  # packed, at the hub, weighed, export released
                    self._parcel(order, ready=True)
            if journey[-1] == "paid":
                self._parcel(order, ready=False)  # the label is printed, not yet dropped off
        channel = ApiClient.objects.filter(application__name="Demo Marketplace").first()
        if channel is None:
            channel = api_client_create(
                name="Demo Marketplace", kind=ApiClient.Kind.CHANNEL, scopes=API_CLIENTS[1][2]
            ).client
        kopi = organizations["Kopi Borneo Enterprise"]
        consumer_order = order_place(
            request=OrderRequest(
                seller=kopi,
                destination_hub=hubs["HGH"],
                incoterm="DDP",
                channel=channel,
                lines=[LineRequest(kopi.products.get(sku="KB-LIBERICA-250").pk, 2)],
                consumer=Consumer(
                    name="Li Na",
                    address="88 Wensan Road, Xihu District, Hangzhou",
                    country="CN",
                    id_reference="11010519491231002X",
                    phone="+86 571 8888 0000",
                ),
            ),
            actor=None,
            actor_label="API client Demo Marketplace",
        )
        self._import_declarations(consumer_order)

    def _import_declarations(self, consumer_order):
        """The destination's declarations of the orders that reached it (arrival is the
        journey's later step): general trade for businesses, and one cross-border retail
        import whose payment came from someone else's account, held by the three-record
        match for the HGH officers."""
        arrived = Order.objects.filter(
            status__in=["shipped", "delivered", "completed"], destination_hub__code="HGH"
        ).prefetch_related("lines", "parcels")
        for order in arrived:
            waybill = order.parcels.all()[0].waybill
            declaration = declaration_create(
                request=import_request(order, waybill=waybill), actor_label="demo data"
            )
            declaration_submit(declaration=declaration, actor_label="demo data")
        payment_intent_open(order=consumer_order)
        intent = PaymentIntent.objects.get(order=consumer_order)
        payment_receive(
            order_reference=consumer_order.reference,
            transfer=BankTransfer(
                bank=test_bank(),
                bank_reference=f"DEMO-{consumer_order.reference}",
                amount=intent.amount,
                payer_name="Li Wei",
            ),
        )
        parcel = self._parcel(consumer_order, ready=True)
        declaration = declaration_create(
            request=import_request(consumer_order, waybill=parcel.waybill),
            actor_label="demo data",
        )
        records = match_records(
            consumer_order,
            payer_id_reference="330106198807150021",  # the payer is not the buyer
            paid=money_from_minor(intent.amount_minor, intent.currency).amount,
            paid_currency=intent.currency,
            waybill=parcel.waybill,
            shipped={line.hs_code: line.quantity for line in consumer_order.lines.all()},
        )
        declaration_records_attach(declaration=declaration, actor_label="demo data", **records)
        declaration_submit(declaration=declaration, actor_label="demo data")

    def _logistics_network(self, hubs):
        carriers_load()
        carriers = {c.iata_code: c for c in Carrier.objects.all()}
        for code, (name, address) in FACILITIES.items():
            Facility.objects.get_or_create(
                hub=hubs[code], defaults={"name": name, "address": address}
            )
        for (origin, destination), carrier, number, departs, duration in FLIGHTS:
            flights_schedule_daily(
                eroad=hubs[origin].eroads_out.get(destination=hubs[destination]),
                carrier=carriers[carrier],
                number=number,
                departs_local=departs,
                duration=duration,
                first_day=date.today(),
                days=30,
                capacity_kg=Decimal("2500"),
                capacity_pieces=800,
            )

    def _parcel(self, order, *, ready: bool):
        weight = max(order.total_weight_kg, Decimal("0.100"))
        parcel = parcel_create(
            order=order,
            request=ParcelRequest(
                weight_kg=weight,
                length_cm=40,
                width_cm=30,
                height_cm=20,
                items={line.pk: line.quantity for line in order.lines.all()},
            ),
            actor=None,
        )
        if ready:
            parcel = parcel_receive(parcel=parcel, actor=None)
            parcel = parcel_weigh(parcel=parcel, measured_kg=weight * Decimal("1.02"), actor=None)
            parcel_export_release(parcel=parcel, actor_label="demo customs")
        return parcel

    def _api_client(self, name, kind, scopes):
        client = ApiClient.objects.filter(application__name=name).first()
        if client is None:
            return api_client_create(name=name, kind=kind, scopes=scopes)
        if set(client.scope_list) != set(scopes):  # a demo world from an older release
            api_client_update(client=client, is_active=True, scopes=scopes)
        return api_client_secret_rotate(client=client)

    def _print(self, issued):
        out = self.stdout
        out.write(
            self.style.SUCCESS("\nDemo data loaded. Sign in with (passwords are new on every run):")
        )
        users = {u.email: u for u in User.objects.filter(email__in=self.passwords)}
        for email, password in self.passwords.items():
            roles = ", ".join(str(ROLE_LABELS[r]) for r in sorted(roles_of(users[email])))
            out.write(f"  {roles:<28} {email:<44} {password}")
        for credentials in issued:
            out.write(
                self.style.SUCCESS(
                    f"\n{credentials.client.application.name} "
                    f"({credentials.client.get_kind_display()}, OAuth2 client credentials):"
                )
            )
            out.write(f"  client_id     {credentials.client_id}")
            out.write(f"  client_secret {credentials.client_secret}")
            out.write(f"  scopes        {credentials.client.allowed_scopes}")
        out.write("")
