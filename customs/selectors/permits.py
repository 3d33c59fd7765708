"""Reads of permits and their holders."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from hubs.models import Organization

from ..models import (
    Declaration,
    Permit,
)


def permits_of_holder(*, organization) -> QuerySet[Permit]:
    """An organisation's permits, those valid longest first."""
    return Permit.objects.filter(holder=organization).order_by("-valid_until", "agency", "number")


def permits_of_country(*, country: str) -> QuerySet[Permit]:
    """The permits presented to one country's customs (its hubs' officers see them), the
    latest registered first, with their holders."""
    return (
        Permit.objects.filter(country=country)
        .select_related("holder")
        .order_by("-created_at", "-id")
    )


def permit_holders_for_hub(*, hub) -> QuerySet[Organization]:
    """Whom a hub's officers register permits for: the organisations of the hub's country
    and those that declared goods at the hub."""
    declared_here = Declaration.objects.filter(organization=OuterRef("pk"), hub=hub)
    return Organization.objects.filter(
        Q(country=hub.country.code) | Exists(declared_here)
    ).order_by("legal_name", "id")
