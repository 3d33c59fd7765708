"""Read-only views of the ledger for officers: money is moved by services, never by hand."""

from django.contrib import admin

from ewtp.common.admin import ReadOnlyAdmin

from .models import Account, Entry, LedgerTransaction


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    can_delete = False
    readonly_fields = ["account", "amount", "currency", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "currency", "organization", "hub"]
    list_filter = ["kind", "currency"]
    search_fields = ["key", "organization__legal_name"]
    list_select_related = ["organization", "hub"]


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "kind", "reference", "description", "reverses"]
    list_filter = ["kind"]
    search_fields = ["reference", "description"]
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    """An account's statement: filter by account."""

    list_display = ["created_at", "account", "amount", "currency", "transaction"]
    list_filter = ["currency", "account__kind"]
    search_fields = ["account__key", "transaction__reference"]
    list_select_related = ["account", "transaction"]
