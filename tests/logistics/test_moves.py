"""The moves of parcels and flights in the one shape: every move named, a bare move idempotent,
a floor step refused outside the states it starts from, a batch checked against the map."""

import pytest

from ewtp.common.errors import ConflictError
from ewtp.common.models import AuditEntry
from logistics.errors import LogisticsErrorCode
from logistics.models import Flight, Parcel, TrackingEvent, WaybillSequence
from logistics.services.flights import flight_cancel, flight_depart
from logistics.services.floor import parcel_receive
from logistics.services.moves import PARCEL_MOVES, parcel_transition, parcels_batch_move

from .conftest import flight, pack

pytestmark = pytest.mark.django_db
P = Parcel.Status


def test_every_move_of_a_parcel_has_its_audit_action_and_tracking_code():
    moves = {(before, to) for before, targets in Parcel.TRANSITIONS.items() for to in targets}
    assert set(PARCEL_MOVES) == moves


def test_a_move_without_sources_is_idempotent(world):
    parcel = parcel_receive(parcel=pack(world), actor=world["operator"])
    for _ in range(2):  # a retried step
        held = parcel_transition(parcel=parcel, to=P.HELD, reason="Label torn")
    assert (held.status, held.hold_reason) == (P.HELD, "Label torn")
    assert TrackingEvent.objects.filter(parcel=parcel, code="HLD").count() == 1
    audit = AuditEntry.objects.get(action="logistics.parcel.held", target_id=str(parcel.pk))
    assert audit.data == {"from": P.RECEIVED, "to": P.HELD, "waybill": parcel.waybill}


def test_a_move_to_received_names_where_it_starts(world):
    with pytest.raises(ValueError, match="Name the sources"):
        parcel_transition(parcel=pack(world), to=P.RECEIVED)


def test_a_batch_move_outside_the_map_is_refused():
    with pytest.raises(ConflictError) as refused:
        parcels_batch_move(before=P.DELIVERED, to=P.RECEIVED)
    assert refused.value.code == LogisticsErrorCode.PARCEL_STATE
    assert parcels_batch_move(before=P.MANIFESTED, to=P.DEPARTED).action == (
        "logistics.parcel.departed"
    )


def test_a_cancelled_flight_is_not_cancelled_again_nor_departed(world):
    departure = flight(world)
    assert flight_cancel(flight=departure, reason="Crew", actor_label="ops") == 0
    with pytest.raises(ConflictError) as refused:
        flight_cancel(flight=departure, reason="Crew", actor_label="ops")
    assert refused.value.code == LogisticsErrorCode.FLIGHT_STATE
    assert flight_depart(flight=departure, actor_label="ops") is False
    assert Flight.objects.get(pk=departure.pk).status == Flight.Status.CANCELLED


def test_a_hub_whose_house_waybills_ran_out_is_told(world):
    pack(world)  # the hub's series exists
    WaybillSequence.objects.filter(name="HAWB-KUL").update(next_value=10**8)
    with pytest.raises(ConflictError) as refused:
        pack(world)
    assert refused.value.code == LogisticsErrorCode.HAWB_EXHAUSTED
