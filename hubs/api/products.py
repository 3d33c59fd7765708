"""Products: an organisation's own listings (CRUD), and the catalogue of listings."""

import re
from decimal import Decimal

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.fields import MoneyField, PositiveAmountField
from ewtp.common.api.forms import validate_with_form
from ewtp.common.api.pagination import CursorPagination
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.api.strict import (
    StrictInputSerializer,
    decimal_pattern,
    query_choice,
    query_match,
)
from ewtp.common.errors import CommonErrorCode, ConflictError, NotFoundError
from ewtp.common.idempotency import idempotent
from ewtp.common.validators import no_bidi_controls

from .. import selectors
from ..errors import HubsErrorCode
from ..forms.catalogue import (
    COUNTRY_CHOICES,
    COUNTRY_CODES,
    MAX_SIDE_CM,
    MAX_UNIT_WEIGHT_KG,
    SKU,
    CatalogueFilterForm,
    ProductForm,
)
from ..listing_checks import listing_warnings
from ..models import Hub, Product
from ..services.catalogue import product_save, product_set_active
from .caller import IsChannelOrOrganizationClient, IsOrganizationClient, caller_of

FIELDS = [*ProductForm.Meta.fields, "unit_price"]
CURRENCY = re.compile(r"^[A-Z]{3}$")
PRICE_PATTERN = decimal_pattern(max_digits=14, decimal_places=2, min_value=Decimal(0))
PRICE = {"type": "string", "pattern": PRICE_PATTERN}
FILTER_PATTERNS = {
    "chapter": "^[0-9]{2}$",
    "currency": CURRENCY.pattern,
    "destination": "^[A-Za-z]{3}$",
    "min_price": PRICE_PATTERN,
    "max_price": PRICE_PATTERN,
}


class ProductOutput(serializers.Serializer):
    class Meta:
        ref_name = "Product"

    id = serializers.UUIDField(source="public_id")
    sku = serializers.CharField()
    title_en = serializers.CharField()
    title_ms = serializers.CharField()
    title_zh = serializers.CharField()
    description_en = serializers.CharField()
    description_ms = serializers.CharField()
    description_zh = serializers.CharField()
    hs_code = serializers.CharField()
    origin_country = serializers.CharField()
    unit_price = MoneyField()
    unit_weight_kg = serializers.DecimalField(max_digits=10, decimal_places=3)
    length_cm = serializers.DecimalField(max_digits=7, decimal_places=1)
    width_cm = serializers.DecimalField(max_digits=7, decimal_places=1)
    height_cm = serializers.DecimalField(max_digits=7, decimal_places=1)
    stock = serializers.IntegerField()
    is_active = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class ProductSavedOutput(ProductOutput):
    class Meta:
        ref_name = "ProductSaved"

    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="What the seller should know, without refusing the listing: e.g. a "
        "destination whose import tariff has no line for the HS code (orders there wait for "
        "customs to classify the goods; DDP duties cannot be quoted in advance).",
    )


def _saved(product) -> dict:
    """The product as saved, and what the seller should know of it (ProductSavedOutput)."""
    return {**ProductOutput(product).data, "warnings": listing_warnings(product)}


class ListingOutput(ProductOutput):
    class Meta:
        ref_name = "Listing"

    class SellerOutput(serializers.Serializer):
        class Meta:
            ref_name = "ListingSeller"

        id = serializers.UUIDField(source="public_id")
        legal_name = serializers.CharField()
        home_hub = serializers.CharField(source="home_hub.code")

    seller = SellerOutput()


# hubs.hs.hs_code_clean: 6 digits, or 8 to 10 for a national line; dots and spaces between
# them are ignored (0901.11, 0901 11 00)
HS_CODE_PATTERN = r"^[\s.]*([0-9][\s.]*){6}(([0-9][\s.]*){2,4})?$"


@extend_schema_field({"type": "string", "pattern": HS_CODE_PATTERN, "example": "621410"})
class HsCodeField(serializers.RegexField):
    # the example is a code of the nomenclature: a request built from the schema's examples
    # is one the hub takes
    def __init__(self, **kwargs):
        super().__init__(HS_CODE_PATTERN, **kwargs)


def _title(**kwargs):
    return serializers.CharField(max_length=200, validators=[no_bidi_controls], **kwargs)


def _side():
    return serializers.DecimalField(
        max_digits=7, decimal_places=1, min_value=Decimal("0.1"), max_value=MAX_SIDE_CM
    )


