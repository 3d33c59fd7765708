"""Reads of the hubs app, by sub-domain, scoped by who asks."""

from .catalogue import (
    catalogue_facets,
    catalogue_for,
    catalogue_product,
    imports_of,
    product_of,
    products_of,
)
from .orders import (
    order_visible_to,
    orders_confirmation_due,
    orders_of_channel,
    orders_of_organization,
    orders_visible_to,
    sales_needing_action,
)
from .organizations import (
    eroad_list,
    eroads_into,
    eroads_out_of,
    hub_get,
    hub_in_country,
    hub_list,
    hub_officials,
    organization_list_for,
    organization_members,
    organization_visible_to,
    organizations_of,
    organizations_with_members,
)

__all__ = [
    "catalogue_facets",
    "catalogue_for",
    "catalogue_product",
    "eroad_list",
    "eroads_into",
    "eroads_out_of",
    "hub_get",
    "hub_in_country",
    "hub_list",
    "hub_officials",
    "imports_of",
    "order_visible_to",
    "orders_confirmation_due",
    "orders_of_channel",
    "orders_of_organization",
    "orders_visible_to",
    "organization_list_for",
    "organization_members",
    "organization_visible_to",
    "organizations_of",
    "organizations_with_members",
    "product_of",
    "products_of",
    "sales_needing_action",
]
