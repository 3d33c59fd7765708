"""Portal forms of the warehousing app: the seller's inbound notice with a formset of lines;
the operators' arrival, count-in, cycle count and adjustment request. The services check
each request whole: their refusals land on the field they name (``errors_to_forms``)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .errors import WarehousingErrorCode
from .models import Adjustment
from .services.adjustments import MAX_LOTS_PER_COUNT
from .services.inbound import MAX_LINES, MAX_QUANTITY, InboundLineRequest, LineCount


def _date_input():
    return forms.DateInput(attrs={"type": "date"})


class InboundForm(forms.Form):
    warehouse = forms.ChoiceField(label=_("Warehouse"))
    expected_on = forms.DateField(label=_("Expected at the warehouse on"), widget=_date_input())
    carrier_reference = forms.CharField(
        label=_("Carrier's reference"),
        max_length=40,
        required=False,
        help_text=_("The master air waybill or the container number, when you know it."),
    )

    def __init__(self, *args, warehouses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.warehouses = {warehouse.code: warehouse for warehouse in warehouses}
        self.fields["warehouse"].choices = [
            (warehouse.code, self._label(warehouse)) for warehouse in warehouses
        ]

    @staticmethod
    def _label(warehouse) -> str:
        names = {"name": warehouse.name, "hub": warehouse.hub.code}
        if warehouse.is_bonded:
            return _("%(name)s (%(hub)s, bonded)") % names
        return _("%(name)s (%(hub)s)") % names

    def chosen_warehouse(self):
        return self.warehouses[self.cleaned_data["warehouse"]]


class InboundLineForm(forms.Form):
    product = forms.ChoiceField(label=_("Product"))
    lot = forms.CharField(label=_("Lot"), max_length=40, required=False)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=_date_input())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = products or {}
        self.fields["product"].choices = [("", "—")] + [
            (key, f"{product.sku} · {product.title}") for key, product in self.products.items()
        ]

    def line(self) -> InboundLineRequest:
        data = self.cleaned_data
        return InboundLineRequest(
            product=self.products[data["product"]],
            quantity=data["quantity"],
            lot=data["lot"],
            expires_on=data["expires_on"],
        )


InboundLineFormSet = forms.formset_factory(
    InboundLineForm, extra=3, min_num=1, validate_min=True, max_num=MAX_LINES, validate_max=True
)


def filled_line_forms(formset) -> list:
    """The line forms the seller filled in, in the order the service reads their lines."""
    return [form for form in formset.forms if form.has_changed() and form.cleaned_data]


def filled_lines(formset) -> list[InboundLineRequest]:
    return [form.line() for form in filled_line_forms(formset)]


def errors_to_forms(error, form, line_forms=(), prefix: str = "lines") -> bool:
    """Put a service's refusal on the field it names: ``lines.2.quantity`` on the third of
    ``line_forms`` (the forms in the order the service read them), ``lines`` above the form,
    ``warehouse`` on the form's own field. True if a form took it, otherwise the caller shows
    it as a message."""
    field = error.extra.get("field") or ""
    parts = field.split(".")
    if parts[0] == prefix and len(parts) == 3 and parts[1].isdigit():
        index = int(parts[1])
        if index < len(line_forms):
            line_form = line_forms[index]
            line_form.add_error(parts[2] if parts[2] in line_form.fields else None, error.message)
            return True
    if form is None:
        return False
    form.add_error(field if field in form.fields else None, error.message)
    return True


class ArrivalForm(forms.Form):
    entry_declaration = forms.CharField(
        label=_("Entry declaration number"),
        max_length=40,
        required=False,
        help_text=_(
            "The bulk entry the goods came in under. A bonded warehouse takes goods only "
            "under their entry declaration: duty stays suspended until each order's release."
        ),
    )


class LineCountForm(forms.Form):
    """What the operators counted of one line of the notice."""

    line = forms.IntegerField(widget=forms.HiddenInput)
    received = forms.IntegerField(label=_("Good units"), min_value=0, max_value=MAX_QUANTITY)
    damaged = forms.IntegerField(
        label=_("Damaged units"), min_value=0, max_value=MAX_QUANTITY, initial=0
    )
    location = forms.CharField(
        label=_("Location"),
        max_length=20,
        required=False,
        help_text=_("Empty: the receiving dock."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def count(self) -> LineCount:
        data = self.cleaned_data
        return LineCount(
            line_id=data["line"],
            received=data["received"],
            damaged=data["damaged"] or 0,
            location_code=data["location"],
            note=data["note"],
        )


LineCountFormSet = forms.formset_factory(LineCountForm, extra=0)


class CycleCountForm(forms.Form):
    """A blind count of one location's lots: one field per lot for the units found on the
    shelf, and never the books beside it. A lot left empty was not counted this time. A lot
    whose adjustment waits for an officer (``waiting``: lot id → adjustment) shows no input,
    and a count of it sent all the same (a second tab, a double click) gets the service's
    refusal on its field. At most MAX_LOTS_PER_COUNT fields, well under
    DATA_UPLOAD_MAX_NUMBER_FIELDS."""

    def __init__(self, *args, lots=(), waiting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.waiting = waiting or {}
        self.lot_fields = []
        for lot in list(lots)[:MAX_LOTS_PER_COUNT]:
            name = f"lot_{lot.pk}"
            self.fields[name] = forms.IntegerField(
                label=_("Counted"), min_value=0, max_value=MAX_QUANTITY, required=False
            )
            self.lot_fields.append((lot, name))

    def clean(self):
        data = super().clean()
        if not self.errors and all(data.get(name) is None for _lot, name in self.lot_fields):
            raise ValidationError(
                _("Enter what you counted of at least one lot."),
                code=WarehousingErrorCode.FORM_INVALID,
            )
        return data

    def rows(self):
        """(lot, its field, the adjustment it waits on or None) in the order of the lots,
        for the table."""
        return [(lot, self[name], self.waiting.get(lot.pk)) for lot, name in self.lot_fields]

    def counts(self) -> dict[int, int]:
        return {
            lot.pk: self.cleaned_data[name]
            for lot, name in self.lot_fields
            if self.cleaned_data.get(name) is not None
        }


class AdjustmentRequestForm(forms.Form):
    """Goods that leave the stock other than by an order: damaged, expired, destroyed. The
    lots are named without their books, so that the count beside it stays blind."""

    KINDS = [
        (value, label) for value, label in Adjustment.Kind.choices if value != Adjustment.Kind.COUNT
    ]

    lot = forms.ChoiceField(label=_("Lot"))
    kind = forms.ChoiceField(label=_("What happened to the goods"), choices=KINDS)
    quantity = forms.IntegerField(
        label=_("Units leaving the stock"), min_value=1, max_value=MAX_QUANTITY
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, lots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lots = {str(lot.pk): lot for lot in lots}
        self.fields["lot"].choices = [
            (
                key,
                _("%(location)s · %(sku)s · lot %(lot)s")
                % {"location": lot.location.code, "sku": lot.product.sku, "lot": lot.lot or "—"},
            )
            for key, lot in self.lots.items()
        ]

    def chosen_lot(self):
        return self.lots[self.cleaned_data["lot"]]