class ProductInput(StrictInputSerializer):
    """Prices are amounts in the seller's currency (its home hub's). The same rules as the
    portal's form (hubs.forms.catalogue.ProductForm), stated here for the schema."""

    class Meta:
        ref_name = "ProductInput"

    sku = serializers.RegexField(
        SKU.pattern, max_length=64, help_text="Unique among your products (409 if taken)."
    )
    title_en = _title()
    title_ms = _title(required=False, allow_blank=True)
    title_zh = _title(required=False, allow_blank=True)
    description_en = serializers.CharField()
    description_ms = serializers.CharField(required=False, allow_blank=True)
    description_zh = serializers.CharField(required=False, allow_blank=True)
    hs_code = HsCodeField(
        help_text="6-digit HS 2022 subheading, or an 8-10 digit national line extending one; "
        "the subheading must be in the HS 2022 nomenclature."
    )
    origin_country = serializers.ChoiceField(
        choices=COUNTRY_CHOICES, help_text="ISO 3166-1 alpha-2"
    )
    unit_price = PositiveAmountField(help_text='Amount as a string, e.g. "89.90"')
    unit_weight_kg = serializers.DecimalField(
        max_digits=10,
        decimal_places=3,
        min_value=Decimal("0.001"),
        max_value=MAX_UNIT_WEIGHT_KG,
        help_text="Kilograms per unit",
    )
    length_cm = _side()
    width_cm = _side()
    height_cm = _side()
    stock = serializers.IntegerField(min_value=0, max_value=1_000_000)
    is_active = serializers.BooleanField(required=False, default=True)


EXAMPLE = OpenApiExample(
    "A batik scarf",
    value={
        "sku": "BTK-001",
        "title_en": "Batik silk scarf",
        "title_ms": "Selendang sutera batik",
        "description_en": "Hand-drawn batik on silk, 90 x 90 cm.",
        "hs_code": "621410",
        "origin_country": "MY",
        "unit_price": "89.90",
        "unit_weight_kg": "0.150",
        "length_cm": "30",
        "width_cm": "20",
        "height_cm": "2",
        "stock": 40,
    },
)


def _form_for(seller, data: dict, product: Product | None = None) -> ProductForm:
    return ProductForm(data=data, seller=seller, instance=product)


def _valid(form: ProductForm) -> None:
    """The form's field errors as a 400; a SKU another product has is a 409."""
    if form.has_error("sku", HubsErrorCode.SKU_TAKEN):
        raise ConflictError(
            "You already have a product with this SKU.",
            HubsErrorCode.SKU_TAKEN,
            extra={"field": "sku"},
        )
    validate_with_form(form)


class ProductListApi(APIView):
    permission_classes = [HasMethodScope, IsOrganizationClient]
    scopes = {"GET": ["products:read"], "POST": ["products:write"]}
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="products_list",
        responses=ProductOutput(many=True),
        tags=["products"],
        parameters=[
            OpenApiParameter(
                "active", bool, description="Only active (true) or inactive (false) products"
            )
        ],
    )
    def get(self, request):
        products = selectors.products_of(seller=caller_of(request).organization).order_by("id")
        active = request.query_params.get("active")
        if active is not None:
            if active not in ("true", "false"):
                raise serializers.ValidationError(
                    {"active": ["true or false."]}, code=CommonErrorCode.INVALID
                )
            products = products.filter(is_active=active == "true")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(products, request, view=self)
        return paginator.get_paginated_response(ProductOutput(page, many=True).data)

    @extend_schema(
        operation_id="products_create",
        request=ProductInput,
        responses={201: ProductSavedOutput},
        tags=["products"],
        examples=[EXAMPLE],
    )
    @idempotent
    def post(self, request):
        caller = caller_of(request)
        ProductInput(data=request.data).is_valid(raise_exception=True)
        # a missing is_active means active (the documented default), not an unticked box
        form = _form_for(caller.organization, {"is_active": True, **request.data})
        _valid(form)
        product = product_save(
            seller=caller.organization,
            actor=None,
            data=form.product_data(),
            actor_label=caller.label,
        )
        return Response(_saved(product), status=status.HTTP_201_CREATED)


