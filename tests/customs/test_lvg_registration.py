"""Sales tax on low value goods (LVG): only a seller registered on the declaration date
charges it, and its declarations carry the registration number; an unregistered seller is
told when its LVG sales near the registration threshold; a registered seller downloads each
taxable period's return. The law: Sales Tax Act 2018, Part VA, with the Sales Tax
(Determination of Low Value Goods) Order 2023 (goods up to RM500) and the Sales Tax (Low
Value Goods) Regulations 2022 (registration over RM500,000 in 12 months; a return for each
taxable period of three months) - customs/models/lvg.py."""

import csv
import io
import threading
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from moneyed import Money
from openpyxl import load_workbook

from customs.api.declarations import DeclarationOutput
from customs.lvg import (
    MALAYSIA,
    lvg_periods,
    lvg_sale_value,
    lvg_sales_total,
    taxable_period_of,
)
from customs.models import (
    Declaration,
    LvgRegistration,
    LvgThresholdNotice,
    RegimeParameter,
    RiskRule,
    WatchListEntry,
)
from customs.services.declarations import (
    DeclarationRequest,
    ItemRequest,
    declaration_create,
    declaration_decide,
)
from customs.services.lvg import (
    LvgRegistrationRequest,
    lvg_registration_cancel,
    lvg_registration_correct,
    lvg_registration_enter,
    lvg_threshold_sweep,
    lvg_threshold_watch,
)
from customs.services.tariff import tariff_load_bundled
from customs.todo import declaration_todos
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.models import ApiClient, AuditEntry, OutgoingEmail
from hubs.models import Order, OrderLine, User
from pipeline.customs_filing import import_quote_request, import_request
from tests import factories

from .support import submit_and_process

pytestmark = pytest.mark.django_db
D = Decimal
NUMBER = "LVG-2401-00000123"


@pytest.fixture(autouse=True)
def tariff(kul, hgh):
    tariff_load_bundled()
    RiskRule.objects.filter(code="random").update(enabled=False)  # lanes are not luck here


@pytest.fixture
def seller(hgh):
    """A seller in Hangzhou selling online to consumers in Malaysia, with its owner."""
    organization = factories.SellerFactory(
        legal_name="Hangzhou Silk Online Co., Ltd.", country="CN", home_hub=hgh
    )
    return organization, factories.member(organization)


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


# --- the duty engine charges LVG tax only for a registered seller --------------------------


def test_a_registered_sellers_rm200_sale_pays_10_percent_lvg_sales_tax(seller):
    organization, owner = seller
    registered(organization, owner)
    declaration = imported(consumer_order(organization, value="200.00"))
    # Sales Tax (Determination of Low Value Goods) Order 2023: a sale price up to RM500 is
    # LVG; sales tax at 10 % (the lvg_rate_percent parameter) of the sale value RM200 =
    # RM20.00. The consignment's CIF (RM200, by air courier) is within the RM500 de minimis of
    # the Customs Duties (Exemption) Order 2017 [P.U.(A) 103/2017]: no import duty.
    assert declaration.treatment == "lvg"
    assert taxes(declaration) == {"duty": D("0.00"), "lvg_sales_tax": D("20.00")}
    assert declaration.total_tax == D("20.00")
    # the number on the declaration, its pages, its printable copy and its API representation
    assert declaration.sold_online_by_registered_seller
    assert declaration.lvg_registration_number == NUMBER
    assert DeclarationOutput(declaration).data["lvg_registration_number"] == NUMBER


def test_an_unregistered_sellers_sale_takes_the_general_treatment(seller):
    organization, _owner = seller
    declaration = imported(consumer_order(organization, value="200.00"))
    # No LVG registration in force: no LVG line, and the goods take the general treatment
    # at import. Duty: CIF RM200 by air courier is within the de minimis (P.U.(A) 103/2017),
    # so RM0.00; sales tax on CIF plus duty at the tariff line's 10 % (Sales Tax (Rates of
    # Tax) Order 2018, HS 6214.10) = 10 % of RM200 = RM20.00.
    assert not declaration.sold_online_by_registered_seller
    assert declaration.lvg_registration_number == ""
    assert declaration.treatment == "de_minimis"
    assert taxes(declaration) == {"duty": D("0.00"), "sales_tax": D("20.00")}


