"""Stock held in the hubs' warehouses, as a listing shows it to a buyer: where the goods ship
from and how soon ({% load warehousing %}). hubs renders the tag and imports nothing of
warehousing, which sits above it."""

from django import template

from ..selectors import availability_by_warehouse

register = template.Library()


@register.inclusion_tag("warehousing/includes/ships_from.html")
def ships_from(product) -> dict:
    """The warehouses holding units of ``product`` a new order can have (none: the include
    renders nothing)."""
    places = availability_by_warehouse(product_ids=[product.pk]).get(product.pk, [])
    return {"places": sorted(places, key=lambda place: place[0].delivery_days_max)}
