"""Writes of organisations: sign-up, profile, payout account, members and invitations."""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.models import ApiClient
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import event_record
from ewtp.common.services import api_client_create

from ..errors import HubsErrorCode
from ..events import PayoutAccountChanged
from ..models import Hub, Invitation, Membership, Organization, OrganizationClient, User
from ..roles import Perm, can_act_for

PROFILE_FIELDS = (
    "legal_name",
    "sector",
    "size",
    "address_line",
    "city",
    "postcode",
    "contact_name",
    "contact_email",
    "contact_phone",
)
PAYOUT_FIELDS = ("payout_bic", "payout_account_name", "payout_account_number")


@dataclass(frozen=True)
class OrganizationDetails:
    """What a business declares at sign-up; validated by the form or serializer first."""

    legal_name: str
    country: str
    registration_number: str
    sector: str
    size: str
    address_line: str
    city: str
    postcode: str
    contact_name: str
    contact_email: str
    contact_phone: str
    home_hub: Hub
    payout_bic: str
    payout_account_name: str
    payout_account_number: str


def organization_register(
    *, details: OrganizationDetails, owner_email: str, owner_name: str, owner_password: str
) -> Organization:
    """Sign-up: create the organisation (KYC not yet submitted) with its first owner."""
    if User.objects.filter(email__iexact=owner_email).exists():
        raise ConflictError(
            "An account with this e-mail address exists: sign in first.",
            HubsErrorCode.EMAIL_TAKEN,
            extra={"field": "owner_email"},
        )
    try:
        with transaction.atomic():
            owner = User.objects.create_user(
                email=owner_email, password=owner_password, full_name=owner_name
            )
            organization = Organization.objects.create(**vars(details))
            Membership.objects.create(
                user=owner, organization=organization, role=Membership.Role.OWNER
            )
            audit_record(
                actor=owner,
                action="hubs.organization.registered",
                target=organization,
                data={
                    "country": details.country,
                    "registration_number": details.registration_number,
                },
            )
    except IntegrityError:
        raise ConflictError(
            "An organisation with this registration number is already on the hub.",
            HubsErrorCode.ORGANIZATION_EXISTS,
            extra={"field": "registration_number"},
        ) from None
    return organization


def organization_create(
    *, legal_name: str, country: str, home_hub: Hub, owner: User, actor=None, **fields
) -> Organization:
    """Create an organisation for an existing user (demo data, admin)."""
    with transaction.atomic():
        organization = Organization.objects.create(
            legal_name=legal_name.strip(), country=country, home_hub=home_hub, **fields
        )
        Membership.objects.create(user=owner, organization=organization, role=Membership.Role.OWNER)
        audit_record(actor=actor or owner, action="hubs.organization.created", target=organization)
    return organization


def _require(actor, organization, perm):
    if not can_act_for(actor, organization, perm):
        raise NotAllowedError("Only the organisation's owners may do this.", "not_owner")


def organization_update(
    *, organization: Organization, actor: User | None, actor_label: str = "", **changes
) -> Organization:
    """Change the profile and payout account: an owner, or (``actor`` None) the organisation's
    own API client. The registration identity (country, number) is fixed once verified;
    home hub changes go through the hub."""
    if actor is not None:
        _require(actor, organization, Perm.ORGANIZATION_MANAGE)
    unknown = set(changes) - set(PROFILE_FIELDS) - set(PAYOUT_FIELDS)
    if unknown:
        raise ApplicationError(
            f"These fields cannot be changed here: {', '.join(sorted(unknown))}."
        )
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        changed = {name: value for name, value in changes.items() if getattr(locked, name) != value}
        if not changed:
            return locked
        for name, value in changed.items():
            setattr(locked, name, value)
        fields = [*changed, "updated_at"]
        if set(changed) & set(PAYOUT_FIELDS) and locked.payout_account_problem:
            locked.payout_account_problem = ""  # the owner fixed what the bank rejected
            fields.append("payout_account_problem")
        locked.save(update_fields=fields)
        # account numbers never go into the trail, only the fact that they changed
        audit_record(
            actor=actor,
            action="hubs.organization.updated",
            target=locked,
            data={"fields": sorted(changed)},
            actor_label=actor_label,
        )
        if set(changed) & set(PAYOUT_FIELDS):
            _payout_change_notify(locked, actor_label or (actor.email if actor else "system"))
            event_record(PayoutAccountChanged(organization_id=locked.pk))
    return locked


def organization_payout_account_flag(*, organization: Organization, problem: str) -> None:
    """A bank rejected a payout to the account: flag it until the owners change it."""
    Organization.objects.filter(pk=organization.pk).update(
        payout_account_problem=problem[:200], updated_at=timezone.now()
    )