def test_lvg_is_on_the_sale_value_and_sales_tax_on_cif(seller, kul):
    """The same RM200 scarf with RM20 freight: the LVG sales tax leaves freight out (the
    Determination Order: the sale value, without transport or insurance), the import sales
    tax does not (Sales Tax Act 2018, s. 9: the value of imported goods is CIF plus duty)."""
    organization, owner = seller
    on = date(2026, 2, 10)
    unregistered = submit_and_process(
        declaration_create(
            request=my_import(kul, organization, on=on, freight="20"), actor_label="t"
        )
    )
    assert taxes(unregistered) == {"duty": D("0.00"), "sales_tax": D("22.00")}  # 10 % of 220
    registered(organization, owner)
    by_registered = submit_and_process(
        declaration_create(
            request=my_import(
                kul,
                organization,
                on=on,
                freight="20",
                sold_online_by_registered_seller=True,
                lvg_registration_number=NUMBER,
            ),
            actor_label="t",
        )
    )
    assert taxes(by_registered) == {"duty": D("0.00"), "lvg_sales_tax": D("20.00")}  # 10 % of 200


def test_a_registration_effective_later_does_not_apply_before_its_date(seller):
    organization, owner = seller
    today = timezone.localdate()
    registered(organization, owner, effective_from=today + timedelta(days=10))
    order = consumer_order(organization)
    before = import_request(order, waybill="KUL1")
    assert (before.sold_online_by_registered_seller, before.lvg_registration_number) == (False, "")
    assert not import_quote_request(order).sold_online_by_registered_seller  # nor the DDP quote
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        after = import_request(order, waybill="KUL1")
        assert (after.sold_online_by_registered_seller, after.lvg_registration_number) == (
            True,
            NUMBER,
        )
        assert import_quote_request(order).sold_online_by_registered_seller


def test_a_cancelled_registration_stops_applying_and_keeps_its_history(seller, kul):
    organization, owner = seller
    registration = registered(organization, owner)
    today = timezone.localdate()
    lvg_registration_cancel(
        registration=registration, cancelled_from=today, reason="Ceased selling LVG.", actor=owner
    )
    assert not import_request(
        consumer_order(organization), waybill="K"
    ).sold_online_by_registered_seller
    registration.refresh_from_db()
    assert (registration.status, registration.cancelled_from) == ("cancelled", today)
    # a declaration dated before the cancellation is still under it
    yesterday = today - timedelta(days=1)
    declaration = declaration_create(
        request=my_import(
            kul,
            organization,
            on=yesterday,
            sold_online_by_registered_seller=True,
            lvg_registration_number=NUMBER,
        ),
        actor_label="t",
    )
    assert declaration.lvg_registration_number == NUMBER
    # cancelling again changes nothing; a cancelled registration is not corrected
    again = lvg_registration_cancel(
        registration=registration, cancelled_from=yesterday, reason="x", actor=owner
    )
    assert again.cancelled_from == today
    # a new registration starts after the old one stopped applying
    with pytest.raises(ApplicationError) as refused:
        lvg_registration_enter(
            organization=organization,
            request=LvgRegistrationRequest("LVG-2401-00000999", yesterday),
            actor=owner,
        )
    assert refused.value.extra["field"] == "effective_from"
    with pytest.raises(ConflictError):
        lvg_registration_correct(
            registration=registration,
            request=LvgRegistrationRequest("LVG-2401-00000999", date(2024, 1, 1)),
            reason="typo",
            actor=owner,
        )


def test_a_declaration_claiming_lvg_without_a_registration_is_refused(seller, kul):
    organization, _owner = seller
    with pytest.raises(ApplicationError) as refused:
        declaration_create(
            request=my_import(
                kul,
                organization,
                on=date(2026, 2, 10),
                sold_online_by_registered_seller=True,
                lvg_registration_number=NUMBER,
            ),
            actor_label="t",
        )
    assert refused.value.code == "lvg_not_registered"
    assert refused.value.extra["field"] == "sold_online_by_registered_seller"
    assert not Declaration.objects.exists()


