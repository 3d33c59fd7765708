"""Writes of organisations and their members."""

from django.db import IntegrityError, transaction

from ewtp.common.audit import audit_record
from ewtp.common.errors import ConflictError

from ..errors import HubsErrorCode
from ..models import Hub, Membership, Organization, User


def organization_create(
    *, legal_name: str, country: str, home_hub: Hub, owner: User, actor=None
) -> Organization:
    """Create an organisation with its first owner (the full onboarding with KYC builds on it)."""
    with transaction.atomic():
        organization = Organization.objects.create(
            legal_name=legal_name.strip(), country=country, home_hub=home_hub
        )
        Membership.objects.create(user=owner, organization=organization, role=Membership.Role.OWNER)
        audit_record(actor=actor or owner, action="hubs.organization.created", target=organization)
    return organization


def membership_add(*, organization: Organization, user: User, role: str, actor=None) -> Membership:
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
