from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Order

MAX_QUANTITY = 100_000


class AddToCartForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1
    )


class PlaceOrderForm(forms.Form):
    incoterm = forms.ChoiceField(label=_("Incoterm"), choices=Order.Incoterm.choices, initial="DAP")
    payment_currency = forms.ChoiceField(
        label=_("Pay in"),
        help_text=_("The seller is paid in its own currency; the hub converts at settlement."),
    )

    def __init__(self, *args, currencies: list[str], **kwargs):
        """``currencies``: the buyer's own first (the initial choice), then the seller's."""
        super().__init__(*args, **kwargs)
        field = self.fields["payment_currency"]
        field.choices = [(code, code) for code in dict.fromkeys(currencies)]
        field.initial = currencies[0]


class CancelOrderForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
