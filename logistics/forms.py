from django import forms
from django.utils.translation import gettext_lazy as _

MAX_WEIGHT = 500


class ParcelForm(forms.Form):
    """A parcel's size and weight; one quantity field per order line is added by the view."""

    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"), min_value=0.001, max_value=MAX_WEIGHT, decimal_places=3
    )
    length_cm = forms.IntegerField(label=_("Length (cm)"), min_value=1, max_value=300)
    width_cm = forms.IntegerField(label=_("Width (cm)"), min_value=1, max_value=300)
    height_cm = forms.IntegerField(label=_("Height (cm)"), min_value=1, max_value=300)

    def __init__(self, *args, lines=(), left=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for line in lines:
            name = f"line_{line.pk}"
            remaining = (left or {}).get(line.pk, line.quantity)
            self.fields[name] = forms.IntegerField(
                label=f"{line.sku} · {line.title}",
                min_value=0,
                max_value=remaining,
                initial=remaining,
                help_text=_("%(left)s left to pack") % {"left": remaining},
            )
            self.line_fields.append((line.pk, name))

    def items(self) -> dict[int, int]:
        return {pk: self.cleaned_data[name] for pk, name in self.line_fields}


class DropOffForm(forms.Form):
    drop_off_at = forms.DateTimeField(
        label=_("Drop-off at the eFulfilment centre"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class ScanForm(forms.Form):
    waybill = forms.CharField(
        label=_("Scan or type the house waybill"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )


class TrackingProofForm(forms.Form):
    """What the public tracking page asks before it shows the places and times of a parcel's
    journey: something its recipient knows and a stranger with a waybill number does not."""

    proof = forms.CharField(
        label=_("Postcode of the delivery address, or the order reference"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )


class WeighForm(forms.Form):
    measured_kg = forms.DecimalField(
        label=_("Scale reading (kg)"), min_value=0.001, max_value=1000, decimal_places=3
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class FlightScheduleForm(forms.Form):
    file = forms.FileField(
        label=_("Flight schedule (CSV)"),
        help_text=_(
            "Columns: carrier, flight_number, origin, destination, departs_local, "
            "arrives_local, capacity_kg, capacity_pieces. Times in each airport's local time."
        ),
    )
