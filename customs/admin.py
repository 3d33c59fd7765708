from django.contrib import admin

from ewtp.common.admin import ReadOnlyAdmin

from .models import (
    AssessmentLine,
    Declaration,
    LaneDecision,
    Permit,
    PermitDrawdown,
    PositiveListEntry,
    PostClearanceAudit,
    PreferentialRate,
    RegimeParameter,
    RiskRule,
    TariffLine,
    TariffSchedule,
    WatchListEntry,
)
from .models.lvg import LvgRegistration, LvgThresholdNotice
from .models.origin import CertificateOfOrigin, OriginDeclaration


class ReadOnlyTariffAdmin(ReadOnlyAdmin):
    """Schedules are loaded from files (manage.py tariff_load, or the portal's tariff page),
    never edited here: a declaration keeps the line it was assessed under."""


@admin.register(TariffSchedule)
class TariffScheduleAdmin(ReadOnlyTariffAdmin):
    list_display = ["country", "edition", "version", "line_count", "effective_from", "indicative"]
    list_filter = ["country", "indicative"]


@admin.register(TariffLine)
class TariffLineAdmin(ReadOnlyTariffAdmin):
    list_display = ["country", "hs_code", "effective_from", "duty_percent", "sales_tax_percent"]
    list_filter = ["country"]
    search_fields = ["hs_code", "description"]


@admin.register(PreferentialRate)
class PreferentialRateAdmin(ReadOnlyTariffAdmin):
    list_display = ["country", "hs_code", "agreement", "duty_percent", "effective_from"]


@admin.register(RegimeParameter)
class RegimeParameterAdmin(admin.ModelAdmin):
    list_display = ["country", "name", "value", "effective_from", "legal_source"]


class AssessmentInline(admin.TabularInline):
    model = AssessmentLine
    extra = 0
    can_delete = False
    readonly_fields = ["line_no", "tax", "base", "rate", "rule", "legal_source", "amount"]


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ["reference", "regime", "hub", "status", "treatment", "total_tax"]
    list_filter = ["regime", "status"]
    search_fields = ["reference"]
    inlines = [AssessmentInline]

    def has_change_permission(self, request, obj=None):
        return False  # declarations move only through the customs services


@admin.register(RiskRule)
class RiskRuleAdmin(admin.ModelAdmin):
    """Officers tune selectivity here: weights, parameters, on or off."""

    list_display = ["code", "name", "weight", "enabled", "legal_source"]
    list_editable = ["weight", "enabled"]


@admin.register(WatchListEntry)
class WatchListEntryAdmin(admin.ModelAdmin):
    list_display = ["name", "reason", "created_at"]
    search_fields = ["name"]


@admin.register(LaneDecision)
class LaneDecisionAdmin(admin.ModelAdmin):
    list_display = ["declaration", "lane", "score", "created_at"]
    list_filter = ["lane"]
    readonly_fields = ["declaration", "score", "lane", "rules_fired", "seed"]

    def has_add_permission(self, request):
        return False


@admin.register(PostClearanceAudit)
class PostClearanceAuditAdmin(admin.ModelAdmin):
    """Read only: audits move on the officers' workbench, their billing through the ledger."""

    list_display = ["declaration", "hub", "selected_because", "status", "created_at"]
    list_filter = ["status", "selected_because", "hub"]
    search_fields = ["declaration__reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PermitDrawdownInline(admin.TabularInline):
    model = PermitDrawdown
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "declaration", "item", "amount", "balance_after"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Permit)
class PermitAdmin(ReadOnlyAdmin):
    """Read-only: officers register permits on the workbench (customs/services/permits.py),
    and a balance moves only with a release or its giving back."""

    list_display = ["agency", "number", "holder", "country", "hs_prefix", "balance", "valid_until"]
    list_filter = ["agency", "country", "direction"]
    search_fields = ["number", "holder__legal_name"]
    inlines = [PermitDrawdownInline]


@admin.register(LvgRegistration)
class LvgRegistrationAdmin(ReadOnlyAdmin):
    """Read only: a seller's owners enter, correct and cancel it in the portal (audited)."""

    list_display = ["number", "organization", "effective_from", "status", "cancelled_from"]
    list_filter = ["status"]
    search_fields = ["number", "organization__legal_name"]


@admin.register(LvgThresholdNotice)
class LvgThresholdNoticeAdmin(ReadOnlyAdmin):
    list_display = ["organization", "mark", "total", "threshold", "created_at"]


@admin.register(PositiveListEntry)
class PositiveListEntryAdmin(ReadOnlyAdmin):
    """Loaded edition by edition from files (manage.py tariff_load --positive-list)."""

    list_display = ["hs_code", "description", "edition", "effective_from", "effective_to"]
    list_filter = ["edition", "indicative"]
    search_fields = ["hs_code", "description"]


@admin.register(OriginDeclaration)
class OriginDeclarationAdmin(ReadOnlyAdmin):
    """Read only: the exporter files it in the portal; the rule's result is stored with it."""

    list_display = ["organization", "hs_code", "criterion", "rvc_percent", "result", "hub"]
    list_filter = ["result", "criterion", "origin_country", "importing_country"]
    search_fields = ["organization__legal_name", "hs_code", "description"]


@admin.register(CertificateOfOrigin)
class CertificateOfOriginAdmin(ReadOnlyAdmin):
    """Read only: the origin hub's officers issue and revoke it on the workbench (audited)."""

    list_display = ["number", "exporter", "importing_country", "issued_on", "valid_until", "status"]
    list_filter = ["status", "origin_country", "importing_country"]
    search_fields = ["number", "exporter__legal_name"]
