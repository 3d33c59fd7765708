from django.contrib import admin

from .api_clients import api_client_update
from .models import (
    ApiClient,
    AuditEntry,
    OutboxDelivery,
    OutboxEvent,
    OutgoingEmail,
    WebhookDelivery,
    WebhookEndpoint,
)
from .outbox import outbox_redeliver


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that are records of what happened: visible, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_label", "action", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_id", "action"]
    date_hierarchy = "created_at"


class OutboxDeliveryInline(admin.TabularInline):
    model = OutboxDelivery
    extra = 0
    can_delete = False
    readonly_fields = ["subscriber", "delivered_at", "event_created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "created_at", "dispatched_at", "attempts", "next_attempt_at"]
    list_filter = ["name", ("dispatched_at", admin.EmptyFieldListFilter)]
    inlines = [OutboxDeliveryInline]
    actions = ["redeliver"]

    @admin.action(description="Deliver again (undelivered events only)")
    def redeliver(self, request, queryset):
        count = outbox_redeliver(event_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} event(s) will be delivered by the next sweep.")


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["application", "kind", "allowed_scopes", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    fields = ["application", "kind", "allowed_scopes", "is_active"]
    readonly_fields = ["application", "kind"]

    def has_add_permission(self, request):
        return False  # clients are issued with `manage.py api_client_create` (secret shown once)

    def save_model(self, request, obj, form, change):
        # through the service: audited, and live tokens revoked when access shrinks
        api_client_update(
            client=obj,
            is_active=obj.is_active,
            scopes=obj.allowed_scopes.split(),
            actor=request.user,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: every event sent to a partner, its attempts and last answer."""

    list_display = [
        "created_at",
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    ]
    list_filter = ["status", "event"]
    search_fields = ["endpoint__url", "event_id"]
    list_select_related = ["endpoint"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["api_client", "url", "events", "is_active", "created_at"]
    exclude = ["secret"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject", "sent_at", "attempts", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject"]
