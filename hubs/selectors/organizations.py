"""Reads of the hub network and organisations, scoped by who asks (hubs/roles.py)."""

from django.db.models import Count, Prefetch, QuerySet

from ..models import ERoad, Hub, Membership, Organization, User
from ..roles import Perm, has_permission


def hub_list() -> QuerySet[Hub]:
    """Hubs with their outgoing e-roads, in two queries whatever the count."""
    return Hub.objects.prefetch_related(
        Prefetch("eroads_out", queryset=ERoad.objects.select_related("destination"))
    ).order_by("code")


def hub_get(*, code: str) -> Hub:
    return hub_list().get(code=code.upper())


def eroad_list(*, active_only: bool = False) -> QuerySet[ERoad]:
    eroads = ERoad.objects.select_related("origin", "destination")
    return eroads.filter(is_active=True) if active_only else eroads


def hub_officials(*, hub: Hub) -> QuerySet[User]:
    return hub.officials.filter(is_active=True).order_by("official_role", "email")


def organizations_of(*, user: User) -> QuerySet[Organization]:
    """The organisations a user is a member of."""
    return Organization.objects.filter(memberships__user=user).select_related("home_hub")


def organization_list_for(
    *, user: User, kyc_status: str = "", payout_review: bool = False
) -> QuerySet[Organization]:
    """Every organisation for those who oversee; otherwise only the user's own. Narrowed to
    one verification status, or to those whose payout account waits for an officer's check."""
    base = Organization.objects.select_related("home_hub").annotate(
        member_count=Count("memberships")
    )
    if kyc_status:
        base = base.filter(kyc_status=kyc_status)
    if payout_review:
        base = base.filter(payout_account_problem__startswith=f"{Organization.PAYOUT_HOLD_REVIEW}:")
    if has_permission(user, Perm.ORGANIZATIONS_OVERSEE):
        return base.order_by("legal_name")
    return base.filter(memberships__user=user).order_by("legal_name")


def organization_visible_to(*, user: User, public_id) -> Organization:
    """One organisation, if the user is a member or oversees; DoesNotExist otherwise (a 404)."""
    organizations = Organization.objects.select_related("home_hub")
    if not has_permission(user, Perm.ORGANIZATIONS_OVERSEE):
        organizations = organizations.filter(memberships__user=user)
    return organizations.get(public_id=public_id)


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    return organization.memberships.select_related("user").order_by("role", "user__email")


def owner_emails(organization: Organization) -> list[str]:
    """Who hears of a change to what was verified: every owner, and the contact address."""
    owners = organization.memberships.filter(role=Membership.Role.OWNER).select_related("user")
    return [m.user.email for m in owners] + [organization.contact_email]


def member_emails(*, organization_id: int) -> list[str]:
    """Where to write to an organisation's active members."""
    return list(
        Membership.objects.filter(
            organization_id=organization_id, user__is_active=True
        ).values_list("user__email", flat=True)
    )


def hub_in_country(country) -> Hub | None:
    """The hub a business of ``country`` drops its parcels at (the first by code)."""
    return Hub.objects.filter(country=country).order_by("code").first()


def eroads_out_of(*, hub_id: int) -> QuerySet[ERoad]:
    """The open e-roads a hub ships on, with their destinations, by destination code."""
    return (
        ERoad.objects.filter(origin_id=hub_id, is_active=True)
        .select_related("destination")
        .order_by("destination__code")
    )


def eroads_into(*, hub: Hub) -> QuerySet[ERoad]:
    return hub.eroads_in.select_related("origin")


def organizations_with_members(*, user: User) -> QuerySet[Organization]:
    """The user's organisations with their members, in three queries whatever the count."""
    return organizations_of(user=user).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("user").order_by("role", "user__email"),
        )
    )
