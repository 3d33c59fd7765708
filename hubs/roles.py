"""Who may do what: the one place where roles become permissions.

A user's roles are derived from data (memberships, official role, superuser flag), never
stored twice. Views, API views, templates and the menu (hubs.navigation) ask
``has_permission``; object-level scoping (own organisation, own hub) is done by the selectors
of each app with the helpers below, so that a denial is a 404/403 and never a leak.
"""

from enum import StrEnum

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    SME_OWNER = "sme_owner"
    SME_STAFF = "sme_staff"
    MDEC_OFFICER = "mdec_officer"
    CUSTOMS_OFFICER = "customs_officer"
    HUB_OPERATOR = "hub_operator"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.SME_OWNER: _("SME owner"),
    Role.SME_STAFF: _("SME staff"),
    Role.MDEC_OFFICER: _("MDEC officer"),
    Role.CUSTOMS_OFFICER: _("Customs officer"),
    Role.HUB_OPERATOR: _("Hub operator"),
    Role.ADMIN: _("Administrator"),
}


class Perm(StrEnum):
    ORGANIZATION_VIEW = "organization.view"  # see one's own organisation
    ORGANIZATION_MANAGE = "organization.manage"  # invite members, payout account, KYC, API keys
    # the organisation's money: balances, statement, payouts, settlements and fees, credit
    # and loans, sales insights. Staff work orders and see what each order costs the buyer;
    # what the organisation earns, holds and owes is the owners'.
    FINANCES_READ = "finances.read"
    CATALOGUE_MANAGE = "catalogue.manage"  # list products, import them (selling needs KYC approval)
    ORDERS_TRADE = "orders.trade"  # buy from the catalogue, work one's sales and purchases
    ORGANIZATIONS_OVERSEE = "organizations.oversee"  # see every organisation (officers)
    KYC_REVIEW = "kyc.review"  # approve, reject, ask for more (MDEC officers)
    DISPUTE_RESOLVE = "dispute.resolve"  # decide a frozen escrow: release, refund or split
    HUB_FLOOR = "hub.floor"  # receive, weigh, consolidate at one's hub
    CUSTOMS_WORKBENCH = "customs.workbench"  # work one's hub's customs lanes
    DASHBOARDS_READ = "dashboards.read"  # the zone's trade dashboards (MDEC officers)
    # the hub's own money at its partner banks: positions, FX settlements, reconciliations
    TREASURY_READ = "treasury.read"
    TREASURY_RECONCILE = "treasury.reconcile"  # upload a bank's statement to reconcile it
    # the e-road to other hub deployments: register peers, their keys and ours, watch it
    PEERING_MANAGE = "peering.manage"
    ADMIN_SITE = "admin.site"


PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.SME_OWNER: frozenset(
        {
            Perm.ORGANIZATION_VIEW,
            Perm.ORGANIZATION_MANAGE,
            Perm.FINANCES_READ,
            Perm.CATALOGUE_MANAGE,
            Perm.ORDERS_TRADE,
        }
    ),
    Role.SME_STAFF: frozenset({Perm.ORGANIZATION_VIEW, Perm.CATALOGUE_MANAGE, Perm.ORDERS_TRADE}),
    Role.MDEC_OFFICER: frozenset(
        {
            Perm.ORGANIZATIONS_OVERSEE,
            Perm.KYC_REVIEW,
            Perm.DISPUTE_RESOLVE,
            Perm.DASHBOARDS_READ,
            Perm.TREASURY_READ,
            Perm.TREASURY_RECONCILE,
            Perm.PEERING_MANAGE,
        }
    ),
    Role.CUSTOMS_OFFICER: frozenset({Perm.CUSTOMS_WORKBENCH}),
    Role.HUB_OPERATOR: frozenset({Perm.HUB_FLOOR}),
    # Administrators run the platform; they do not trade for an organisation they are not in.
    Role.ADMIN: frozenset(Perm) - {Perm.CATALOGUE_MANAGE, Perm.ORDERS_TRADE},
}


def roles_of(user) -> frozenset[Role]:
    """The roles a user holds now. Cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is not None:
        return cached
    roles = set()
    if user.is_superuser:
        roles.add(Role.ADMIN)
    if user.official_role:
        roles.add(Role(user.official_role))
    membership_roles = {m.role for m in memberships_of(user)}
    if "owner" in membership_roles:
        roles.add(Role.SME_OWNER)
    if "staff" in membership_roles:
        roles.add(Role.SME_STAFF)
    user._roles_cache = frozenset(roles)
    return user._roles_cache


def memberships_of(user) -> list:
    """The user's seats, with their organisations, loaded once per request (cached on the user)."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_memberships_cache", None)
    if cached is None:
        cached = list(
            user.memberships.select_related("organization__home_hub").order_by("created_at", "id")
        )
        user._memberships_cache = cached
    return cached


def current_organization(user):
    """The organisation the user works for in the portal: its first seat (most have one)."""
    seats = memberships_of(user)
    return seats[0].organization if seats else None


def has_permission(user, perm: Perm) -> bool:
    return any(perm in PERMISSIONS[role] for role in roles_of(user))


def membership_of(user, organization):
    """The user's membership in this organisation, or None. Uses the prefetched list."""
    if user is None or not user.is_authenticated or organization is None:
        return None
    return next((m for m in memberships_of(user) if m.organization_id == organization.pk), None)


def can_act_for(user, organization, perm: Perm) -> bool:
    """Object-level check: the user holds ``perm`` through a seat in this organisation."""
    membership = membership_of(user, organization)
    if membership is None or not user.is_active:
        return False
    role = Role.SME_OWNER if membership.role == "owner" else Role.SME_STAFF
    return perm in PERMISSIONS[role]


def can_oversee(user) -> bool:
    return has_permission(user, Perm.ORGANIZATIONS_OVERSEE)


def can_see_product(user, product) -> bool:
    """A listing (and its pictures): the seller's members and officers always; other
    signed-in users while it is in the catalogue. ``product.seller`` is read."""
    if not user.is_authenticated:
        return False
    if can_oversee(user) or membership_of(user, product.seller):
        return True
    return product.is_active and product.seller.can_sell


def can_see_hub_officials(user, hub) -> bool:
    """Who works at a hub is known to its own officials and to those who oversee."""
    return can_oversee(user) or (user.is_authenticated and user.official_hub_id == hub.pk)


class PermissionRequiredMixin(AccessMixin):
    """Portal views: sign in first (redirect), then hold ``permission`` (else 403)."""

    permission: Perm | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.permission is not None and not has_permission(request.user, self.permission):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class OrganizationMixin:
    """Portal views that act for the user's organisation, with ``permission`` in it (else 403)."""

    permission: Perm = Perm.ORGANIZATION_VIEW

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.organization = current_organization(request.user)
        if self.organization is None or not can_act_for(
            request.user, self.organization, self.permission
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(organization=self.organization, **kwargs)
