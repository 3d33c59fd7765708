"""Writes of organisations: sign-up, profile, payout account, members and invitations."""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.api_clients import (
    IssuedCredentials,
    api_client_create,
    api_client_secret_rotate,
    api_client_update,
)
from ewtp.common.audit import audit_record
from ewtp.common.errors import (
    ApplicationError,
    CommonErrorCode,
    ConflictError,
    NotAllowedError,
    NotFoundError,
)
from ewtp.common.models import ApiClient
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import event_record

from ..errors import HubsErrorCode
from ..events import PayoutAccountChanged
from ..models import Hub, Invitation, Membership, Organization, OrganizationClient, User
from ..roles import Perm, can_act_for
from ..selectors import owner_emails
from .kyc import kyc_reopen
from .payout_accounts import payout_account_name_check, payout_account_summary

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
# what was verified: changing it sends a verified organisation back to review (kyc_reopen)
IDENTITY_FIELDS = ("legal_name", "country", "registration_number")


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
            _("An account with this e-mail address exists: sign in first."),
            HubsErrorCode.EMAIL_TAKEN,
            extra={"field": "owner_email"},
        )
    try:
        with transaction.atomic():
            owner = User.objects.create_user(
                email=owner_email, password=owner_password, full_name=owner_name
            )
            organization = Organization(**vars(details))
            payout_account_name_check(organization)  # held when not in the organisation's name
            organization.save()
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
            _("An organisation with this registration number is already on the hub."),
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
        raise NotAllowedError(
            _("Only the organisation's owners may do this."), HubsErrorCode.NOT_OWNER
        )


def organization_update(
    *, organization: Organization, actor: User | None, actor_label: str = "", **changes
) -> Organization:
    """Change the profile, the identity and the payout account: an owner, or (``actor``
    None) the organisation's own API client. Home hub changes go through the hub.

    A change of legal name, country or registration number of a verified organisation (or
    one being verified) sends it back to the officers' queue (``kyc_reopen``). A payout
    account whose holder's name is not the verified legal name is held until an officer
    accepts it (``payout_account_name_check``). Both are audited with before and after,
    and the owners are e-mailed."""
    if actor is not None:
        _require(actor, organization, Perm.ORGANIZATION_MANAGE)
    unknown = set(changes) - {*PROFILE_FIELDS, *IDENTITY_FIELDS, *PAYOUT_FIELDS}
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))},
            CommonErrorCode.INVALID,
        )
    try:
        with transaction.atomic():
            return _organization_change(organization, changes, actor, actor_label)
    except IntegrityError:
        raise ConflictError(
            _("An organisation with this registration number is already on the hub."),
            HubsErrorCode.ORGANIZATION_EXISTS,
            extra={"field": "registration_number"},
        ) from None


def _organization_change(organization, changes, actor, actor_label) -> Organization:
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    changed = {name: value for name, value in changes.items() if getattr(locked, name) != value}
    if not changed:
        return locked
    before = {name: getattr(locked, name) for name in changed}
    payout_before = payout_account_summary(locked)
    for name, value in changed.items():
        setattr(locked, name, value)
    fields = {*changed, "updated_at"}
    payout_changed = bool(set(changed) & set(PAYOUT_FIELDS))
    if payout_changed and locked.payout_account_problem:
        locked.payout_account_problem = ""  # a new account: what held the old one is gone
        fields.add("payout_account_problem")
    fields.update(
        kyc_reopen(organization=locked, before=before, actor=actor, actor_label=actor_label)
    )
    if payout_changed or "legal_name" in changed:
        fields.update(payout_account_name_check(locked))
    locked.save(update_fields=sorted(fields))
    # account numbers never go into the trail, only their last digits
    audit_record(
        actor=actor,
        action="hubs.organization.updated",
        target=locked,
        data={"fields": sorted(changed), **_before_after(before, locked, payout_before)},
        actor_label=actor_label,
    )
    if payout_changed:
        _payout_change_notify(locked, actor_label or (actor.email if actor else "system"))
        if not locked.payout_account_problem:
            event_record(PayoutAccountChanged(organization_id=locked.pk))
    return locked


def _before_after(before: dict, organization: Organization, payout_before: dict) -> dict:
    """The identity and payout account as they were and are (other fields: names only)."""
    identity = [name for name in IDENTITY_FIELDS if name in before]
    trail = {
        "before": {name: str(before[name]) for name in identity},
        "after": {name: str(getattr(organization, name)) for name in identity},
    }
    if set(before) & set(PAYOUT_FIELDS):
        trail["before"]["payout_account"] = payout_before
        trail["after"]["payout_account"] = payout_account_summary(organization)
        trail["after"]["payout_account_problem"] = organization.payout_account_problem
    return trail


