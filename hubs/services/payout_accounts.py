"""Whose the payout account is: the holder's name against the verified legal name.

Money leaves the hub only for an account held in the organisation's own name. A changed
account whose holder's name is not the legal name an MDEC officer last approved (compared
without case, spacing, punctuation or the spelling of the company form, see
``company_names_match``) is held: ``payout_account_problem`` carries the hold, payments
requests no payout to it (the money waits in the balance, as after a bank's rejection), and
it is used once an officer accepts it, or once the owners change it to an account in their
name. An officer may also decline it: then only a change of account lifts the hold.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import event_record

from ..errors import HubsErrorCode
from ..events import PayoutAccountChanged
from ..models import Organization, User
from ..roles import Perm, has_permission
from ..selectors import owner_emails
from ..validators import company_names_match


def payout_account_name_check(organization: Organization) -> list[str]:
    """Hold the account when its holder's name is not the verified legal name, or release a
    name hold when it now is. Changes the (locked, unsaved) row; returns the changed fields.
    A bank's rejection or an officer's refusal is left alone: the account must change."""
    expected = organization.verified_legal_name or organization.legal_name
    hold = organization.payout_account_hold
    name = organization.payout_account_name
    if not name or company_names_match(name, expected):
        if hold != "review":
            return []
        organization.payout_account_problem = ""
    elif hold:
        return []
    else:
        organization.payout_account_problem = (
            f"{Organization.PAYOUT_HOLD_REVIEW}: holder “{name}” is not “{expected}”"
        )[:200]
    return ["payout_account_problem"]


def review_seen_check(organization: Organization, seen: str | None) -> None:
    """``seen``: the organisation's fingerprint as the officer's page showed it. The owners
    may change the name or the account while an officer reads the file; a decision is about
    what the officer read, so after such a change it is refused. Call it with the row locked."""
    if seen is not None and seen != organization.identity_fingerprint:
        raise ConflictError(
            _(
                "The organisation changed its details while you were reviewing them: read "
                "them again before deciding."
            ),
            HubsErrorCode.KYC_TRANSITION,
        )


def payout_account_summary(organization: Organization) -> dict:
    """What the audit trail keeps of an account: never its whole number."""
    return {
        "bic": organization.payout_bic,
        "name": organization.payout_account_name,
        "number_last4": organization.payout_account_number[-4:],
    }


def _decided(organization: Organization, *, actor: User, seen: str | None) -> Organization:
    if not has_permission(actor, Perm.KYC_REVIEW):
        raise NotAllowedError(
            _("Only MDEC officers check payout accounts."), HubsErrorCode.NOT_REVIEWER
        )
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    review_seen_check(locked, seen)
    if locked.payout_account_hold not in ("review", ""):
        raise ConflictError(
            _("This payout account is not waiting for a check: the owners must change it."),
            HubsErrorCode.PAYOUT_ACCOUNT_NOT_HELD,
        )
    return locked


def organization_payout_account_accept(
    *, organization: Organization, actor: User, seen: str | None = None
) -> Organization:
    """An officer confirms that a held account is the organisation's own (its bank statement,
    a trading name): payouts go to it, and what waited in the balance follows."""
    with transaction.atomic():
        locked = _decided(organization, actor=actor, seen=seen)
        if not locked.payout_account_problem:
            return locked  # accepted already (a double click)
        before = locked.payout_account_problem
        locked.payout_account_problem = ""
        locked.save(update_fields=["payout_account_problem", "updated_at"])
        audit_record(
            actor=actor,
            action="hubs.payout_account.accepted",
            target=locked,
            data={"before": before, "after": "", "account": payout_account_summary(locked)},
        )
        email_after_commit(
            to=owner_emails(locked),
            subject=f"eWTP Hub: the payout account of {locked.legal_name} is accepted",
            body=(
                f"An MDEC officer checked the payout account held by "
                f"“{locked.payout_account_name}” ({locked.payout_bic}, account ending "
                f"{locked.payout_account_number[-4:]}): payouts go to it from now on.\n"
            ),
        )
        event_record(PayoutAccountChanged(organization_id=locked.pk))
    return locked


def organization_payout_account_decline(
    *, organization: Organization, actor: User, reason: str, seen: str | None = None
) -> Organization:
    """An officer refuses a held account; the owners read why and must change it."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Give the reason: the organisation will read it."),
            HubsErrorCode.PAYOUT_ACCOUNT_REVIEW,
            extra={"field": "reason"},
        )
    with transaction.atomic():
        locked = _decided(organization, actor=actor, seen=seen)
        if not locked.payout_account_problem:
            raise ConflictError(
                _("This payout account is in use: nothing waits for a check."),
                HubsErrorCode.PAYOUT_ACCOUNT_NOT_HELD,
            )
        before = locked.payout_account_problem
        locked.payout_account_problem = f"{Organization.PAYOUT_HOLD_DECLINED}: {reason}"[:200]
        locked.save(update_fields=["payout_account_problem", "updated_at"])
        audit_record(
            actor=actor,
            action="hubs.payout_account.declined",
            target=locked,
            reason=reason,
            data={"before": before, "after": locked.payout_account_problem},
        )
        email_after_commit(
            to=owner_emails(locked),
            subject=f"eWTP Hub: the payout account of {locked.legal_name} was not accepted",
            body=(
                "An MDEC officer did not accept the payout account held by "
                f"“{locked.payout_account_name}”. No payout goes to it; enter an account "
                "in the organisation's legal name under My organisation.\n\n"
                f"Reviewer's note: {reason}\n"
            ),
        )
    return locked
