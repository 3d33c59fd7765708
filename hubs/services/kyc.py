"""KYC: an organisation's documents and the MDEC officers' review of them.

The status moves only along Organization.TRANSITIONS, through ``kyc_transition``: each step
locks the row, writes the audit trail (actor, time, reason) and e-mails the owners after
commit. A change of the
identity that was verified (legal name, country, registration number) sends the
organisation back to the queue (``kyc_reopen``).
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import event_record
from ewtp.common.states import state_change
from ewtp.common.uploads import document_file_read, document_file_store

from ..errors import HubsErrorCode
from ..events import PayoutAccountChanged
from ..models import KycDocument, Organization, User
from ..roles import Perm, can_act_for, has_permission
from ..selectors import owner_emails
from .payout_accounts import payout_account_name_check, review_seen_check

Status = Organization.KycStatus

REQUIRED_KINDS = {KycDocument.Kind.REGISTRATION, KycDocument.Kind.DIRECTOR_ID}
# the audit action of each move an officer or the owners make (kyc_reopen's is its own)
ACTIONS = {
    Status.SUBMITTED: "hubs.kyc.submitted",
    Status.APPROVED: "hubs.kyc.approved",
    Status.REJECTED: "hubs.kyc.rejected",
    Status.MORE_INFO: "hubs.kyc.more_info_requested",
}


def kyc_document_upload(
    *, organization: Organization, kind: str, upload, actor: User
) -> KycDocument:
    """Store one document (PDF, JPEG or PNG up to KYC_MAX_UPLOAD_BYTES) for the organisation."""
    if not can_act_for(actor, organization, Perm.ORGANIZATION_MANAGE):
        raise NotAllowedError(
            _("Only the organisation's owners upload verification documents."),
            HubsErrorCode.NOT_OWNER,
        )
    if organization.kyc_status in (Status.SUBMITTED, Status.APPROVED):
        raise ConflictError(
            _("Documents cannot change while they are reviewed or after approval."),
            HubsErrorCode.KYC_TRANSITION,
        )
    if kind not in KycDocument.Kind.values:
        raise ApplicationError(
            _("Choose the kind of document."),
            HubsErrorCode.KYC_DOCUMENT_INVALID,
            extra={"field": "kind"},
        )
    if upload.size > settings.KYC_MAX_UPLOAD_BYTES:
        raise ApplicationError(
            _("The file is larger than %(size)s MB.")
            % {"size": settings.KYC_MAX_UPLOAD_BYTES // (1024 * 1024)},
            HubsErrorCode.KYC_DOCUMENT_INVALID,
            extra={"field": "file"},
        )
    read = document_file_read(upload)
    if read is None:
        raise ApplicationError(
            _("Upload a PDF, JPEG or PNG file (this file is none of them)."),
            HubsErrorCode.KYC_DOCUMENT_INVALID,
            extra={"field": "file"},
        )
    with transaction.atomic():
        document = KycDocument(
            organization=organization, kind=kind, uploaded_by=actor, **read.fields()
        )
        document_file_store(document, upload)
        audit_record(
            actor=actor,
            action="hubs.kyc.document_uploaded",
            target=organization,
            data={"kind": kind, "sha256": document.sha256, "size": document.size},
        )
    return document


def kyc_transition(
    *,
    organization: Organization,
    to: str,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
    seen: str | None = None,
) -> tuple[Organization, bool]:
    """Move the verification along Organization.TRANSITIONS (ewtp.common.states); return the
    locked organisation and whether it moved (a double click does not). ``reason`` becomes
    the note the owners read; a decision on a page shown before the identity or the payout
    account changed (``seen``, review_seen_check) is refused. Approval records the verified
    legal name. The audit action is the move's (ACTIONS)."""

    def implied(locked: Organization, before: str) -> list[str]:
        locked.kyc_reason = reason
        fields = ["kyc_reason", "kyc_decided_at"]
        if to in (Status.APPROVED, Status.REJECTED):
            locked.kyc_decided_at = timezone.now()
        if to == Status.APPROVED:
            fields += _verified(locked)
        return fields

    return state_change(
        organization,
        to,
        refusal=_refusal,
        action=ACTIONS[Status(to)],
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        apply=implied,
        guard=lambda locked: review_seen_check(locked, seen),
    )


def _refusal(organization: Organization, to: str) -> ConflictError:
    return ConflictError(
        _("Verification cannot go from “%(before)s” to “%(after)s”.")
        % {"before": organization.get_kyc_status_display(), "after": Status(to).label},
        HubsErrorCode.KYC_TRANSITION,
    )


def _verified(organization: Organization) -> list[str]:
    """Approval verifies the legal name; an account held only because its holder's name was
    not that verified name is released once it is."""
    organization.verified_legal_name = organization.legal_name
    fields = ["verified_legal_name"]
    if organization.payout_account_hold == "review":
        fields += payout_account_name_check(organization)
        if not organization.payout_account_problem:
            event_record(PayoutAccountChanged(organization_id=organization.pk))
    return fields


IDENTITY_LABELS = {
    "legal_name": "legal name",
    "country": "country",
    "registration_number": "registration number",
}