def test_a_hand_filed_import_takes_the_number_in_force_or_is_a_form_error(client, seller):
    organization, owner = seller
    client.force_login(owner)
    form = {
        "regime": "MY_IMPORT",
        "hub": "KUL",
        "order": "",
        "importer": "Siti Aminah",
        "incoterm": "DAP",
        "waybill": "",
        "currency": "MYR",
        "freight": "0",
        "insurance": "0",
        "fta_agreement": "",
        "fta_certificate": "",
        "air_courier": "on",
        "sold_online_by_registered_seller": "on",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "200",
        "items-0-hs_code": "621410",
        "items-0-description": "Silk scarf",
        "items-0-origin": "CN",
        "items-0-quantity": "1",
        "items-0-net_weight_kg": "0.150",
        "items-0-value": "200.00",
    }
    response = client.post("/customs/mine/new/", form)
    assert response.status_code == 200
    assert "no LVG registration" in str(
        response.context["form"].errors["sold_online_by_registered_seller"]
    )
    assert not Declaration.objects.exists()
    registered(organization, owner)
    response = client.post("/customs/mine/new/", form)
    declaration = Declaration.objects.get()
    assert declaration.lvg_registration_number == NUMBER
    page = client.get(f"/customs/mine/{declaration.reference}/").content.decode()
    assert NUMBER in page


# --- the threshold watch -------------------------------------------------------------------


@pytest.fixture
def threshold_1000():
    """The registration threshold as dated data: RM1,000 here (RM500,000 in the bundled
    parameters), so that a few sales reach it."""
    RegimeParameter.objects.filter(name="lvg_registration_threshold").update(value="1000")


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


def test_the_threshold_todo_at_80_percent_and_each_email_once(client, seller, threshold_1000):
    organization, owner = seller
    staff = factories.member(organization, role="staff")
    sold(organization, value="400.00")
    sold(organization, value="180.00", currency="CNY", rate="0.65")  # RM117.00 at customs' rate
    sold(organization, value="600.00")  # over the RM500 LVG ceiling: not low value goods
    sold(organization, value="300.00", hs_code="220300")  # beer: excluded from LVG
    today = timezone.localdate()
    assert lvg_sales_total(organization=organization, on=today).total == D("517.00")
    assert declaration_todos(user=owner, organization=organization) == []
    assert lvg_threshold_watch(organization=organization) == []

    sold(organization, value="290.00")  # RM807.00: 80.7 % of RM1,000
    sales = lvg_sales_total(organization=organization, on=today)
    assert (sales.total, sales.share_percent, sales.mark) == (D("807.00"), D("80.7"), 80)
    (todo,) = declaration_todos(user=owner, organization=organization)
    assert "RM807.00" in todo.title and "80.7 %" in todo.title
    assert todo.url == "/customs/lvg/registration/"
    assert declaration_todos(user=staff, organization=organization) == []  # the owners register
    client.force_login(owner)
    home = client.get("/home/").content.decode()
    assert "Enter your LVG registration" in home and "/customs/lvg/registration/" in home
    assert lvg_threshold_sweep() == [organization.pk]
    assert lvg_threshold_sweep() == [] and lvg_threshold_watch(organization=organization) == []
    (email,) = lvg_emails()
    assert "nears the LVG registration threshold" in email.subject
    assert owner.email in email.recipients and "RM807.00" in email.body

    sold(organization, value="200.00")  # RM1,007.00: over the threshold, liable to register
    (todo,) = declaration_todos(user=owner, organization=organization)
    assert "over the RM1,000 threshold" in todo.title
    assert lvg_threshold_watch(organization=organization) == [100]
    assert lvg_threshold_sweep() == []  # told already: nothing more, however often it runs
    assert len(lvg_emails()) == 2 and "must register" in lvg_emails()[1].subject
    assert set(LvgThresholdNotice.objects.values_list("mark", flat=True)) == {80, 100}

    registered(organization, owner, effective_from=today)
    assert declaration_todos(user=owner, organization=organization) == []


def test_a_seller_passing_both_marks_at_once_gets_one_email(seller, threshold_1000):
    organization, _owner = seller
    for _ in range(3):
        sold(organization, value="400.00")
    assert lvg_threshold_sweep() == [organization.pk]
    (email,) = lvg_emails()
    assert "must register" in email.subject
    assert LvgThresholdNotice.objects.count() == 2


