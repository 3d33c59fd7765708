"""Packing an order into parcels, and the hub floor: receive, weigh (tolerance), hold, return."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.models import OutboxEvent
from hubs.models import User
from logistics.models import ParcelItem, TrackingEvent
from logistics.services.floor import (
    parcel_find,
    parcel_hold,
    parcel_hold_release,
    parcel_receive,
    parcel_return,
    parcel_weigh,
)
from logistics.services.parcels import ParcelRequest, parcel_create
from logistics.waybills import house_waybill_valid
from tests import factories, ledger

from .conftest import pack

pytestmark = pytest.mark.django_db


def test_a_parcel_gets_a_valid_house_waybill_of_its_origin_hub(world):
    first, second = pack(world), pack(world)
    assert first.waybill.startswith("KUL") and house_waybill_valid(first.waybill)
    assert second.waybill != first.waybill
    assert parcel_find(waybill=f" {first.waybill.lower()} ") == first


def test_the_goods_packed_never_exceed_what_was_ordered(world):
    pack(world, quantity=9)
    with pytest.raises(ApplicationError, match="Only 1 of that line"):
        pack(world, quantity=2)
    assert ParcelItem.objects.aggregate(total=Sum("quantity"))["total"] == 9


@pytest.mark.parametrize(("weight", "field"), [("0", "weight_kg"), ("600", "weight_kg")])
def test_bad_parcels_are_refused_with_their_field(world, weight, field):
    with pytest.raises(ApplicationError) as refused:
        pack(world, weight=weight)
    assert refused.value.extra["field"] == field


def test_only_the_seller_packs_and_only_paid_orders(world):
    stranger = factories.member(factories.SellerFactory())
    request = ParcelRequest(Decimal(1), 10, 10, 10, {world["order"].lines.get().pk: 1})
    with pytest.raises(NotAllowedError):
        parcel_create(order=world["order"], request=request, actor=stranger)
    unpaid = ledger.placed_order(destination_hub=world["hgh"])
    request = ParcelRequest(Decimal(1), 10, 10, 10, {unpaid.lines.get().pk: 1})
    with pytest.raises(ConflictError, match="only a paid order"):
        parcel_create(order=unpaid, request=request, actor=factories.member(unpaid.seller))


def test_receive_weigh_within_tolerance(world):
    parcel = pack(world, weight="2.000")
    parcel = parcel_receive(parcel=parcel, actor=world["operator"])
    parcel = parcel_weigh(parcel=parcel, measured_kg=Decimal("2.150"), actor=world["operator"])
    assert not parcel.weight_flagged
    assert not OutboxEvent.objects.filter(name="logistics.parcel_weight_mismatch").exists()
    assert OutboxEvent.objects.filter(name="logistics.parcel_received").count() == 1


def test_a_weight_outside_the_tolerance_is_flagged_and_reported(world, settings):
    settings.PARCEL_WEIGHT_TOLERANCE_PERCENT = Decimal("10")
    parcel = parcel_receive(parcel=pack(world, weight="2.000"), actor=world["operator"])
    parcel = parcel_weigh(parcel=parcel, measured_kg=Decimal("2.201"), actor=world["operator"])
    assert parcel.weight_flagged
    event = OutboxEvent.objects.get(name="logistics.parcel_weight_mismatch")
    assert event.payload["measured_kg"] == "2.201"
    assert parcel.weight_kg == Decimal("2.201")  # loading uses what the scale said


def test_operators_work_only_at_their_own_hub(world, hgh):
    elsewhere = factories.UserFactory(
        official_role=User.OfficialRole.HUB_OPERATOR, official_hub=hgh
    )
    with pytest.raises(NotAllowedError):
        parcel_receive(parcel=pack(world), actor=elsewhere)
    with pytest.raises(NotAllowedError):
        parcel_receive(parcel=pack(world), actor=world["seller_user"])


def test_hold_release_return_and_wrong_order_of_steps(world):
    parcel = pack(world)
    with pytest.raises(ConflictError):
        parcel_weigh(parcel=parcel, measured_kg=Decimal(1), actor=world["operator"])
    parcel = parcel_receive(parcel=parcel, actor=world["operator"])
    with pytest.raises(ConflictError):
        parcel_receive(parcel=parcel, actor=world["operator"])  # scanned twice
    with pytest.raises(ApplicationError):
        parcel_hold(parcel=parcel, reason=" ", actor=world["operator"])
    parcel = parcel_hold(parcel=parcel, reason="Label torn", actor=world["operator"])
    parcel = parcel_hold_release(parcel=parcel, actor=world["operator"])
    parcel = parcel_return(parcel=parcel, reason="Customs rejected", actor=world["operator"])
    assert parcel.status == "returned"
    codes = list(parcel.events.values_list("code", flat=True))
    assert codes == ["RCS", "HLD", "HRL", "RTS"]
    # a returned parcel's goods may be packed again
    assert pack(world, quantity=10)


@pytest.mark.parametrize("waybill", ["KUL000000017", "nonsense", "", "KUL999999990"])
def test_a_bad_scan_is_a_clear_error(world, waybill):
    with pytest.raises(ApplicationError) as refused:
        parcel_find(waybill=waybill)
    assert refused.value.extra["field"] == "waybill"


def test_timeline_is_in_time_order(world):
    parcel = parcel_receive(parcel=pack(world), actor=world["operator"])
    parcel_weigh(parcel=parcel, measured_kg=Decimal("1"), actor=world["operator"])
    events = list(TrackingEvent.objects.filter(parcel=parcel))
    assert [e.code for e in events] == ["RCS", "WGT"]
    assert events[0].occurred_at <= events[1].occurred_at


def test_a_weight_mismatch_reaches_the_hubs_customs_officers(
    world, customs_officer, django_capture_on_commit_callbacks, mailoutbox
):
    parcel = parcel_receive(parcel=pack(world, weight="2.000"), actor=world["operator"])
    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers after commit
        parcel_weigh(parcel=parcel, measured_kg=Decimal("3.000"), actor=world["operator"])
    # the e-mail itself is sent after the pipeline step's own commit
    assert [m.to for m in mailoutbox] == [[customs_officer.email]]
    assert parcel.waybill in mailoutbox[0].subject
