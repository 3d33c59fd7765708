"""Post-clearance audit: "release now, audit later".

A declaration released from the blue lane enters its hub's audit worklist; so does a share of
green-lane releases (CUSTOMS_PCA_SAMPLE_PERCENT), drawn from a hash of the reference so that
a repeated release event draws the same. An officer of the hub then either closes the audit
without a finding, or raises a finding: the value the goods should have been declared at,
item by item, with the reason. The duty engine assesses the declaration again on the
corrected values, with the tariff lines, exchange rate and date of the release; what that
assessment asks beyond what the release assessed is the supplementary assessment, owed by
the declarant's organisation under the law of the hub's country (SHORT_PAID_LAW). A
preferential claim whose certificate of origin no longer verifies (revoked since the
release) is not granted in that assessment: the items pay the MFN duty and the taxes on it,
and the finding says why.

Customs does not bill: the finding records AuditFindingRaised in the outbox, and the
pipeline bills the organisation through the ledger and reports the transaction back
(``audit_billing_record``), which closes the audit. A finding with nothing to bill (the
corrected value changes no duty or tax, e.g. an export) closes at once.

States: to_audit → no_finding | finding → closed. Every change is made on the locked row,
re-checked there, and written to the audit trail.
"""

import hashlib
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_entry, audit_record_many
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.outbox import event_record
from ewtp.common.states import state_change
from hubs.roles import Perm, has_permission

from ..errors import CustomsErrorCode
from ..events import AuditFindingRaised
from ..models import Declaration, Lane, PostClearanceAudit
from ..models.audits import SHORT_PAID_LAW
from .duty import REGIMES
from .reassessment import Reassessment, audit_reassess

Status = PostClearanceAudit.Status


def audit_sampled(reference: str) -> bool:
    """Whether a green-lane release is drawn for audit: a hash of the reference (and of the
    hub's risk seed, under a name of its own so that the draw is independent of the risk
    engine's random selection) against CUSTOMS_PCA_SAMPLE_PERCENT. Always the same answer for
    the same declaration."""
    seed = f"{settings.CUSTOMS_RISK_SEED}:post-clearance-audit:{reference}"
    draw = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    return Decimal(draw) * 100 / 2**64 < settings.CUSTOMS_PCA_SAMPLE_PERCENT


def audits_enrol(*, declaration_ids) -> dict[int, PostClearanceAudit]:
    """Put released declarations in their hubs' worklists: those the blue lane released, and
    the green-lane releases drawn by the sample (an officer checked the yellow and red ones
    before release). Once per declaration (a unique constraint): a repeated event finds the
    audit made the first time. Declaration id → its audit, of those for audit. A batch costs
    a read of the declarations, a read of their audits and an insert of the new ones and of
    their audit-trail rows, whatever its size."""
    chosen = {}
    released = Declaration.objects.filter(
        pk__in=set(declaration_ids), status=Declaration.Status.RELEASED
    ).only("id", "lane", "reference", "hub_id", "customs_currency")
    for declaration in released:
        if declaration.lane == Lane.BLUE:
            chosen[declaration.pk] = (declaration, PostClearanceAudit.Selection.BLUE_LANE)
        elif declaration.lane == Lane.GREEN and audit_sampled(declaration.reference):
            chosen[declaration.pk] = (declaration, PostClearanceAudit.Selection.RANDOM_SAMPLE)
    if not chosen:
        return {}
    try:
        return _audits_made(chosen)
    except IntegrityError:  # another worker enrolled one of them meanwhile: read it now
        return _audits_made(chosen)


def _audits_made(chosen: dict) -> dict[int, PostClearanceAudit]:
    with transaction.atomic():
        audits = {
            audit.declaration_id: audit
            for audit in PostClearanceAudit.objects.filter(declaration_id__in=chosen)
        }
        new = PostClearanceAudit.objects.bulk_create(
            PostClearanceAudit(
                declaration=declaration,
                hub_id=declaration.hub_id,
                selected_because=because,
                currency=declaration.customs_currency,
            )
            for pk, (declaration, because) in sorted(chosen.items())
            if pk not in audits
        )
        audit_record_many(
            [
                audit_entry(
                    actor=None,
                    actor_label="customs",
                    action="customs.audit.selected",
                    target=audit,
                    reason=audit.get_selected_because_display(),
                    data={"declaration": audit.declaration.reference},
                )
                for audit in new
            ]
        )
    return audits | {audit.declaration_id: audit for audit in new}


