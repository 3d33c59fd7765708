"""Tracking over the API, for sales channels (their orders' parcels) and organisations (the
parcels of their sales and purchases)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.permissions import HasMethodScope
from hubs.api.caller import IsChannelOrOrganizationClient, caller_of

from .. import selectors


class EventOutput(serializers.Serializer):
    class Meta:
        ref_name = "TrackingEvent"

    code = serializers.CharField(help_text="IATA status code (BKD, RCS, MAN, DEP, ARR, …)")
    description = serializers.CharField(source="get_code_display")
    occurred_at = serializers.DateTimeField()
    place = serializers.CharField(help_text="IATA code of the hub or airport")
    flight = serializers.CharField(source="flight.number", allow_null=True, default=None)


class ParcelTrackingOutput(serializers.Serializer):
    class Meta:
        ref_name = "ParcelTracking"

    waybill = serializers.CharField()
    order_reference = serializers.CharField(source="order.reference")
    status = serializers.CharField()
    origin = serializers.CharField(source="eroad.origin.code")
    destination = serializers.CharField(source="eroad.destination.code")
    master_waybill = serializers.CharField(
        source="flight.master_waybill_display", default=None, allow_null=True
    )
    events = EventOutput(many=True, source="timeline")


class ParcelTrackingApi(APIView):
    """A parcel's timeline. Subscribe to the `parcel.tracking` webhook to hear of each event."""

    permission_classes = [HasMethodScope, IsChannelOrOrganizationClient]
    scopes = {"GET": ["tracking:read"]}

    @extend_schema(operation_id="tracking_get", responses=ParcelTrackingOutput, tags=["tracking"])
    def get(self, request, waybill):
        caller = caller_of(request)
        parcels = (
            selectors.parcels_of_channel(channel=caller.client)
            if caller.is_channel
            else selectors.parcels_of_organization(organization=caller.organization)
        )
        parcel = (
            parcels.select_related("order", "eroad__origin", "eroad__destination", "flight")
            .filter(waybill=waybill.upper()[:12])
            .first()
        )
        if parcel is None:
            raise Http404
        # bounded by the parcel's creation, so that only the months since are read
        parcel.timeline = list(selectors.parcel_events(parcel=parcel).select_related("flight"))
        return Response(ParcelTrackingOutput(parcel).data)