def test_the_running_total_counts_what_the_engine_taxes_as_lvg(seller):
    """Cross-check with the engine: the value the watch counts for a consignment is the
    base of the LVG lines the engine assesses for a registered seller."""
    organization, owner = seller
    registered(organization, owner)
    declaration = sold(organization, value="333.33", currency="CNY", rate="0.6543")
    bases = sum(line.base for line in declaration.assessment_lines.filter(tax="lvg_sales_tax"))
    assert bases == D("218.10")  # 333.33 × 0.6543 = 218.098…, to the sen
    items = [(i.hs_code, i.value) for i in declaration.items.all()]
    assert lvg_sale_value(items, D("0.6543"), D("500"), ["22"]) == bases


# --- the return ----------------------------------------------------------------------------


def test_taxable_periods_are_three_months_ending_as_the_registration_says():
    registration = LvgRegistration(effective_from=date(2025, 12, 15), period_ends=1)
    period = taxable_period_of(registration, date(2026, 2, 10))
    assert (period.start, period.end, period.due_on) == (
        date(2026, 2, 1),
        date(2026, 4, 30),
        date(2026, 5, 31),
    )
    periods = lvg_periods(registration=registration, today=date(2026, 5, 1))
    assert [p.key for p in periods] == ["2026-07", "2026-04", "2026-01"]
    quarters = LvgRegistration(effective_from=date(2024, 1, 1), period_ends=3)
    assert taxable_period_of(quarters, date(2026, 12, 31)).start == date(2026, 10, 1)


@pytest.fixture
def quarter_of_sales(seller, kul, customs_officer):
    """A registered seller's sales: two in the first quarter of 2026, one after it, and one
    that customs rejected."""
    organization, owner = seller
    registration = registered(organization, owner)
    WatchListEntry.objects.create(name="Watched Buyer", reason="earlier seizure")
    made = []
    for on, value, rate in (
        (date(2026, 2, 10), "200.00", "1"),
        (date(2026, 3, 31), "300.00", "0.65"),  # CNY 300 at customs' rate: RM195.00
        (date(2026, 4, 1), "100.00", "1"),  # the next taxable period
        (date(2026, 3, 5), "50.00", "1"),  # rejected below: it declared nothing
    ):
        importer = "Watched Buyer" if value == "50.00" else "Siti Aminah"
        order = consumer_order(organization, value=value)
        request = my_import(
            kul,
            organization,
            on=on,
            value=value,
            rate=rate,
            order=order,
            importer=importer,
            sold_online_by_registered_seller=True,
            lvg_registration_number=NUMBER,
        )
        made.append(submit_and_process(declaration_create(request=request, actor_label="t")))
    rejected = made[-1]
    assert rejected.status == Declaration.Status.LANE  # its buyer is on the watch list
    declaration_decide(
        declaration=rejected, decision="reject", reason="Not the goods.", actor=customs_officer
    )
    return registration, made


