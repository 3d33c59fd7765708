"""Products: an organisation's own listings (CRUD), and the catalogue of listings."""

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.fields import MoneyField, PositiveAmountField
from ewtp.common.api.forms import validate_with_form
from ewtp.common.api.pagination import CursorPagination
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.idempotency import idempotent

from .. import selectors
from ..forms.catalogue import CatalogueFilterForm, ProductForm
from ..models import Hub, Product
from ..services.catalogue import product_save, product_set_active
from .caller import IsChannelOrOrganizationClient, IsOrganizationClient, caller_of

FIELDS = [*ProductForm.Meta.fields, "unit_price"]


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


class ProductInput(serializers.Serializer):
    """Prices are amounts in the seller's currency (its home hub's)."""

    class Meta:
        ref_name = "ProductInput"

    sku = serializers.CharField()
    title_en = serializers.CharField()
    title_ms = serializers.CharField(required=False, allow_blank=True)
    title_zh = serializers.CharField(required=False, allow_blank=True)
    description_en = serializers.CharField()
    description_ms = serializers.CharField(required=False, allow_blank=True)
    description_zh = serializers.CharField(required=False, allow_blank=True)
    hs_code = serializers.CharField(
        help_text="6-digit HS 2022 subheading, or an 8-10 digit national line."
    )
    origin_country = serializers.CharField(help_text="ISO 3166-1 alpha-2")
    unit_price = PositiveAmountField(help_text='Amount as a string, e.g. "89.90"')
    unit_weight_kg = serializers.CharField()
    length_cm = serializers.CharField()
    width_cm = serializers.CharField()
    height_cm = serializers.CharField()
    stock = serializers.IntegerField()
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
    if isinstance(data.get("unit_price"), float):
        raise serializers.ValidationError(
            {"unit_price": ['Send the amount as a string, e.g. "89.90".']}
        )
    return ProductForm(data=data, seller=seller, instance=product)


class ProductListApi(APIView):
    permission_classes = [HasMethodScope, IsOrganizationClient]
    scopes = {"GET": ["products:read"], "POST": ["products:write"]}

    @extend_schema(
        operation_id="products_list",
        responses=ProductOutput(many=True),
        tags=["products"],
        parameters=[OpenApiParameter("active", bool, description="Only active (true) or inactive")],
    )
    def get(self, request):
        products = selectors.products_of(seller=caller_of(request).organization).order_by("id")
        active = request.query_params.get("active")
        if active in ("true", "false"):
            products = products.filter(is_active=active == "true")
        paginator = CursorPagination()
        page = paginator.paginate_queryset(products, request, view=self)
        return paginator.get_paginated_response(ProductOutput(page, many=True).data)

    @extend_schema(
        operation_id="products_create",
        request=ProductInput,
        responses={201: ProductOutput},
        tags=["products"],
        examples=[EXAMPLE],
    )
    @idempotent
    def post(self, request):
        caller = caller_of(request)
        ProductInput(data=request.data).is_valid(raise_exception=True)
        # a missing is_active means active (the documented default), not an unticked box
        form = _form_for(caller.organization, {"is_active": True, **request.data})
        validate_with_form(form)
        product = product_save(
            seller=caller.organization,
            actor=None,
            data=form.product_data(),
            actor_label=caller.label,
        )
        return Response(ProductOutput(product).data, status=status.HTTP_201_CREATED)


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
        responses=ProductOutput,
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
        validate_with_form(form)
        product = product_save(
            seller=caller.organization,
            actor=None,
            data=form.product_data(),
            product=product,
            actor_label=caller.label,
            changed=set(request.data) & set(FIELDS),  # what the caller sent, nothing it only saw
        )
        return Response(ProductOutput(product).data)

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
        destination = caller.organization.home_hub if caller.organization else None
        code = self.request.query_params.get("destination")
        if code:
            destination = Hub.objects.filter(code=code.upper()).first()
            if destination is None:
                raise serializers.ValidationError({"destination": [f"No hub {code}."]})
        origins, currencies = selectors.catalogue_facets(destination=destination)
        form = CatalogueFilterForm(
            self.request.query_params, origins=origins, currencies=currencies
        )
        filters = validate_with_form(form)
        listings = selectors.catalogue_for(destination=destination, filters=filters)
        if caller.organization:
            listings = listings.exclude(seller=caller.organization)
        return listings

    @extend_schema(
        operation_id="listings_list",
        tags=["products"],
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("chapter", str, description="HS chapter, 2 digits"),
            OpenApiParameter("origin", str, description="ISO country code"),
            OpenApiParameter("currency", str),
            OpenApiParameter("min_price", str),
            OpenApiParameter("max_price", str),
            OpenApiParameter(
                "destination", str, description="Hub code the goods must reach (channels)"
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