def organization_payout_account_flag(*, organization: Organization, problem: str) -> None:
    """A bank rejected a payout to the account: flag it until the owners change it."""
    Organization.objects.filter(pk=organization.pk).update(
        payout_account_problem=problem[:200], updated_at=timezone.now()
    )


def _payout_change_notify(organization: Organization, by: str) -> None:
    """A changed payout account is the classic fraud: every owner hears of it at once."""
    email_after_commit(
        to=owner_emails(organization),
        subject=f"eWTP Hub: the payout account of {organization.legal_name} was changed",
        body=(
            f"The payout bank account of {organization.legal_name} was changed by {by} to "
            f"{organization.payout_bic}, account ending "
            f"{organization.payout_account_number[-4:]}.\n\n"
            + (
                f"The account is held by “{organization.payout_account_name}”, not by the "
                "organisation's verified legal name: no payout goes to it until an MDEC "
                "officer has checked it.\n\n"
                if organization.payout_account_hold == "review"
                else ""
            )
            + "If you did not ask for this, contact the hub at once."
        ),
    )


def membership_add(*, organization: Organization, user: User, role: str, actor=None) -> Membership:
    if role not in Membership.Role.values:
        raise ApplicationError(
            _("Role is one of %(roles)s.") % {"roles": ", ".join(Membership.Role.values)},
            CommonErrorCode.INVALID,
            extra={"field": "role"},
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
            _("%(email)s is already a member of %(organization)s.")
            % {"email": user.email, "organization": organization},
            HubsErrorCode.MEMBER_EXISTS,
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
            _("%(email)s is already a member.") % {"email": email},
            HubsErrorCode.MEMBER_EXISTS,
            extra={"field": "email"},
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
            _(
                "This invitation link is not valid: it was used already or it has expired. Ask "
                "the owner for a new one."
            ),
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
                _("This invitation was used already."), HubsErrorCode.INVITATION_INVALID
            )
        if user is None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise ConflictError(
                    _("An account with this address exists: sign in, then open the link again."),
                    HubsErrorCode.EMAIL_TAKEN,
                )
            user = User.objects.create_user(
                email=invitation.email, password=password, full_name=full_name
            )
        elif user.email.lower() != invitation.email:
            raise NotAllowedError(
                _("This invitation is for %(invited)s; you are signed in as %(email)s.")
                % {"invited": invitation.email, "email": user.email},
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


def _organization_api_client(organization: Organization, client_id: str) -> ApiClient:
    """One of the organisation's own API clients, locked; another's is not found."""
    link = (
        organization.api_clients.filter(api_client__application__client_id=client_id)
        .select_related("api_client__application")
        .first()
    )
    if link is None:
        raise NotFoundError(_("No such API key."), HubsErrorCode.API_CLIENT_UNKNOWN)
    return (
        ApiClient.objects.select_for_update()
        .select_related("application")
        .get(pk=link.api_client_id)
    )


def organization_api_client_revoke(
    *, organization: Organization, client_id: str, actor: User
) -> ApiClient:
    """Switch one of the organisation's API keys off for good (a system retired, a secret
    that may have leaked): its tokens stop working at once and it gets no new one."""
    _require(actor, organization, Perm.ORGANIZATION_MANAGE)
    with transaction.atomic():
        client = _organization_api_client(organization, client_id)
        if not client.is_active:
            return client  # revoked already (a double click)
        client = api_client_update(
            client=client, is_active=False, scopes=client.scope_list, actor=actor
        )
        audit_record(
            actor=actor,
            action="hubs.api_client.revoked",
            target=organization,
            data={
                "client_id": client_id,
                "name": client.application.name,
                "before": {"is_active": True},
                "after": {"is_active": False},
            },
        )
    return client


def organization_api_client_secret_rotate(
    *, organization: Organization, client_id: str, actor: User
) -> IssuedCredentials:
    """A new secret for one of the organisation's API keys, shown once; the old secret and
    its tokens stop working at once. A revoked key stays revoked."""
    _require(actor, organization, Perm.ORGANIZATION_MANAGE)
    with transaction.atomic():
        client = _organization_api_client(organization, client_id)
        if not client.is_active:
            raise ConflictError(
                _("This API key is revoked: create a new one instead."),
                HubsErrorCode.API_CLIENT_REVOKED,
            )
        issued = api_client_secret_rotate(client=client, actor=actor)
        audit_record(
            actor=actor,
            action="hubs.api_client.secret_rotated",
            target=organization,
            data={"client_id": client_id, "name": client.application.name},
        )
    return issued