def kyc_reopen(
    *, organization: Organization, before: dict, actor: User | None, actor_label: str = ""
) -> list[str]:
    """A change of identity (legal name, country, registration number) of an organisation
    whose verification is approved or waiting puts it (back) in the officers' queue, with
    what changed as the reason. Until an officer approves it again it does not sell
    (``Organization.can_sell``: its listings leave the catalogue and new orders to it are
    refused); orders already placed go on. The owners are e-mailed.

    Call it inside the caller's transaction with the row locked and already changed (not
    saved); ``before`` holds the changed fields' old values. Returns the fields it changed.
    """
    changes = {
        name: (str(old), str(getattr(organization, name)))
        for name, old in before.items()
        if name in IDENTITY_LABELS
    }
    status = Status(organization.kyc_status)
    if not changes or status not in (Status.APPROVED, Status.SUBMITTED):
        return []  # not verified nor being verified: the next review sees the new identity
    what = "; ".join(
        f"{IDENTITY_LABELS[name]} changed from “{old}” to “{new}”"
        for name, (old, new) in changes.items()
    )
    if status == Status.APPROVED:
        if not organization.verified_legal_name:  # approved before the name was recorded
            organization.verified_legal_name = before.get("legal_name", organization.legal_name)
        reason = what
    else:
        reason = f"{organization.kyc_reason}; {what}" if organization.kyc_reason else what
    organization.kyc_status, organization.kyc_reason = Status.SUBMITTED, reason
    audit_record(
        actor=actor,
        action="hubs.kyc.reopened",
        target=organization,
        reason=what,
        actor_label=actor_label,
        data={
            "from": status,
            "to": Status.SUBMITTED,
            "before": {name: old for name, (old, _new) in changes.items()},
            "after": {name: new for name, (_old, new) in changes.items()},
        },
    )
    email_after_commit(
        to=owner_emails(organization),
        subject=f"eWTP Hub verification of {organization.legal_name}: back in review",
        body=(
            f"The {what}. An MDEC officer verifies the organisation again. Until then its "
            "listings are not offered to buyers and new orders to it are refused; orders "
            "already placed go on as usual.\n\nIf nobody in your organisation made this "
            "change, contact the hub at once.\n"
        ),
    )
    return ["kyc_status", "kyc_reason", "verified_legal_name"]


def kyc_submit(*, organization: Organization, actor: User) -> Organization:
    """Send the documents for review. Needs the registration certificate and a director's ID,
    and a complete payout account."""
    if not can_act_for(actor, organization, Perm.ORGANIZATION_MANAGE):
        raise NotAllowedError(
            _("Only the organisation's owners submit for verification."), HubsErrorCode.NOT_OWNER
        )
    missing = REQUIRED_KINDS - set(organization.kyc_documents.values_list("kind", flat=True))
    if missing:
        labels = ", ".join(sorted(str(KycDocument.Kind(kind).label) for kind in missing))
        raise ApplicationError(
            _("Upload these documents first: %(documents)s.") % {"documents": labels},
            HubsErrorCode.KYC_INCOMPLETE,
        )
    if not (organization.payout_bic and organization.payout_account_number):
        raise ApplicationError(
            _("Enter the payout bank account first."), HubsErrorCode.KYC_INCOMPLETE
        )
    organization, _moved = kyc_transition(
        organization=organization, to=Status.SUBMITTED, actor=actor
    )
    return organization


# what the owners are e-mailed of an officer's decision: the subject's end and the message
DECISION_MAILS = {
    Status.APPROVED: (
        "approved",
        "Your organisation is verified: you can now list products and sell abroad.",
    ),
    Status.REJECTED: (
        "not approved",
        "Your verification was not approved. You can correct it and submit again.",
    ),
    Status.MORE_INFO: (
        "more information needed",
        "The reviewer needs more information before deciding. Upload what is asked for and "
        "submit again.",
    ),
}


def _review(organization, to, *, actor, reason, seen=None):
    if not has_permission(actor, Perm.KYC_REVIEW):
        raise NotAllowedError(
            _("Only MDEC officers review verifications."), HubsErrorCode.NOT_REVIEWER
        )
    if to != Status.APPROVED and not reason.strip():
        raise ApplicationError(
            _("Give the reason: the organisation will read it."),
            HubsErrorCode.KYC_TRANSITION,
            extra={"field": "reason"},
        )
    organization, moved = kyc_transition(
        organization=organization, to=to, actor=actor, reason=reason.strip(), seen=seen
    )
    if moved:
        subject, message = DECISION_MAILS[to]
        email_after_commit(
            to=owner_emails(organization),
            subject=f"eWTP Hub verification of {organization.legal_name}: {subject}",
            body=message + (f"\n\nReviewer's note: {reason.strip()}\n" if reason.strip() else "\n"),
        )
    return organization


def kyc_approve(
    *, organization: Organization, actor: User, reason: str = "", seen: str | None = None
) -> Organization:
    return _review(organization, Status.APPROVED, actor=actor, reason=reason, seen=seen)


def kyc_reject(
    *, organization: Organization, actor: User, reason: str, seen: str | None = None
) -> Organization:
    return _review(organization, Status.REJECTED, actor=actor, reason=reason, seen=seen)


def kyc_request_more(
    *, organization: Organization, actor: User, reason: str, seen: str | None = None
) -> Organization:
    return _review(organization, Status.MORE_INFO, actor=actor, reason=reason, seen=seen)