def test_the_return_lists_each_lvg_sale_and_the_totals_as_csv_and_xlsx(
    client, seller, quarter_of_sales
):
    registration, made = quarter_of_sales
    _organization, owner = seller
    client.force_login(owner)
    base = f"/customs/lvg/registration/{registration.public_id}/returns/2026-03"
    page = client.get("/customs/lvg/registration/").content.decode()
    assert f"{base}.csv" in page and f"{base}.xlsx" in page

    response = client.get(f"{base}.csv")
    assert response.status_code == 200
    assert f'filename="lvg-return-{NUMBER}-2026-03.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    first, second = made[0], made[1]
    assert rows == [
        [
            "Order",
            "Ordered on",
            "Declaration",
            "Declared on",
            "Sale value (MYR)",
            "Sales tax charged (MYR)",
        ],
        [
            first.order.reference,
            timezone.localdate(first.order.created_at, MALAYSIA).isoformat(),
            first.reference,
            "2026-02-10",
            "200.00",
            "20.00",
        ],
        [
            second.order.reference,
            timezone.localdate(second.order.created_at, MALAYSIA).isoformat(),
            second.reference,
            "2026-03-31",
            "195.00",
            "19.50",
        ],
        ["Total", "", "", "", "395.00", "39.50"],
    ]

    response = client.get(f"{base}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1][:2] == ["LVG registration number", NUMBER]
    assert values[2][:2] == ["Taxable period", "2026-01-01 – 2026-03-31"]
    assert values[3][:2] == ["Return and payment due by", "2026-04-30"]
    assert values[5][4:] == ["Sale value (MYR)", "Sales tax charged (MYR)"]
    assert [row[2] for row in values[6:8]] == [first.reference, second.reference]
    assert [(D(str(row[4])), D(str(row[5]))) for row in values[6:9]] == [
        (D("200"), D("20")),
        (D("195"), D("19.5")),
        (D("395"), D("39.5")),
    ]
    assert values[8][0] == "Total"

    assert client.get(f"{base[:-7]}2026-02.csv").status_code == 404  # not a period's end
    assert client.get(f"{base}.pdf").status_code == 404


# --- who may see and change it -------------------------------------------------------------


def test_the_owners_enter_correct_and_cancel_and_each_change_is_audited(client, seller):
    organization, owner = seller
    client.force_login(owner)
    page = client.get("/customs/lvg/registration/")
    assert page.status_code == 200 and "Not registered" in page.content.decode()
    response = client.post(
        "/customs/lvg/registration/",
        {
            "action": "enter",
            "number": " lvg-2401-00000123 ",
            "effective_from": "2024-01-01",
            "period_ends": "3",
        },
    )
    assert response.status_code == 302
    registration = LvgRegistration.objects.get()
    assert (registration.number, registration.organization) == (NUMBER, organization)
    client.post(
        "/customs/lvg/registration/",
        {
            "action": "correct",
            "registration": str(registration.public_id),
            "number": "LVG-2401-00000124",
            "effective_from": "2024-01-01",
            "period_ends": "1",
            "reason": "Mistyped the number.",
        },
    )
    registration.refresh_from_db()
    assert (registration.number, registration.period_ends) == ("LVG-2401-00000124", 1)
    client.post(
        "/customs/lvg/registration/",
        {
            "action": "cancel",
            "registration": str(registration.public_id),
            "cancelled_from": "2026-01-01",
            "reason": "Below the threshold.",
        },
    )
    registration.refresh_from_db()
    assert registration.status == "cancelled"
    trail = AuditEntry.objects.filter(
        target_type="customs.lvgregistration", target_id=str(registration.pk)
    ).order_by("id")
    assert [(e.action, e.actor) for e in trail] == [
        ("customs.lvg_registration.entered", owner),
        ("customs.lvg_registration.corrected", owner),
        ("customs.lvg_registration.cancelled", owner),
    ]
    assert trail[1].data["before"]["number"] == NUMBER
    assert trail[1].reason == "Mistyped the number."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"number": "x"}, "number", "5 to 20 letters and digits"),
        ({"number": "LVG/2401/0001"}, "number", "5 to 20 letters and digits"),
        ({"number": ""}, "number", "required"),
        ({"effective_from": "31/02/2024"}, "effective_from", "valid date"),
        ({"effective_from": "2019-01-01"}, "effective_from", "between 2023-01-01"),
        ({"period_ends": "4"}, "period_ends", "valid choice"),
    ],
)
def test_bad_input_is_a_form_error(client, seller, changes, field, message):
    _organization, owner = seller
    client.force_login(owner)
    data = {"action": "enter", "number": NUMBER, "effective_from": "2024-01-01", "period_ends": "3"}
    response = client.post("/customs/lvg/registration/", data | changes)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not LvgRegistration.objects.exists()


def test_a_second_registration_in_force_is_a_form_error(client, seller):
    organization, owner = seller
    registered(organization, owner)
    client.force_login(owner)
    response = client.post(
        "/customs/lvg/registration/",
        {
            "action": "enter",
            "number": "LVG-2401-00000999",
            "effective_from": "2025-01-01",
            "period_ends": "3",
        },
    )
    assert response.status_code == 200
    assert "in force already" in str(response.context["form"].errors["number"])
    assert LvgRegistration.objects.count() == 1


