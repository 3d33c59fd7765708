"""The LVG registration in the portal: the owners enter, correct and cancel it, each change
audited; who else may see it."""

from datetime import date

import pytest

from customs.models import LvgRegistration
from customs.services.lvg import lvg_registration_cancel
from ewtp.common.errors import NotAllowedError
from ewtp.common.models import AuditEntry
from hubs.models import User
from tests import factories

from .support import NUMBER, registered

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kul", "hgh", "lanes_by_rule")]


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
