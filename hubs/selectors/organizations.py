"""Reads of the hub network and organisations, scoped by who asks (hubs/roles.py)."""

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

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


def organization_by_id(*, organization_id: int) -> Organization:
    return Organization.objects.get(pk=organization_id)


def hub_by_id(*, hub_id: int) -> Hub:
    return Hub.objects.get(pk=hub_id)


def hub_is_here(hub: Hub) -> bool:
    """Whether this deployment runs ``hub`` (settings.EWTP_HUBS_HERE; all of them when it
    names none): a hub run by a peer deployment is acted for over the e-road."""
    return not settings.EWTP_HUBS_HERE or hub.code in settings.EWTP_HUBS_HERE


def hub_countries() -> list[tuple[str, str]]:
    """(code, country) of every hub, by code."""
    return list(Hub.objects.order_by("code").values_list("code", "country"))


def member_emails_of(*, organization_ids, role: str = "") -> list[str]:
    """Where to write to the active members of these organisations (of one ``role``: the
    owners); a deactivated member hears nothing more of them."""
    members = Membership.objects.filter(
        organization_id__in=list(organization_ids), user__is_active=True
    )
    if role:
        members = members.filter(role=role)
    return list(members.values_list("user__email", flat=True))


def official_emails(*, role: str, hub_id: int | None = None) -> list[str]:
    """Where to write to the active officials of ``role`` (posted to ``hub_id``, when given)."""
    officials = User.objects.filter(official_role=role, is_active=True)
    if hub_id is not None:
        officials = officials.filter(official_hub_id=hub_id)
    return list(officials.values_list("email", flat=True))


def sellers_approved() -> QuerySet[Organization]:
    """Verified organisations that have sold at least once."""
    return Organization.objects.filter(
        kyc_status=Organization.KycStatus.APPROVED, sales__isnull=False
    ).distinct()


def organizations_onboarded(*, until, hub_code: str = "", sector: str = "") -> dict[str, int]:
    """How many organisations signed up by the day ``until`` (``onboarded``) and how many of
    them are verified (``approved``), of one home hub and sector when given: one query."""
    organizations = Organization.objects.filter(created_at__date__lte=until)
    if hub_code:
        organizations = organizations.filter(home_hub__code=hub_code)
    if sector:
        organizations = organizations.filter(sector=sector)
    return organizations.aggregate(
        onboarded=Count("id"),
        approved=Count("id", filter=Q(kyc_status=Organization.KycStatus.APPROVED)),
    )