def test_another_organisations_members_cannot_see_or_change_it(client, seller, kul, hgh):
    organization, owner = seller
    registration = registered(organization, owner)
    other = factories.SellerFactory(home_hub=kul)
    for user in (factories.member(other), factories.member(other, role="staff")):
        client.force_login(user)
        page = client.get("/customs/lvg/registration/").content.decode()
        assert NUMBER not in page  # their own organisation's page
        base = f"/customs/lvg/registration/{registration.public_id}/returns/2026-03"
        assert client.get(f"{base}.csv").status_code in (403, 404)
        response = client.post(
            "/customs/lvg/registration/",
            {
                "action": "cancel",
                "registration": str(registration.public_id),
                "cancelled_from": "2026-01-01",
                "reason": "Not mine.",
            },
        )
        assert response.status_code in (403, 404)
        assert client.get("/customs/lvg/").status_code == 403  # the officers' list
    with pytest.raises(NotAllowedError):
        lvg_registration_cancel(
            registration=registration,
            cancelled_from=date(2026, 1, 1),
            reason="Not mine.",
            actor=factories.member(other),
        )
    registration.refresh_from_db()
    assert registration.status == "in_force"


def test_the_sellers_staff_see_it_but_only_the_owners_change_it(client, seller):
    organization, owner = seller
    registration = registered(organization, owner)
    staff = factories.member(organization, role="staff")
    client.force_login(staff)
    page = client.get("/customs/lvg/registration/").content.decode()
    assert NUMBER in page and "Record the cancellation" not in page
    response = client.post(
        "/customs/lvg/registration/",
        {
            "action": "cancel",
            "registration": str(registration.public_id),
            "cancelled_from": "2026-01-01",
            "reason": "x",
        },
    )
    assert response.status_code == 403
    # the return is the organisation's money: its owners'
    assert (
        client.get(
            f"/customs/lvg/registration/{registration.public_id}/returns/2026-03.csv"
        ).status_code
        == 403
    )


def test_mdec_and_malaysian_customs_officers_see_every_registration(
    client, seller, hgh, customs_officer, mdec_officer
):
    organization, owner = seller
    registered(organization, owner)
    for officer in (customs_officer, mdec_officer):
        client.force_login(officer)
        page = client.get("/customs/lvg/", {"q": "Hangzhou Silk"}).content.decode()
        assert NUMBER in page and organization.legal_name in page
    hgh_officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    client.force_login(hgh_officer)
    assert client.get("/customs/lvg/").status_code == 403
    client.logout()
    assert client.get("/customs/lvg/").status_code == 302  # to sign in


# --- at once (PostgreSQL) ------------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)


def at_once(*calls) -> list:
    """Each call in its own thread and connection, started together; what each returned or
    the refusal it raised."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except ApplicationError as refused:
            results[index] = refused
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def entry(organization, owner, number):
    return lambda: lvg_registration_enter(
        organization=organization,
        request=LvgRegistrationRequest(number, date(2024, 1, 1)),
        actor=owner,
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_entries_at_once_leave_one_registration_in_force(seller, kul):
    organization, owner = seller
    results = at_once(
        entry(organization, owner, "LVG-2401-00000001"),
        entry(organization, owner, "LVG-2401-00000002"),
    )
    assert sorted(type(result).__name__ for result in results) == [
        "ConflictError",
        "LvgRegistration",
    ]
    assert LvgRegistration.objects.filter(organization=organization).count() == 1
    # the negative control: two sellers entering at once both register
    other = factories.SellerFactory(home_hub=kul)
    third = factories.SellerFactory(home_hub=kul)
    results = at_once(
        entry(other, factories.member(other), "LVG-2401-00000003"),
        entry(third, factories.member(third), "LVG-2401-00000004"),
    )
    assert [type(result).__name__ for result in results] == ["LvgRegistration"] * 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_watches_at_once_send_each_email_once(seller, threshold_1000):
    organization, _owner = seller
    for _ in range(3):
        sold(organization, value="400.00")
    results = at_once(
        lambda: lvg_threshold_watch(organization=organization),
        lambda: lvg_threshold_watch(organization=organization),
    )
    assert sorted(results, key=len) == [[], [80, 100]]
    assert len(lvg_emails()) == 1
