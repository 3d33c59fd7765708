"""Step 10, after the journey: customs audited a released declaration and found the goods
under-declared → the supplementary assessment (the duty and tax on the corrected value, less
what the release assessed) is billed to the organisation that declared them, in the customs
currency, through the hub's ledger: the hub's customs duties account is credited (it owes
the authority), the organisation's balance pays what it holds, and the rest is owed to the
hub and collected from its next settlements (step 8). The audit keeps the ledger
transaction and closes; the organisation's owners are told by e-mail, and its declaration
page and statement show the figures.

A declaration filed for no organisation on the hub has nobody to bill here: the hub's
customs officers are told to demand the amount of the declarant themselves, and the audit
stays open with its finding. A repeated event bills nothing more (the audit is closed, and
the posting has an idempotency key)."""

from decimal import Decimal

from django.utils.translation import gettext as _
from moneyed import Money

from customs.events import AuditFindingRaised
from customs.models import PostClearanceAudit
from customs.selectors import audit_of
from customs.services.audits import audit_billing_record
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs.models import Membership, Organization, User
from hubs.selectors import hub_by_id, member_emails_of, official_emails, organization_by_id
from payments.services.audit_duties import AuditDutiesBilled, audit_duties_bill


@subscribe("customs.audit_finding_raised", name="pipeline.audit_billed")
def audit_billed(event: AuditFindingRaised) -> None:
    audit = audit_of(audit_id=event.audit_id)
    if audit is None or audit.status != PostClearanceAudit.Status.FINDING:
        return  # billed before (a repeated event)
    if event.organization_id is None:
        _tell_officers(event)
        return
    organization = organization_by_id(organization_id=event.organization_id)
    billed = audit_duties_bill(
        organization=organization,
        hub=hub_by_id(hub_id=event.hub_id),
        amount=Money(Decimal(event.amount), event.currency),
        audit_key=str(event.audit_id),
        declaration_reference=event.declaration_reference,
    )
    audit_billing_record(
        audit_id=event.audit_id,
        ledger_transaction_id=billed.ledger_transaction.pk,
        from_balance=billed.from_balance.amount,
        owed=billed.owed.amount,
    )
    _tell_owners(organization, event, billed)


def _tell_owners(organization: Organization, event: AuditFindingRaised, billed) -> None:
    email_after_commit(
        to=member_emails_of(organization_ids=[organization.pk], role=Membership.Role.OWNER),
        subject=_("eWTP Hub: declaration %(reference)s: customs audit found %(amount)s owed")
        % {"reference": event.declaration_reference, "amount": billed.amount},
        body=_billing_words(event, billed),
    )


def _billing_words(event: AuditFindingRaised, billed: AuditDutiesBilled) -> str:
    words = [
        _(
            "Customs audited declaration %(reference)s after its release and found the goods "
            "declared below their value: %(finding)s"
        )
        % {"reference": event.declaration_reference, "finding": event.finding},
        _("The duty and tax short paid, %(amount)s, are billed to your organisation.")
        % {"amount": billed.amount},
    ]
    if billed.from_balance.amount:
        words.append(_("%(amount)s was paid from your balance.") % {"amount": billed.from_balance})
    if billed.owed.amount:
        words.append(
            _(
                "%(amount)s is owed to the hub: your balance could not cover it. It is taken "
                "from your next settlements before they are paid out."
            )
            % {"amount": billed.owed}
        )
    words.append(_("The declaration's page in the portal shows the figures."))
    return "\n\n".join(words)


def _tell_officers(event: AuditFindingRaised) -> None:
    email_after_commit(
        to=official_emails(role=User.OfficialRole.CUSTOMS_OFFICER, hub_id=event.hub_id),
        subject=_("eWTP Hub: declaration %(reference)s: the audit finding is not billed")
        % {"reference": event.declaration_reference},
        body=_(
            "Declaration %(reference)s was filed for no organisation on the hub, so the "
            "%(amount)s %(currency)s its audit found short paid cannot be billed through the "
            "hub. Demand it of the declarant directly."
        )
        % {
            "reference": event.declaration_reference,
            "amount": event.amount,
            "currency": event.currency,
        },
    )