def _payout_change_notify(organization: Organization, by: str) -> None:
    """A changed payout account is the classic fraud: every owner hears of it at once."""
    owners = organization.memberships.filter(role=Membership.Role.OWNER).select_related("user")
    email_after_commit(
        to=[m.user.email for m in owners] + [organization.contact_email],
        subject=f"eWTP Hub: the payout account of {organization.legal_name} was changed",
        body=(
            f"The payout bank account of {organization.legal_name} was changed by {by} to "
            f"{organization.payout_bic}, account ending "
            f"{organization.payout_account_number[-4:]}.\n\n"
            "If you did not ask for this, contact the hub at once."
        ),
    )


def membership_add(*, organization: Organization, user: User, role: str, actor=None) -> Membership:
    if role not in Membership.Role.values:
        raise ApplicationError(
            f"Role is one of {', '.join(Membership.Role.values)}.", extra={"field": "role"}
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(organization=organization, user=user, role=role)
            audit_record(
                actor=actor,
                action="hubs.membership.added",
                target=organization,
                data={"user": user.email, "role": role},
            )
    except IntegrityError:
        raise ConflictError(
            f"{user.email} is already a member of {organization}.", HubsErrorCode.MEMBER_EXISTS
        ) from None
    return membership


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *, organization: Organization, email: str, role: str, actor: User, accept_url_for
) -> Invitation:
    """Invite someone by e-mail. ``accept_url_for(token)`` builds the link (the caller knows
    the site's address); the token itself is never stored."""
    _require(actor, organization, Perm.ORGANIZATION_MANAGE)
    email = email.strip().lower()
    if organization.memberships.filter(user__email__iexact=email).exists():
        raise ConflictError(
            f"{email} is already a member.", HubsErrorCode.MEMBER_EXISTS, extra={"field": "email"}
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            token_hash=_token_hash(token),
            invited_by=actor,
            expires_at=timezone.now() + settings.INVITATION_TTL,
        )
        audit_record(
            actor=actor,
            action="hubs.invitation.sent",
            target=organization,
            data={"email": email, "role": role},
        )
        email_after_commit(
            to=[email],
            subject=f"You are invited to {organization.legal_name} on eWTP Hub",
            body=(
                f"{actor.get_full_name()} invites you to join {organization.legal_name} on eWTP "
                f"Hub as {invitation.get_role_display().lower()}.\n\nAccept here (the link works "
                f"once and expires on {invitation.expires_at:%Y-%m-%d}):\n{accept_url_for(token)}\n"
            ),
        )
    return invitation


def invitation_find(*, token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None or invitation.accepted_at or invitation.expires_at < timezone.now():
        raise ApplicationError(
            "This invitation link is not valid: it was used already or it has "
            "expired. Ask the owner for a new one.",
            HubsErrorCode.INVITATION_INVALID,
        )
    return invitation


def invitation_accept(
    *, token: str, user: User | None = None, full_name: str = "", password: str = ""
) -> Membership:
    """Join through an invitation: as the signed-in user with the invited address, or by
    creating the account (the link proves the address)."""
    with transaction.atomic():
        invitation = invitation_find(token=token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at:
            raise ApplicationError(
                "This invitation was used already.", HubsErrorCode.INVITATION_INVALID
            )
        if user is None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise ConflictError(
                    "An account with this address exists: sign in, then open the link again.",
                    HubsErrorCode.EMAIL_TAKEN,
                )
            user = User.objects.create_user(
                email=invitation.email, password=password, full_name=full_name
            )
        elif user.email.lower() != invitation.email:
            raise NotAllowedError(
                f"This invitation is for {invitation.email}; you are signed in as {user.email}.",
                HubsErrorCode.INVITATION_INVALID,
            )
        membership = membership_add(
            organization=invitation.organization, user=user, role=invitation.role, actor=user
        )
        invitation.accepted_at, invitation.accepted_by = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


ORGANIZATION_CLIENT_SCOPES = [
    "organization:read",
    "organization:write",
    "products:read",
    "products:write",
    "orders:read",
    "orders:write",
    "hubs:read",
    "tracking:read",
    "customs:read",
    "customs:write",
    "customs:quote",
    "webhooks:manage",
]


def organization_api_client_create(*, organization: Organization, name: str, actor: User):
    """API credentials for the organisation's own systems; the secret is shown once."""
    _require(actor, organization, Perm.ORGANIZATION_MANAGE)
    with transaction.atomic():
        issued = api_client_create(
            name=f"{organization.legal_name}: {name}" if name else organization.legal_name,
            kind=ApiClient.Kind.ORGANIZATION,
            scopes=ORGANIZATION_CLIENT_SCOPES,
            actor=actor,
        )
        OrganizationClient.objects.create(api_client=issued.client, organization=organization)
    return issued
