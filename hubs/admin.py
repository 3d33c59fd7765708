from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from ewtp.common.admin import ReadOnlyAdmin

from .models import CargoInsuranceRate, ERoad, Hub, Membership, Organization, ShippingRate, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "official_role", "official_hub", "is_staff", "is_active"]
    list_filter = ["official_role", "official_hub", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name"]}),
        (_("Official role"), {"fields": ["official_role", "official_hub"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined"]


class ERoadInline(admin.TabularInline):
    """Shown, not edited: e-roads open through `eroad_open` (audited, announced as an event)."""

    model = ERoad
    fk_name = "origin"
    extra = 0
    can_delete = False
    readonly_fields = ["destination", "transit_days", "is_active"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Hub)
class HubAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country", "currency", "timezone"]
    readonly_fields = ["code", "country", "iata_code", "airport_name", "currency", "timezone"]
    inlines = [ERoadInline]

    def has_add_permission(self, request):
        return False  # opened with `manage.py hub_open IATA` from the airport reference data


@admin.register(ShippingRate)
class ShippingRateAdmin(ReadOnlyAdmin):
    """Published through hubs.services.carriage (audited); a new tariff is a new dated row."""

    list_display = ["eroad", "currency", "per_kg", "minimum", "effective_from", "effective_to"]
    list_filter = ["eroad__origin"]


@admin.register(CargoInsuranceRate)
class CargoInsuranceRateAdmin(ReadOnlyAdmin):
    list_display = ["hub", "percent", "effective_from", "effective_to", "source"]


class MembershipInline(admin.TabularInline):
    """Members join by invitation (audited); the admin shows them."""

    model = Membership
    extra = 0
    can_delete = False
    readonly_fields = ["user", "role"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "country", "home_hub", "created_at"]
    list_filter = ["country", "home_hub"]
    search_fields = ["legal_name"]
    list_select_related = ["home_hub"]
    inlines = [MembershipInline]
    # Verification is decided on the review page (audited, notified); the identity and the
    # payout account are changed by the owners (audited, notified, and sent to review when
    # they need it); a held payout account is accepted on the review page. None is edited here.
    readonly_fields = [
        "kyc_status",
        "kyc_reason",
        "kyc_decided_at",
        "legal_name",
        "verified_legal_name",
        "payout_bic",
        "payout_account_name",
        "payout_account_number",
        "payout_account_problem",
        "registration_number",
        "country",
    ]
