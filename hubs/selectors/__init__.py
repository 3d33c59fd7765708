"""Reads of the hubs app, by sub-domain, scoped by who asks."""

from .organizations import (
    eroad_list,
    eroads_into,
    hub_get,
    hub_list,
    hub_officials,
    organization_list_for,
    organization_members,
    organization_visible_to,
    organizations_of,
    organizations_with_members,
)

__all__ = [
    "eroad_list",
    "eroads_into",
    "hub_get",
    "hub_list",
    "hub_officials",
    "organization_list_for",
    "organization_members",
    "organization_visible_to",
    "organizations_of",
    "organizations_with_members",
]
