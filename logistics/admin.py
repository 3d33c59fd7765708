from django.contrib import admin

from .models import Carrier, Facility, Flight, Parcel, TrackingEvent


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["name", "hub"]


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["iata_code", "name", "awb_prefix"]


@admin.register(Flight)
class FlightAdmin(admin.ModelAdmin):
    list_display = ["number", "eroad", "departs_at", "status", "loaded_kg", "capacity_kg"]
    list_filter = ["status", "carrier"]
    list_select_related = ["eroad__origin", "eroad__destination"]
    # loads change only through consolidation, which keeps them true to the parcels
    readonly_fields = ["loaded_kg", "loaded_pieces", "master_waybill"]


class EventInline(admin.TabularInline):
    model = TrackingEvent
    extra = 0
    can_delete = False
    readonly_fields = ["code", "occurred_at", "place", "actor_label", "flight", "note"]


@admin.register(Parcel)
class ParcelAdmin(admin.ModelAdmin):
    list_display = ["waybill", "order", "status", "declared_weight_kg", "flight"]
    list_filter = ["status", "weight_flagged"]
    search_fields = ["waybill", "order__reference"]
    list_select_related = ["order", "flight"]
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):
        return False  # parcels move only through the floor and consolidation services
