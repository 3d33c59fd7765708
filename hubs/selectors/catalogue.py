"""Reads of the catalogue: a seller's listings, the buyers' catalogue, imports."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Substr

from ..models import ERoad, HsCode, Hub, Organization, Product, ProductImage, ProductImport


def images_in_order(lookup: str = "images") -> Prefetch:
    """A listing's pictures, first one first (a new Prefetch per query: Django rewrites a
    nested one in place)."""
    return Prefetch(lookup, queryset=ProductImage.objects.order_by("position", "id"))


def products_of(*, seller: Organization, with_images: bool = False) -> QuerySet[Product]:
    products = Product.objects.filter(seller=seller).order_by("sku")
    return products.prefetch_related(images_in_order()) if with_images else products


def product_of(*, seller: Organization, public_id) -> Product:
    return Product.objects.select_related("seller__home_hub").get(
        seller=seller, public_id=public_id
    )


def catalogue_for(*, destination: Hub | None, filters: dict | None = None) -> QuerySet[Product]:
    """Active listings of approved sellers that can reach ``destination`` over an open e-road
    (every approved listing when ``destination`` is None), with sellers and first images
    in a constant number of queries."""
    filters = filters or {}
    products = Product.objects.filter(
        is_active=True, seller__kyc_status=Organization.KycStatus.APPROVED
    )
    if destination is not None:
        reachable = ERoad.objects.filter(
            origin_id=OuterRef("seller__home_hub_id"), destination=destination, is_active=True
        )
        products = products.filter(Exists(reachable))
    if filters.get("q"):
        for word in filters["q"].split()[:6]:
            products = products.filter(
                Q(title_en__icontains=word)
                | Q(title_ms__icontains=word)
                | Q(title_zh__icontains=word)
                | Q(description_en__icontains=word)
                | Q(description_ms__icontains=word)
                | Q(description_zh__icontains=word)
                | Q(sku__iexact=word)
            )
    if filters.get("chapter"):
        products = products.filter(hs_code__startswith=filters["chapter"])
    if filters.get("origin"):
        products = products.filter(origin_country=filters["origin"])
    if filters.get("currency"):
        products = products.filter(unit_price_currency=filters["currency"])
    if filters.get("min_price") is not None:
        products = products.filter(unit_price__gte=filters["min_price"])
    if filters.get("max_price") is not None:
        products = products.filter(unit_price__lte=filters["max_price"])
    return (
        products.select_related("seller__home_hub")
        .prefetch_related(images_in_order())
        .order_by("-created_at", "-id")
    )


def catalogue_product(*, destination: Hub | None, public_id) -> Product:
    return catalogue_for(destination=destination).get(public_id=public_id)


@dataclass(frozen=True)
class CatalogueFacets:
    origins: list[str]  # ISO country codes
    currencies: list[str]  # ISO 4217
    chapters: list[str]  # HS chapters, two digits


def catalogue_facets(*, destination: Hub | None) -> CatalogueFacets:
    """Origins, currencies and HS chapters present in the catalogue, for the filter form:
    one query, whatever the number of listings."""
    rows = set(
        catalogue_for(destination=destination)
        .order_by()
        .annotate(chapter=Substr("hs_code", 1, 2))
        .values_list("origin_country", "unit_price_currency", "chapter")
        .distinct()
    )
    return CatalogueFacets(
        origins=sorted({str(origin) for origin, _currency, _chapter in rows}),
        currencies=sorted({currency for _origin, currency, _chapter in rows}),
        chapters=sorted({chapter for _origin, _currency, chapter in rows}),
    )


def imports_of(*, seller: Organization) -> QuerySet[ProductImport]:
    return (
        ProductImport.objects.filter(seller=seller)
        .select_related("uploaded_by")
        .order_by("-created_at")
    )


def hs_sections_of(*, chapters) -> dict[str, str]:
    """HS chapter → its section (I to XXI) in the nomenclature, for those of ``chapters``."""
    return dict(HsCode.objects.filter(code__in=list(chapters)).values_list("code", "section"))


def products_by_ids(*, ids) -> dict[int, Product]:
    """id → product, with its seller (one query): what another app's report names."""
    return {p.pk: p for p in Product.objects.filter(pk__in=list(ids)).select_related("seller")}
