"""Read-only views of the ledger for officers: money is moved by services, never by hand.
The hub's collection accounts are kept here too, each change through its service."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ewtp.common.admin import ReadOnlyAdmin

from .models import (
    Account,
    CollectionAccount,
    Entry,
    FeeSchedule,
    FxConversion,
    FxFeedFetch,
    FxRate,
    LedgerTransaction,
)
from .services.collection_accounts import collection_account_save


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


@admin.register(FxRate)
class FxRateAdmin(ReadOnlyAdmin):
    list_display = ["as_of", "base", "quote", "rate", "source"]
    list_filter = ["quote", "source"]
    date_hierarchy = "as_of"


@admin.register(FxFeedFetch)
class FxFeedFetchAdmin(ReadOnlyAdmin):
    """Each document the rate feed answered with, as it came, and each failure."""

    list_display = ["fetched_at", "source", "status", "rate_day", "rates_new", "alerted_at"]
    list_filter = ["status", "source"]
    exclude = ["raw"]
    readonly_fields = ["document"]

    @admin.display(description="document as received")
    def document(self, fetch):
        # shown as text, escaped: it is whatever the feed sent
        return format_html("<pre>{}</pre>", bytes(fetch.raw).decode("utf-8", "replace"))


@admin.register(FxConversion)
class FxConversionAdmin(ReadOnlyAdmin):
    list_display = [
        "ledger_transaction",
        "from_currency",
        "to_currency",
        "applied_rate",
        "rate_source",
        "rate_as_of",
    ]


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    """Fee schedules are data (dated): a new one is added from a date on, old ones stay."""

    list_display = ["hub", "percent", "fixed_minor", "currency", "effective_from"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False


class CollectionAccountForm(forms.ModelForm):
    class Meta:
        model = CollectionAccount
        fields = ["bank", "currency", "account_name", "account_number", "bic", "in_use"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the currencies buyers may pay in, and the account's own if it is no longer one
        # (so that it can still be taken out of use)
        codes = list(settings.PAYMENT_CURRENCIES)
        if self.instance.currency and self.instance.currency not in codes:
            codes.append(self.instance.currency)
        self.fields["currency"] = forms.ChoiceField(
            label=_("currency"),
            choices=[(code, code) for code in codes],
            help_text=CollectionAccount._meta.get_field("currency").help_text,
        )


@admin.register(CollectionAccount)
class CollectionAccountAdmin(admin.ModelAdmin):
    """The hub's accounts at its partner banks that buyers pay into, one in use per
    currency; the payment page and the API show the one in use. Never deleted: an account
    buyers were told of is taken out of use, so that the trail says where they were sent."""

    form = CollectionAccountForm
    list_display = ["currency", "bank", "account_name", "account_number", "bic", "in_use"]
    list_filter = ["in_use", "currency"]
    list_select_related = ["bank__application"]
    search_fields = ["account_name", "account_number", "bic"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # through the service: checked again, and audited with before and after
        collection_account_save(account=obj, actor=request.user)
