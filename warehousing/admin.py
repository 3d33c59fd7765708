"""Administrators open warehouses and lay out their locations; stock, the ledger and the
shipments change only through the services (the floor's pages and the API), so they are
read-only here."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Fulfilment, InboundShipment, LedgerEntry, Location, StockLot, Warehouse


class LocationInline(admin.TabularInline):
    model = Location
    extra = 3


class WarehouseForm(forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = [
            "hub",
            "code",
            "name",
            "is_bonded",
            "site_kind",
            "customs_site_code",
            "delivery_days_min",
            "delivery_days_max",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        hub = data.get("hub")
        if data.get("is_bonded"):
            if hub is not None and hub.country.code != "CN":
                self.add_error("hub", _("Bonded retail imports (mode 1210) are China's."))
            if not data.get("site_kind"):
                self.add_error("site_kind", _("Say which kind of customs site it is."))
            if not (data.get("customs_site_code") or "").strip():
                self.add_error("customs_site_code", _("Give the customs site's code."))
        return data


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    form = WarehouseForm
    list_display = ["code", "name", "hub", "is_bonded", "customs_site_code", "is_active"]
    list_filter = ["is_bonded", "is_active", "hub"]
    list_select_related = ["hub"]
    inlines = [LocationInline]

    def get_readonly_fields(self, request, obj=None):
        # once goods are in it, its hub and its bond are what its ledger and stock mean
        if obj is not None and (obj.stock.exists() or obj.ledger.exists()):
            return ["code", "hub", "is_bonded", "site_kind", "customs_site_code"]
        return []


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InboundShipment)
class InboundShipmentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "seller", "warehouse", "status", "expected_on"]
    list_filter = ["status", "warehouse"]
    search_fields = ["reference", "entry_declaration"]
    list_select_related = ["seller", "warehouse"]


@admin.register(StockLot)
class StockLotAdmin(ReadOnlyAdmin):
    list_display = ["location", "product", "lot", "expires_on", "on_hand", "reserved"]
    list_filter = ["warehouse"]
    list_select_related = ["location__warehouse", "product"]


@admin.register(Fulfilment)
class FulfilmentAdmin(ReadOnlyAdmin):
    list_display = ["waybill", "order", "warehouse", "status", "release_declaration"]
    list_filter = ["status", "warehouse"]
    search_fields = ["waybill", "order__reference", "release_declaration"]
    list_select_related = ["order", "warehouse"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "warehouse", "product", "lot", "movement", "quantity", "document"]
    list_filter = ["movement", "warehouse"]
    search_fields = ["document"]
    list_select_related = ["warehouse", "product"]
