"""A parcel weighed outside the tolerance waits for the hub's customs officers: they accept
the measured weight (it may board) in the portal; nobody else can."""

from decimal import Decimal

import pytest

from ewtp.common.errors import NotAllowedError
from hubs.models import User
from logistics.models import Parcel
from logistics.services.floor import parcel_receive, parcel_weigh, parcel_weight_accept
from tests import factories

from .conftest import pack

pytestmark = pytest.mark.django_db


def flagged(world):
    parcel = parcel_receive(parcel=pack(world, weight="1.000"), actor=world["operator"])
    parcel = parcel_weigh(parcel=parcel, measured_kg=Decimal("1.500"), actor=world["operator"])
    assert parcel.weight_flagged and parcel.export_released_at is None
    return parcel


def test_the_hubs_customs_officer_accepts_the_measured_weight(client, world, customs_officer):
    parcel = flagged(world)
    client.force_login(customs_officer)
    page = client.get("/logistics/weight-mismatches/")
    assert [p.waybill for p in page.context["parcels"]] == [parcel.waybill]
    client.post("/logistics/weight-mismatches/", {"waybill": parcel.waybill})
    parcel = Parcel.objects.get(pk=parcel.pk)
    assert not parcel.weight_flagged and parcel.export_released_at is not None
    assert parcel.events.last().code == "CCD" and "1.500" in parcel.events.last().note
    assert client.get("/logistics/weight-mismatches/").context["parcels"].count() == 0
    again = parcel_weight_accept(parcel=parcel, actor=customs_officer)  # a double click
    assert again.events.filter(code="CCD").count() == 1


def test_nobody_else_accepts_a_weight(client, world, hgh):
    parcel = flagged(world)
    elsewhere = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    with pytest.raises(NotAllowedError):
        parcel_weight_accept(parcel=parcel, actor=elsewhere)
    with pytest.raises(NotAllowedError):
        parcel_weight_accept(parcel=parcel, actor=world["operator"])
    client.force_login(world["seller_user"])
    assert client.get("/logistics/weight-mismatches/").status_code == 403
    client.force_login(elsewhere)
    assert client.get("/logistics/weight-mismatches/").context["parcels"].count() == 0
    assert Parcel.objects.get(pk=parcel.pk).weight_flagged
