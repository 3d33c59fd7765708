"""Portal forms of the customs app: a declaration filed by hand by an SME (or its agent),
with a formset of items; the same items formset amends one; a permit an officer registers;
a seller's LVG registration, entered, corrected or cancelled; an exporter's declaration of
origin for a certificate of origin."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Agency, Declaration, Permit
from .models.lvg import LvgRegistration
from .models.origin import OriginDeclaration
from .services.filing import MAX_ITEMS, ItemRequest
from .services.origin import OriginDeclarationRequest
from .services.permits import PermitRequest, direction_of


class DeclarationForm(forms.Form):
    regime = forms.ChoiceField(label=_("Regime"), choices=Declaration.Regime.choices)
    hub = forms.ChoiceField(label=_("Hub declared at"))
    order = forms.ChoiceField(label=_("Order (optional)"), required=False)
    importer = forms.CharField(label=_("Importer / buyer"), max_length=200)
    importer_id_reference = forms.CharField(
        label=_("Buyer's ID number"),
        max_length=40,
        required=False,
        help_text=_("China cross-border retail: the buyer's resident ID."),
    )
    declarant = forms.CharField(
        label=_("Declarant"),
        max_length=200,
        required=False,
        help_text=_("Your customs agent, if one files for you; otherwise your organisation."),
    )
    incoterm = forms.ChoiceField(label=_("Incoterm"), choices=Declaration.Incoterm.choices)
    waybill = forms.CharField(label=_("House waybill"), max_length=20, required=False)
    currency = forms.RegexField(
        label=_("Currency of the values"),
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": _("An ISO 4217 code such as MYR or CNY.")},
    )
    freight = forms.DecimalField(
        label=_("Freight"), min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    insurance = forms.DecimalField(
        label=_("Insurance"), min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    fta_agreement = forms.ChoiceField(
        label=_("Preference claimed"),
        choices=[("", _("None")), ("ACFTA", _("ASEAN–China FTA (Form E)"))],
        required=False,
    )
    fta_certificate = forms.CharField(
        label=_("Certificate of origin number"), max_length=40, required=False
    )
    sold_online_by_registered_seller = forms.BooleanField(
        label=_("Sold online by a seller registered for low-value goods tax"),
        required=False,
        help_text=_(
            "Malaysia import: your LVG registration in force today goes on the declaration."
        ),
    )
    air_courier = forms.BooleanField(label=_("By air courier"), required=False, initial=True)

    def __init__(self, *args, hubs=(), orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hub"].choices = [(hub.code, f"{hub.code} · {hub.name}") for hub in hubs]
        self.fields["order"].choices = [("", "—")] + [
            (order.reference, f"{order.reference} · {order.buyer_label}") for order in orders
        ]


class ItemForm(forms.Form):
    hs_code = forms.RegexField(
        label=_("HS code"),
        regex=r"^[0-9]{6,10}$",
        error_messages={"invalid": _("The HS code is 6 to 10 digits.")},
    )
    description = forms.CharField(label=_("Description"), max_length=200)
    origin = forms.RegexField(
        label=_("Origin"),
        regex=r"^[A-Za-z]{2}$",
        max_length=2,
        error_messages={"invalid": _("Give the country of origin (ISO code).")},
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1_000_000)
    net_weight_kg = forms.DecimalField(
        label=_("Net weight (kg)"), min_value=0.001, max_value=100_000, decimal_places=3
    )
    value = forms.DecimalField(label=_("Value"), min_value=0.01, max_digits=14, decimal_places=2)

    def item(self) -> ItemRequest:
        data = self.cleaned_data
        return ItemRequest(
            hs_code=data["hs_code"],
            description=data["description"],
            origin=data["origin"].upper(),
            quantity=data["quantity"],
            net_weight_kg=data["net_weight_kg"],
            value=data["value"],
        )


ItemFormSet = forms.formset_factory(
    ItemForm, extra=3, min_num=1, validate_min=True, max_num=MAX_ITEMS, validate_max=True
)


def filled_items(formset) -> list[ItemRequest]:
    return [form.item() for form in formset.forms if form.has_changed() and form.cleaned_data]


def errors_to_forms(error, form, formset) -> bool:
    """Put a service's refusal on the field it names (``items.2.value`` → the third item's
    value); True if a field took it, otherwise the caller shows it as a message."""
    field = error.extra.get("field", "")
    parts = field.split(".")
    if parts[0] == "items" and len(parts) == 3 and parts[1].isdigit():
        forms_with_items = [f for f in formset.forms if f.has_changed()]
        index = int(parts[1])
        if index < len(forms_with_items) and parts[2] in forms_with_items[index].fields:
            forms_with_items[index].add_error(parts[2], error.message)
            return True
    if form is not None and field in form.fields:
        form.add_error(field, error.message)
        return True
    return False


class TariffScheduleForm(forms.Form):
    file = forms.FileField(
        label=_("Schedule file (CSV, UTF-8)"),
        help_text=_("One tariff line per row, in the columns below."),
    )
    edition = forms.CharField(
        label=_("Edition"),
        max_length=100,
        help_text=_(
            "The schedule's name, e.g. PDK 2022. A new file under the same edition is its "
            "next version and replaces the previous one from its effective date."
        ),
    )
    legal_source = forms.CharField(
        label=_("Legal instrument"),
        max_length=200,
        help_text=_("The instrument the schedule enacts, e.g. Customs Duties Order 2022."),
    )
    chapters = forms.CharField(
        label=_("Chapters covered in full"),
        max_length=300,
        required=False,
        help_text=_(
            "all, or chapters such as 61 62: every HS 2022 subheading in them must have a "
            "line. Leave empty for a partial schedule."
        ),
    )
    indicative = forms.BooleanField(
        label=_("Indicative rates, not the official schedule"),
        required=False,
        help_text=_("Every line's legal source then starts with INDICATIVE."),
    )
    check_only = forms.BooleanField(label=_("Check the file only, load nothing"), required=False)


class PermitForm(forms.Form):
    """A permit an agency issued, as an officer registers it (the service checks it whole:
    its refusals land on the field they name)."""

    holder = forms.ChoiceField(label=_("Issued to"))
    agency = forms.ChoiceField(label=_("Issuing agency"), choices=Agency.choices)
    number = forms.CharField(label=_("Permit number"), max_length=40)
    direction = forms.ChoiceField(label=_("For"), choices=Permit.Direction.choices)
    hs_prefix = forms.CharField(
        label=_("HS code covered"),
        max_length=14,
        help_text=_(
            "A chapter (2 digits), heading (4), subheading (6) or national line: the permit "
            "covers every code that starts with it."
        ),
    )
    goods = forms.CharField(label=_("Goods covered, as the permit words them"), max_length=200)
    measure = forms.ChoiceField(label=_("Counted in"), choices=Permit.Measure.choices)
    amount = forms.DecimalField(
        label=_("Quantity or value covered"), max_digits=16, decimal_places=3
    )
    currency = forms.CharField(
        label=_("Currency of the value"),
        max_length=3,
        required=False,
        help_text=_("For a permit counted in value: MYR, CNY…"),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, holders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.holders = {str(holder.public_id): holder for holder in holders}
        self.fields["holder"].choices = [
            (key, holder.legal_name) for key, holder in self.holders.items()
        ]

    @classmethod
    def for_declaration(cls, declaration, covers, data=None) -> "PermitForm | None":
        """The form on an officer's declaration page: for the declarant, filled in from the
        first item no permit covers (None when it was declared for nobody)."""
        if declaration.organization is None:
            return None
        missing = next((cover for cover in covers if cover.permit is None), None)
        initial = {"direction": direction_of(declaration.regime)}
        if missing is not None:
            initial |= {
                "agency": missing.agency,
                "hs_prefix": missing.item.hs_code[:6],
                "goods": missing.item.description,
            }
        return cls(data, holders=[declaration.organization], initial=initial)

    def permit_request(self) -> PermitRequest:
        data = self.cleaned_data
        return PermitRequest(
            agency=data["agency"],
            number=data["number"],
            holder=self.holders.get(data["holder"]),
            direction=data["direction"],
            hs_prefix=data["hs_prefix"],
            goods=data["goods"],
            measure=data["measure"],
            amount=data["amount"],
            currency=data["currency"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )


class DateInput(forms.DateInput):
    input_type = "date"


class LvgRegistrationForm(forms.Form):
    """The registration as the customs notice of registration gives it."""

    number = forms.CharField(
        label=_("LVG registration number"),
        max_length=40,
        help_text=_("As on the Royal Malaysian Customs Department's notice of registration."),
    )
    effective_from = forms.DateField(label=_("Effective from"), widget=DateInput)
    period_ends = forms.TypedChoiceField(
        label=_("Your taxable periods end in"),
        coerce=int,
        choices=LvgRegistration.PeriodEnds.choices,
        initial=LvgRegistration.PeriodEnds.MARCH,
        help_text=_("Three months each, as the notice of registration assigns them."),
    )


class LvgCorrectionForm(LvgRegistrationForm):
    reason = forms.CharField(label=_("What the correction corrects"), max_length=500)


class LvgCancelForm(forms.Form):
    cancelled_from = forms.DateField(
        label=_("No longer in force from"),
        widget=DateInput,
        help_text=_("The first day on which you no longer charge the tax."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class OriginDeclarationForm(forms.Form):
    """The exporter's declaration of origin of one product line (ACFTA Form E): the goods,
    where they go, and the criterion with its figures. The service checks the rule."""

    product = forms.ChoiceField(label=_("Product (optional)"), required=False)
    hs_code = forms.CharField(
        label=_("HS code"),
        max_length=13,
        required=False,
        help_text=_("Leave empty to use the product's."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    origin_country = forms.ChoiceField(label=_("Country of origin"))
    hub = forms.ChoiceField(
        label=_("Issuing hub"), help_text=_("A hub in the country of origin: its customs issue it.")
    )
    importing_country = forms.ChoiceField(label=_("Importing country"))
    importer_name = forms.CharField(label=_("Consignee"), max_length=200)
    criterion = forms.ChoiceField(
        label=_("Origin criterion"),
        choices=OriginDeclaration.Criterion.choices,
        widget=forms.RadioSelect,
    )
    currency = forms.CharField(label=_("Currency of the values"), max_length=3, required=False)
    fob_value = forms.DecimalField(
        label=_("FOB value of the goods"), required=False, max_digits=14, decimal_places=2
    )
    non_originating_value = forms.DecimalField(
        label=_("Value of the non-originating materials"),
        required=False,
        max_digits=14,
        decimal_places=2,
    )
    non_originating_headings = forms.CharField(
        label=_("HS headings of the non-originating materials"),
        max_length=300,
        required=False,
        help_text=_("For a change in tariff heading, e.g. 1701 3302."),
    )

    def __init__(self, *args, products=(), hubs=(), countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.products = {str(product.public_id): product for product in products}
        self.hubs = {hub.code: hub for hub in hubs}
        self.fields["product"].choices = [("", "—")] + [
            (key, f"{product.sku} · {product.title_en} (HS {product.hs_code})")
            for key, product in self.products.items()
        ]
        self.fields["hub"].choices = [(hub.code, f"{hub.code} · {hub.name}") for hub in hubs]
        self.fields["origin_country"].choices = countries
        self.fields["importing_country"].choices = countries

    def origin_request(self) -> OriginDeclarationRequest:
        data = self.cleaned_data
        return OriginDeclarationRequest(
            hub=self.hubs[data["hub"]],
            product=self.products.get(data["product"]),
            hs_code=data["hs_code"],
            description=data["description"],
            origin_country=data["origin_country"],
            importing_country=data["importing_country"],
            importer_name=data["importer_name"],
            criterion=data["criterion"],
            currency=data["currency"],
            fob_value=data["fob_value"],
            non_originating_value=data["non_originating_value"],
            non_originating_headings=data["non_originating_headings"],
        )