def _invalid(message: str, field_name: str):
    raise ApplicationError(message, CustomsErrorCode.AUDIT_INVALID, extra={"field": field_name})


def _officer_check(actor, audit: PostClearanceAudit) -> None:
    if not (
        has_permission(actor, Perm.CUSTOMS_WORKBENCH) and actor.official_hub_id == audit.hub_id
    ):
        raise NotAllowedError(
            _("Only the customs officers of this hub audit its declarations."),
            CustomsErrorCode.NOT_YOUR_HUB,
        )


# the audit action of each move
ACTIONS = {
    Status.NO_FINDING: "customs.audit.closed_without_finding",
    Status.FINDING: "customs.audit.finding_raised",
    Status.CLOSED: "customs.audit.billed",
}


def _refusal(audit: PostClearanceAudit, to: str) -> ConflictError:
    return ConflictError(
        _("The audit of %(reference)s is %(status)s: it cannot become %(to)s.")
        % {
            "reference": audit.declaration.reference,
            "status": audit.get_status_display(),
            "to": Status(to).label,
        },
        CustomsErrorCode.AUDIT_DONE,
    )


def post_clearance_audit_transition(
    *,
    audit: PostClearanceAudit,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    changes: dict | None = None,
    data: dict | None = None,
) -> PostClearanceAudit:
    """Move an audit along PostClearanceAudit.TRANSITIONS with ``changes`` (the officer's
    finding and its figures, the billing), stamping ``closed_at`` when it closes; audited
    under ACTIONS with the declaration's reference and ``data``, by the officer or else the
    pipeline. Returns the locked row; unchanged when it is there already."""
    changes = changes or {}

    def apply(locked: PostClearanceAudit, _before: str) -> list[str]:
        for name, value in changes.items():
            setattr(locked, name, value)
        if to == Status.CLOSED:
            locked.closed_at = timezone.now()
            return [*changes, "closed_at"]
        return list(changes)

    locked, _moved = state_change(
        audit,
        to,
        refusal=_refusal,
        action=ACTIONS.get(to, f"customs.audit.{to}"),  # no move leads to to_audit
        actor=actor,
        actor_label=actor_label or ("" if actor else "pipeline"),
        reason=reason,
        data={"declaration": audit.declaration.reference, **(data or {})},
        apply=apply,
    )
    return locked


def _locked(audit: PostClearanceAudit) -> PostClearanceAudit:
    locked = (
        PostClearanceAudit.objects.select_for_update()
        .select_related("declaration")
        .get(pk=audit.pk)
    )
    if locked.status != Status.TO_AUDIT:
        raise ConflictError(
            _("The audit of %(reference)s is done: %(status)s.")
            % {"reference": locked.declaration.reference, "status": locked.get_status_display()},
            CustomsErrorCode.AUDIT_DONE,
        )
    return locked


def audit_close_without_finding(
    *, audit: PostClearanceAudit, note: str, actor
) -> PostClearanceAudit:
    """The officer found the declaration right: the audit closes, nothing is owed. ``note``
    (optional) says what was checked."""
    _officer_check(actor, audit)
    finding = note.strip()[:1000]
    with transaction.atomic():
        return post_clearance_audit_transition(
            audit=_locked(audit),
            to=Status.NO_FINDING,
            actor=actor,
            reason=finding,
            changes={"officer": actor, "audited_at": timezone.now(), "finding": finding},
        )


