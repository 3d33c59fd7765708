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


class CancelOrderForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
