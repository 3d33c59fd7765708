"""The hub's collection accounts: where buyers transfer what their orders owe.

Each is an account of the hub's at a partner bank in one payment currency. Buyers are told
to pay into the one in use for their order's currency, quoting the order reference; the
bank then reports each transfer over the API (``payments/api/views.py``) and the money goes
into the order's escrow.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ewtp.common.errors import CommonErrorCode
from ewtp.common.models import ApiClient, BaseModel
from ewtp.common.validators import no_bidi_controls
from hubs.validators import account_number_clean, bic_clean

from ..errors import PaymentsErrorCode


class CollectionAccount(BaseModel):
    bank = models.ForeignKey(
        "common.ApiClient",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": ApiClient.Kind.BANK},
        verbose_name=_("partner bank"),
    )
    currency = models.CharField(
        _("currency"), max_length=3, help_text=_("ISO 4217 code: one the buyers may pay in")
    )
    account_name = models.CharField(
        _("account name"),
        max_length=140,
        validators=[no_bidi_controls],
        help_text=_("The name the account is held in"),
    )
    account_number = models.CharField(
        _("account number or IBAN"),
        max_length=34,
        help_text=_("5 to 34 letters or digits; spaces and dashes are taken out"),
    )
    bic = models.CharField(
        _("bank SWIFT/BIC"),
        max_length=11,
        help_text=_("ISO 9362: 8 or 11 characters, e.g. CIBBMYKL or CIBBMYKLXXX"),
    )
    in_use = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_(
            "Buyers paying in this currency are told to pay into this account. Take an "
            "account out of use before putting another into use for its currency."
        ),
    )

    class Meta:
        ordering = ["currency", "-in_use", "-created_at"]
        verbose_name = _("collection account")
        constraints = [
            # buyers are told one account per currency: two in use would be a guess
            models.UniqueConstraint(
                fields=["currency"],
                condition=Q(in_use=True),
                name="collection_account_one_in_use_per_currency",
                violation_error_message=_(
                    "Another account is in use for this currency: take it out of use first."
                ),
            ),
            models.CheckConstraint(
                name="collection_account_currency_code",
                condition=Q(currency__regex=r"^[A-Z]{3}$"),
            ),
            # ISO 9362: bank (4 letters), country (2), location (2), branch (3, optional)
            models.CheckConstraint(
                name="collection_account_bic_shape",
                condition=Q(bic__regex=r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$"),
            ),
        ]

    def __str__(self):
        return f"{self.currency} {self.account_name} ({self.bic})"

    def clean(self):
        """Normalise what was typed (capitals, no spaces) and refuse what a buyer could not
        pay into: a BIC or account number of the wrong shape, a currency buyers cannot pay
        in, a bank that is not a partner bank."""
        errors = {}
        self.currency = (self.currency or "").strip().upper()
        if self.currency not in settings.PAYMENT_CURRENCIES:
            errors["currency"] = ValidationError(
                _("Buyers pay in %(currencies)s; %(code)s is not one of them."),
                code=PaymentsErrorCode.COLLECTION_ACCOUNT_CURRENCY,
                params={
                    "currencies": ", ".join(settings.PAYMENT_CURRENCIES),
                    "code": self.currency or "—",
                },
            )
        for name, clean in (("bic", bic_clean), ("account_number", account_number_clean)):
            try:
                setattr(self, name, clean(getattr(self, name)))
            except ValidationError as error:
                errors[name] = error
        self.account_name = " ".join((self.account_name or "").split())
        if self.bank_id is not None and self.bank.kind != ApiClient.Kind.BANK:
            errors["bank"] = ValidationError(
                _("Choose a partner bank: buyers pay into an account at a bank."),
                code=PaymentsErrorCode.COLLECTION_ACCOUNT_BANK,
            )
        if errors:
            raise ValidationError(errors, code=CommonErrorCode.INVALID)  # each field keeps its code