class ProductDetailApi(APIView):
    permission_classes = [HasMethodScope, IsOrganizationClient]
    scopes = {"GET": ["products:read"], "PATCH": ["products:write"], "DELETE": ["products:write"]}

    def _product(self, request, public_id):
        try:
            return selectors.product_of(seller=caller_of(request).organization, public_id=public_id)
        except Product.DoesNotExist:
            raise Http404 from None

    @extend_schema(operation_id="products_get", responses=ProductOutput, tags=["products"])
    def get(self, request, public_id):
        return Response(ProductOutput(self._product(request, public_id)).data)

    @extend_schema(
        operation_id="products_update",
        request=ProductInput(partial=True),
        responses=ProductSavedOutput,
        tags=["products"],
        examples=[
            OpenApiExample("New price and stock", value={"unit_price": "79.90", "stock": 120})
        ],
    )
    def patch(self, request, public_id):
        caller = caller_of(request)
        product = self._product(request, public_id)
        ProductInput(data=request.data, partial=True).is_valid(raise_exception=True)
        current = {name: getattr(product, name) for name in FIELDS}
        current["unit_price"] = str(product.unit_price.amount)
        form = _form_for(caller.organization, {**current, **request.data}, product)
        _valid(form)
        product = product_save(
            seller=caller.organization,
            actor=None,
            data=form.product_data(),
            product=product,
            actor_label=caller.label,
            changed=set(request.data) & set(FIELDS),  # what the caller sent, nothing it only saw
        )
        return Response(_saved(product))

    @extend_schema(
        operation_id="products_deactivate",
        responses={204: None},
        tags=["products"],
        description="Products are never deleted (orders point at them): this deactivates it.",
    )
    def delete(self, request, public_id):
        caller = caller_of(request)
        product_set_active(
            product=self._product(request, public_id),
            active=False,
            actor=None,
            actor_label=caller.label,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListingListApi(ListAPIView):
    """Active listings of verified sellers. An organisation sees those reachable from its
    home hub; a channel chooses the destination hub (``destination``) or sees all."""

    permission_classes = [HasMethodScope, IsChannelOrOrganizationClient]
    scopes = {"GET": ["products:read"]}
    serializer_class = ListingOutput

    class Pagination(CursorPagination):
        ordering = "-id"

    pagination_class = Pagination

    def get_queryset(self):
        caller = caller_of(self.request)
        params = self.request.query_params
        for name, pattern in FILTER_PATTERNS.items():  # "" is not "any": leave the filter out
            query_match(self.request, name, pattern)
        query_choice(self.request, "origin", COUNTRY_CHOICES)
        destination = caller.organization.home_hub if caller.organization else None
        code = params.get("destination")
        if code:
            destination = Hub.objects.filter(code=code.upper()).first()
            if destination is None:
                raise NotFoundError(
                    f"No hub {code}.", HubsErrorCode.HUB_UNKNOWN, extra={"field": "destination"}
                )
        facets = selectors.catalogue_facets(destination=destination)
        origins, currencies = facets.origins, facets.currencies
        # Any country and any currency may be asked for: one without listings has none. The
        # form's choices are those of the catalogue (the portal offers only those).
        form = CatalogueFilterForm(
            params,
            origins=sorted({*origins, *(c for c in [params.get("origin")] if c in COUNTRY_CODES)}),
            currencies=sorted(
                {*currencies, *(c for c in [params.get("currency")] if c and CURRENCY.match(c))}
            ),
        )
        filters = validate_with_form(form)
        listings = selectors.catalogue_for(destination=destination, filters=filters)
        if caller.organization:
            listings = listings.exclude(seller=caller.organization)
        return listings

    @extend_schema(
        operation_id="listings_list",
        tags=["products"],
        description="A price range (`min_price`, `max_price`) needs the `currency` it is in, "
        "and its minimum must not be above its maximum (400 otherwise).",
        parameters=[
            OpenApiParameter(
                "q", {"type": "string", "maxLength": 100}, description="Words of the title"
            ),
            OpenApiParameter(
                "chapter",
                {"type": "string", "pattern": FILTER_PATTERNS["chapter"]},
                description="HS chapter",
            ),
            OpenApiParameter("origin", str, enum=COUNTRY_CHOICES, description="ISO country code"),
            OpenApiParameter(
                "currency",
                {"type": "string", "pattern": FILTER_PATTERNS["currency"]},
                description="ISO 4217",
            ),
            OpenApiParameter("min_price", PRICE, description="In `currency`"),
            OpenApiParameter("max_price", PRICE, description="In `currency`"),
            OpenApiParameter(
                "destination",
                {"type": "string", "pattern": FILTER_PATTERNS["destination"]},
                description="Hub code the goods must reach (channels); an unknown hub is a 404",
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
