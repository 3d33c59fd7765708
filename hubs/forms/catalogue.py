"""The one validation of a listing's fields: used by the portal form, the CSV/XLSX import
and the API (which maps its errors to problem+json)."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from moneyed import Money

from ewtp.common.money import minor_units

from ..errors import HubsErrorCode
from ..hs import hs_code_clean, hs_title
from ..models import Organization, Product

SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
MAX_UNIT_WEIGHT_KG = Decimal("500")  # one piece must fit a unit load device handled by hand
MAX_SIDE_CM = Decimal("300")
CHAPTER_CHOICE_CHARS = 70  # "62 Apparel and clothing accessories; not knitted or crocheted" fits


# A listing's fields: what it is, and how much one piece weighs and measures.
DESCRIPTION = [
    "sku",
    "title_en",
    "title_ms",
    "title_zh",
    "description_en",
    "description_ms",
    "description_zh",
    "hs_code",
    "origin_country",
]
MEASURES = ["unit_weight_kg", "length_cm", "width_cm", "height_cm"]

COUNTRY_CODES = frozenset(code for code, _name in countries)
COUNTRY_CHOICES = sorted(COUNTRY_CODES)  # the API's enum (one name in the OpenAPI document)


class CountryCodeField(forms.CharField):
    """A country as its ISO 3166 code, checked against a set: the list of 250 names is
    only built when the field is drawn, not each time a row of an import is validated."""

    widget = forms.Select

    def __init__(self, **kwargs):
        super().__init__(max_length=2, **kwargs)
        self.widget.choices = countries

    def clean(self, value):
        code = super().clean(value).strip().upper()
        if code and code not in COUNTRY_CODES:
            raise ValidationError(
                _("Select a valid choice: %(code)s is not a country code."),
                code=HubsErrorCode.COUNTRY_UNKNOWN,
                params={"code": code},
            )
        return code


class ProductForm(forms.ModelForm):
    origin_country = CountryCodeField(label=_("Country of origin"))
    # Pillow opens the file: a renamed PDF or a broken image is refused here
    image = forms.ImageField(label=_("Add an image"), required=False)
    # The stock the seller saw when the form was drawn: orders may take units while the form
    # is open, and sending the same number back means "unchanged", not "put them back".
    stock_seen = forms.IntegerField(widget=forms.HiddenInput, required=False)
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=14, decimal_places=4, min_value=Decimal("0.01")
    )

    class Meta:
        model = Product
        fields = [*DESCRIPTION, *MEASURES, "stock", "is_active"]
        widgets = {
            "description_en": forms.Textarea(attrs={"rows": 3}),
            "description_ms": forms.Textarea(attrs={"rows": 3}),
            "description_zh": forms.Textarea(attrs={"rows": 3}),
            "hs_code": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        }

    # also the columns of an import file (hubs.services.imports), in this order
    field_order = [*DESCRIPTION, "unit_price", "stock", *MEASURES, "is_active"]

    def __init__(self, *args, seller: Organization, check_unique: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["origin_country"].initial = str(seller.country)
        else:
            self.fields["stock_seen"].initial = self.instance.stock
        self.seller = seller
        self.check_unique = check_unique
        self.fields["unit_price"].help_text = _(
            "In %(currency)s, the currency you are paid in."
        ) % {"currency": seller.currency}
        if self.instance.pk:
            self.initial["unit_price"] = self.instance.unit_price.amount
        # The model's check constraints repeat rules this form enforces field by field, and
        # Django checks each with a database query: two queries per row of a 10,000-row import.
        # The constraints still hold in the database itself.
        self.instance.validate_constraints = lambda exclude=None: None

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip()
        if not SKU.match(sku):
            raise ValidationError(
                _("Use letters, digits and . _ / - only (up to 64)."), code=HubsErrorCode.SKU_FORMAT
            )
        if self.check_unique:
            others = Product.objects.filter(seller=self.seller, sku=sku).exclude(
                pk=self.instance.pk
            )
            if others.exists():
                raise ValidationError(
                    _("You already have a product with this SKU."), code=HubsErrorCode.SKU_TAKEN
                )
        return sku

    def clean_hs_code(self):
        return hs_code_clean(self.cleaned_data["hs_code"])

    def clean_unit_price(self):
        price = self.cleaned_data["unit_price"]
        places = minor_units(self.seller.currency)
        step = Decimal(1).scaleb(-places)
        if price != price.quantize(step):
            raise ValidationError(
                _("%(currency)s prices have at most %(places)s decimal places."),
                code=HubsErrorCode.PRICE_PRECISION,
                params={"currency": self.seller.currency, "places": places},
            )
        return price.quantize(step)

    def clean_unit_weight_kg(self):
        weight = self.cleaned_data["unit_weight_kg"]
        if not Decimal("0.001") <= weight <= MAX_UNIT_WEIGHT_KG:
            raise ValidationError(
                _("Between 0.001 and %(max)s kg per unit."),
                code=HubsErrorCode.WEIGHT_RANGE,
                params={"max": MAX_UNIT_WEIGHT_KG},
            )
        return weight

    def _clean_side(self, name):
        side = self.cleaned_data[name]
        if not Decimal("0.1") <= side <= MAX_SIDE_CM:
            raise ValidationError(
                _("Between 0.1 and %(max)s cm."),
                code=HubsErrorCode.DIMENSION_RANGE,
                params={"max": MAX_SIDE_CM},
            )
        return side

    def clean_length_cm(self):
        return self._clean_side("length_cm")

    def clean_width_cm(self):
        return self._clean_side("width_cm")

    def clean_height_cm(self):
        return self._clean_side("height_cm")

    def clean_stock(self):
        stock = self.cleaned_data["stock"]
        if stock > 1_000_000:
            raise ValidationError(_("At most 1,000,000 units."), code=HubsErrorCode.STOCK_RANGE)
        return stock

    def changed_fields(self) -> set[str]:
        """The fields the seller changed on this form (stock only if it differs from what
        the form showed)."""
        changed = set(self.changed_data) - {"stock_seen", "image"}
        if self.cleaned_data.get("stock") == self.cleaned_data.get("stock_seen"):
            changed.discard("stock")
        return changed

    def product_data(self) -> dict:
        """Cleaned fields for the catalogue service; the price as Money in the seller's currency."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["unit_price"] = Money(self.cleaned_data["unit_price"], self.seller.currency)
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("First row: column names. SKU is the key: uploading again updates."),
    )


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    # offered as a list of the catalogue's chapters by name; any two digits are accepted
    # (the API's filter, a link to a chapter that has no listings left)
    chapter = forms.RegexField(
        label=_("HS chapter"),
        regex=r"^\d{2}$",
        required=False,
        widget=forms.Select,
        error_messages={"invalid": _("Two digits, e.g. 09.")},
    )
    origin = forms.ChoiceField(label=_("Origin"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    min_price = forms.DecimalField(
        label=_("Min. price"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    max_price = forms.DecimalField(
        label=_("Max. price"), required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def __init__(self, *args, origins=(), currencies=(), chapters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origin"].choices = [("", _("Any"))] + [(c, countries.name(c)) for c in origins]
        self.fields["currency"].choices = [("", _("Any"))] + [(c, c) for c in currencies]
        self.fields["chapter"].widget.choices = self._chapter_choices(chapters)

    def _chapter_choices(self, chapters) -> list[tuple[str, str]]:
        """The chapters by their names in the reader's language (shortened: a select is no
        wider than its column), with the one asked for even if none of its listings is left,
        so that the list still shows the filter in force."""
        asked = self.data.get("chapter", "") if self.is_bound else ""
        codes = sorted({*chapters, *([asked] if asked.isdigit() and hs_title(asked) else [])})
        return [("", _("Any"))] + [
            (code, Truncator(f"{code} {hs_title(code)}".strip()).chars(CHAPTER_CHOICE_CHARS))
            for code in codes
        ]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", _("The maximum is below the minimum."))
        if (low is not None or high is not None) and not cleaned.get("currency"):
            # prices are in each seller's currency: a range means something in one of them
            self.add_error("currency", _("Choose the currency of the price range."))
        return cleaned
