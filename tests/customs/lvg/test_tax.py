"""The duty engine charges LVG sales tax only for a seller registered on the declaration
date, and its declarations carry the registration number (see the package for the law)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from customs.api.declaration_outputs import DeclarationOutput
from customs.models import Declaration
from customs.services.filing import declaration_create
from customs.services.lvg import (
    LvgRegistrationRequest,
    lvg_registration_cancel,
    lvg_registration_correct,
    lvg_registration_enter,
)
from ewtp.common.errors import ApplicationError, ConflictError
from pipeline.customs_filing import import_quote_request, import_request

from ..support import declaration_form, submit_and_process
from .support import NUMBER, consumer_order, imported, my_import, registered, taxes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kul", "hgh", "lanes_by_rule")]
D = Decimal


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
    form = declaration_form(
        **{
            "regime": "MY_IMPORT",
            "importer": "Siti Aminah",
            "waybill": "",
            "sold_online_by_registered_seller": "on",
            "items-TOTAL_FORMS": "1",
            "items-0-description": "Silk scarf",
            "items-0-origin": "CN",
            "items-0-quantity": "1",
            "items-0-net_weight_kg": "0.150",
            "items-0-value": "200.00",
        }
    )
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
