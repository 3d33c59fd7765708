"""Models of the logistics app: the eFulfilment centres, parcels under house waybills,
flights on e-roads with their master air waybills, and each parcel's tracking timeline."""

from .flights import Carrier, Flight
from .parcels import Facility, Parcel, ParcelItem, WaybillSequence
from .tracking import TrackingEvent

__all__ = [
    "Carrier",
    "Facility",
    "Flight",
    "Parcel",
    "ParcelItem",
    "TrackingEvent",
    "WaybillSequence",
]