def audit_finding_raise(
    *, audit: PostClearanceAudit, values: dict, finding: str, actor
) -> PostClearanceAudit:
    """The officer found the goods under-declared: ``values`` (line number → the value the
    item should have been declared at, in the declaration currency) and ``finding``, the
    reason the declarant reads. The supplementary assessment is the engine's duty and tax on
    the corrected values less what the release assessed; it is owed by the declarant's
    organisation (AuditFindingRaised, billed by the pipeline), or, when it is nothing, the
    audit closes at once. Items whose preferential claim no longer holds are assessed at the
    MFN rate, and the finding ends with the register's reason for each. Refused when the
    corrected values do not raise the customs value (a finding records goods declared below
    their value: the audit_finding_has_figures constraint), or would lower the duty and tax
    (a refund is the declarant's claim, not a finding)."""
    _officer_check(actor, audit)
    if not finding.strip():
        _invalid(_("Give the finding: the declarant reads it."), "finding")
    with transaction.atomic():
        locked = _locked(audit)
        declaration = locked.declaration
        figures = audit_reassess(declaration=declaration, values=values)
        if figures.corrected_value <= figures.declared_value and not (
            figures.preference_withdrawn and figures.corrected_value == figures.declared_value
        ):
            _not_raised()
        if figures.amount_owed < 0:
            _invalid(
                _(
                    "On the corrected values the duty and tax come out lower than assessed at "
                    "release: a refund is claimed by the declarant, it is not an audit finding."
                ),
                "values",
            )
        country = REGIMES[declaration.regime]
        text = _finding_text(finding.strip(), figures)
        raised = post_clearance_audit_transition(
            audit=locked,
            to=Status.FINDING,
            actor=actor,
            reason=text,
            changes=_finding_changes(figures, text, actor, country),
            data={"amount_owed": str(figures.amount_owed), "currency": figures.currency},
        )
        if figures.amount_owed == 0:
            return post_clearance_audit_transition(
                audit=raised,
                to=Status.CLOSED,
                actor=actor,
                reason="Nothing to bill: the corrected values change no duty or tax.",
                data={"amount_owed": "0"},
            )
        event_record(
            AuditFindingRaised(
                audit_id=raised.pk,
                declaration_id=declaration.pk,
                declaration_reference=declaration.reference,
                order_id=declaration.order_id,
                organization_id=declaration.organization_id,
                hub_id=raised.hub_id,
                currency=figures.currency,
                amount=str(figures.amount_owed),
                finding=f"{raised.finding[:400]} ({SHORT_PAID_LAW.get(country, '')})"[:500],
            )
        )
        return raised


def _not_raised():
    _invalid(
        _(
            "The corrected values do not raise the customs value declared: record "
            "the audit without a finding instead."
        ),
        "values",
    )


def _finding_text(finding: str, figures: Reassessment) -> str:
    """The officer's finding, then why items lost their preference: the notes are kept
    whole (the declarant is billed the duty the preference relieved and reads why), the
    finding shortened if both do not fit."""
    notes = " ".join(figures.notes)
    room = max(1000 - len(notes) - 1, 0)
    return " ".join(text for text in (finding[:room], notes) if text)[:1000]


def _finding_changes(figures: Reassessment, finding: str, actor, country: str) -> dict:
    """What a finding records on the audit: the officer, the finding and its figures."""
    return {
        "officer": actor,
        "audited_at": timezone.now(),
        "finding": finding,
        "currency": figures.currency,
        "declared_value": figures.declared_value,
        "corrected_value": figures.corrected_value,
        "under_declared_amount": figures.under_declared_amount,
        "assessed_total": figures.assessed_total,
        "duty_owed": figures.duty_owed,
        "tax_owed": figures.tax_owed,
        "corrected_items": figures.items,
        "reassessment": figures.lines,
        "legal_source": SHORT_PAID_LAW.get(country, "")[:200],
    }


def audit_billing_record(
    *,
    audit_id: int,
    ledger_transaction_id: int,
    from_balance: Decimal,
    owed: Decimal,
) -> PostClearanceAudit:
    """The pipeline billed the finding's supplementary assessment: keep the ledger
    transaction and how it was met (from the organisation's balance, and owed by it), and
    close the audit. A repeated report of the same transaction changes nothing."""
    with transaction.atomic():
        locked = (
            PostClearanceAudit.objects.select_for_update()
            .select_related("declaration")
            .get(pk=audit_id)
        )
        if locked.status == Status.CLOSED and locked.ledger_transaction_id == ledger_transaction_id:
            return locked
        if from_balance + owed != locked.amount_owed:
            raise ApplicationError(
                _("The billing of %(reference)s does not match its finding.")
                % {"reference": locked.declaration.reference},
                CustomsErrorCode.AUDIT_INVALID,
            )
        if locked.status == Status.CLOSED:  # closed by another transaction: never billed twice
            raise _refusal(locked, Status.CLOSED)
        return post_clearance_audit_transition(
            audit=locked,
            to=Status.CLOSED,
            reason=f"{locked.amount_owed} {locked.currency} billed to the declarant",
            changes={
                "ledger_transaction_id": ledger_transaction_id,
                "billed_from_balance": from_balance,
                "billed_as_owed": owed,
            },
            data={
                "ledger_transaction": ledger_transaction_id,
                "from_balance": str(from_balance),
                "owed": str(owed),
            },
        )
