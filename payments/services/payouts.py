"""Payouts: an organisation's available balance to its own bank account, through a partner
bank, as ISO 20022 pain.001 credit transfers.

Requesting a payout moves the amount from the organisation's balance to the partner bank's
clearing account at once (it can no longer be spent twice). Requested payouts are batched per
bank (daily beat, or on demand) into a pain.001.001.09 message validated against the ISO
schema. The bank reports each payout's fate; a rejection returns the funds to the balance and
asks the owners to fix their bank details.
"""

import logging
import secrets
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import xmlschema
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.audit import audit_record, audit_record_bulk, client_actor_label
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError, NotFoundError
from ewtp.common.models import ApiClient
from ewtp.common.money import minor_units, money_from_minor, money_to_minor
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import event_record
from ewtp.common.webhooks import webhook_emit
from hubs.models import Membership, Organization
from hubs.roles import Perm, can_act_for
from hubs.services.organizations import organization_payout_account_flag

from ..errors import PaymentsErrorCode
from ..events import PayoutReported
from ..models import LedgerTransaction, LoanRepayment, Payout, PayoutBatch, Settlement
from .accounts import bank_clearing_account, customer_account
from .audit_duties import owed_collected_minor
from .ledger import Posting, ledger_post, ledger_reverse

logger = logging.getLogger(__name__)
PAIN_001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "data" / "iso20022" / "pain.001.001.09.xsd"
REASONS = {  # ISO 20022 external status reason codes a bank may report on a rejection
    "AC01": "Incorrect account number",
    "AC04": "Closed account number",
    "AC06": "Blocked account",
    "AG01": "Transaction forbidden on this account",
    "BE01": "Name does not match the account",
    "RC01": "Bank identifier (BIC) incorrect",
    "AM04": "Insufficient funds at the bank",
    "MS03": "Reason not specified",
}


# rejections that say the creditor's account details are wrong (not the bank's own trouble)
ACCOUNT_REASONS = {"AC01", "AC04", "AC06", "AG01", "BE01", "RC01"}


def payout_bank() -> ApiClient:
    """The partner bank that routes payouts: the active bank client granted payouts:write."""
    for client in ApiClient.objects.filter(kind=ApiClient.Kind.BANK, is_active=True).select_related(
        "application"
    ):
        if "payouts:write" in client.scope_list:
            return client
    raise ApplicationError(
        _("No partner bank routes payouts yet; the hub will pay out once one is connected."),
        "no_payout_bank",
    )


def payout_request(
    *,
    organization: Organization,
    amount: Money,
    actor,
    actor_label: str = "",
    request_key: str = "",
    settlement: Settlement | None = None,
) -> Payout:
    """``request_key`` (the form's one-time token) makes a double-submitted request one payout.
    ``settlement``: the order settlement this pays out, when the journey requests it."""
    if actor is not None and not can_act_for(actor, organization, Perm.ORGANIZATION_MANAGE):
        raise NotAllowedError(_("Only the organisation's owners request payouts."), "not_owner")
    if not (
        organization.payout_bic
        and organization.payout_account_number
        and organization.payout_account_name
    ):
        raise ApplicationError(_("Enter the payout bank account first."), "payout_account_missing")
    _check_payout_account_hold(organization)
    if amount.amount <= 0:
        raise ApplicationError(
            _("The amount must be positive."), "payout_amount", extra={"field": "amount"}
        )
    bank = payout_bank()
    currency = amount.currency.code
    end_to_end_id = f"EWP{secrets.token_hex(8).upper()}"
    with transaction.atomic():
        moved = ledger_post(
            kind=LedgerTransaction.Kind.PAYOUT,
            description=f"Payout to {organization.payout_bic} "
            f"…{organization.payout_account_number[-4:]}",
            reference=end_to_end_id,  # the bank's statement line carries it too
            postings=[
                Posting(customer_account(organization=organization, currency=currency), -amount),
                Posting(bank_clearing_account(bank=bank, currency=currency), amount),
            ],
            actor_label=actor_label or (actor.email if actor else "system"),
            idempotency_key=f"payout:{organization.pk}:{request_key[:64]}" if request_key else None,
        )
        earlier = Payout.objects.filter(ledger_transaction=moved).first()
        if earlier is not None:
            return earlier  # the same request, submitted again
        payout = Payout.objects.create(
            organization=organization,
            bank=bank,
            end_to_end_id=end_to_end_id,
            amount_minor=money_to_minor(amount),
            currency=currency,
            creditor_name=organization.payout_account_name,
            creditor_bic=organization.payout_bic,
            creditor_account=organization.payout_account_number,
            ledger_transaction=moved,
            settlement=settlement,
        )
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action="payments.payout.requested",
            target=payout,
            data={
                "amount": str(amount.amount),
                "currency": currency,
                "settlement": settlement.pk if settlement else None,
            },
        )
    return payout


def _check_payout_account_hold(organization: Organization) -> None:
    """No payout to an account a bank rejected, or one held for (or refused by) an MDEC
    officer's check of whose it is (hubs/services/payout_accounts.py)."""
    hold = organization.payout_account_hold
    if hold == "review":
        raise ApplicationError(
            _(
                "The payout account is not in the organisation's verified legal name: it is "
                "used once an MDEC officer has checked it."
            ),
            "payout_account_in_review",
        )
    if hold == "declined":
        raise ApplicationError(
            _(
                "An MDEC officer did not accept the payout account (%(note)s): enter an "
                "account in the organisation's legal name under My organisation first."
            )
            % {"note": organization.payout_account_hold_note},
            "payout_account_rejected",
        )
    if hold:
        raise ApplicationError(
            _(
                "The bank rejected the last payout to this account (%(problem)s): correct the "
                "payout account under My organisation first."
            )
            % {"problem": organization.payout_account_problem},
            "payout_account_rejected",
        )


def payouts_batch(*, bank: ApiClient, actor_label: str = "system") -> PayoutBatch | None:
    """Put the bank's requested payouts into one new batch (None when there are none); each
    payout's audit row names the batch."""
    with transaction.atomic():
        payouts = list(
            Payout.objects.select_for_update(skip_locked=True)
            .filter(bank=bank, status=Payout.Status.REQUESTED)
            .order_by("id")
        )
        if not payouts:
            return None
        batch = PayoutBatch.objects.create(
            bank=bank, message_id=f"EWB{timezone.now():%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"
        )
        ids = [p.pk for p in payouts]
        Payout.objects.filter(pk__in=ids).update(batch=batch, status=Payout.Status.BATCHED)
        audit_record_bulk(
            actor=None,
            actor_label=actor_label,
            action="payments.payout.batched",
            model=Payout,
            ids=ids,
            data={"from": Payout.Status.REQUESTED, "batch": batch.message_id},
        )
        webhook_emit(
            api_client=bank,
            event="payout_batch.ready",
            data={
                "batch_id": str(batch.public_id),
                "message_id": batch.message_id,
                "payouts": len(payouts),
            },
        )
    return batch


def payouts_batch_all(*, actor_label: str = "system") -> int:
    return sum(
        1
        for bank in ApiClient.objects.filter(kind=ApiClient.Kind.BANK)
        if payouts_batch(bank=bank, actor_label=actor_label)
    )


def _amount_text(payout: Payout) -> str:
    places = minor_units(payout.currency)
    return f"{Decimal(payout.amount_minor).scaleb(-places):.{places}f}"


def pain001_render(*, batch: PayoutBatch) -> bytes:
    """The batch as a pain.001.001.09 CustomerCreditTransferInitiation, one payment information
    block per currency, validated against the ISO schema before anyone gets it."""
    payouts = list(batch.payouts.order_by("currency", "id"))
    ET.register_namespace("", PAIN_001)

    def add(parent, tag, text=None):
        element = ET.SubElement(parent, f"{{{PAIN_001}}}{tag}")
        if text is not None:
            element.text = text
        return element

    document = ET.Element(f"{{{PAIN_001}}}Document")
    initiation = add(document, "CstmrCdtTrfInitn")
    header = add(initiation, "GrpHdr")
    add(header, "MsgId", batch.message_id)
    add(header, "CreDtTm", batch.created_at.replace(microsecond=0).isoformat())
    add(header, "NbOfTxs", str(len(payouts)))
    add(header, "CtrlSum", str(sum(Decimal(_amount_text(p)) for p in payouts)))
    add(add(header, "InitgPty"), "Nm", settings.PAYOUT_DEBTOR_NAME)
    for currency in sorted({p.currency for p in payouts}):
        group = [p for p in payouts if p.currency == currency]
        info = add(initiation, "PmtInf")
        add(info, "PmtInfId", f"{batch.message_id}-{currency}")
        add(info, "PmtMtd", "TRF")
        add(info, "NbOfTxs", str(len(group)))
        add(info, "CtrlSum", str(sum(Decimal(_amount_text(p)) for p in group)))
        add(add(info, "ReqdExctnDt"), "Dt", date.today().isoformat())
        add(add(info, "Dbtr"), "Nm", settings.PAYOUT_DEBTOR_NAME)
        add(add(add(add(info, "DbtrAcct"), "Id"), "Othr"), "Id", f"EWTP-CLEARING-{currency}")
        add(add(add(info, "DbtrAgt"), "FinInstnId"), "BICFI", settings.PAYOUT_DEBTOR_BIC)
        for payout in group:
            transfer = add(info, "CdtTrfTxInf")
            add(add(transfer, "PmtId"), "EndToEndId", payout.end_to_end_id)
            amount = add(add(transfer, "Amt"), "InstdAmt", _amount_text(payout))
            amount.set("Ccy", currency)
            add(add(add(transfer, "CdtrAgt"), "FinInstnId"), "BICFI", payout.creditor_bic)
            add(add(transfer, "Cdtr"), "Nm", payout.creditor_name[:140])
            add(add(add(add(transfer, "CdtrAcct"), "Id"), "Othr"), "Id", payout.creditor_account)
            add(add(transfer, "RmtInf"), "Ustrd", f"eWTP Hub payout {payout.end_to_end_id}")
    xml = ET.tostring(document, encoding="utf-8", xml_declaration=True)
    pain001_schema().validate(xml.decode())  # raises if the hub ever produces an invalid file
    return xml


_schema = None


def pain001_schema() -> xmlschema.XMLSchema:
    global _schema
    if _schema is None:
        _schema = xmlschema.XMLSchema(str(SCHEMA_FILE))
    return _schema


def payout_status_report(
    *, bank: ApiClient, end_to_end_id: str, status: str, reason_code: str = ""
) -> Payout:
    """The bank's word on one payout. A repeated report of the same status changes nothing; a
    rejection returns the funds to the organisation's balance and tells its owners. The audit
    row names the bank by its client id, with the reason code as the reason."""
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update()
            .select_related("organization")
            .filter(bank=bank, end_to_end_id=end_to_end_id)
            .first()
        )
        if payout is None:
            raise NotFoundError(
                _("No payout %(payout)s was sent to you.") % {"payout": end_to_end_id[:40]},
                "payout_unknown",
                extra={"field": "end_to_end_id"},
            )
        if payout.status == status:
            return payout
        if status not in Payout.TRANSITIONS[Payout.Status(payout.status)]:
            raise ConflictError(
                _("Payout %(payout)s is %(status)s; it cannot become %(to)s.")
                % {
                    "payout": end_to_end_id,
                    "status": payout.get_status_display(),
                    "to": status,
                },
                "payout_transition",
            )
        if status == Payout.Status.REJECTED:
            if reason_code not in REASONS:
                raise ApplicationError(
                    _("A rejection needs an ISO 20022 reason code: %(codes)s.")
                    % {"codes": ", ".join(REASONS)},
                    "payout_reason",
                    extra={"field": "reason_code"},
                )
            ledger_reverse(
                original=payout.ledger_transaction,
                reason=f"payout rejected {reason_code}",
                actor_label=f"bank {bank.application.name}",
            )
            _tell_owners_to_fix(payout, reason_code)
            organization = payout.organization
            if reason_code in ACCOUNT_REASONS and (
                organization.payout_bic,
                organization.payout_account_number,
            ) == (payout.creditor_bic, payout.creditor_account):
                # the account itself is wrong (and still the one on file): flag it
                organization_payout_account_flag(
                    organization=organization, problem=f"{reason_code}: {REASONS[reason_code]}"
                )
        before = payout.status
        payout.status, payout.reason_code = status, reason_code
        payout.save(update_fields=["status", "reason_code", "updated_at"])
        audit_record(
            actor=None,
            actor_label=client_actor_label(bank),
            action=f"payments.payout.{status}",
            target=payout,
            reason=f"{reason_code}: {REASONS[reason_code]}" if reason_code in REASONS else "",
            data={"from": before, "bank": bank.application.name},
        )
        event_record(
            PayoutReported(
                payout_id=payout.pk,
                organization_id=payout.organization_id,
                settlement_id=payout.settlement_id,
                status=status,
                reason_code=reason_code,
            )
        )
    return payout


# why a settlement's payout cannot go now; the money waits in the seller's balance
PAYOUT_NOT_NOW = {
    "payout_account_missing",
    "payout_account_rejected",
    "payout_account_in_review",
    "no_payout_bank",
    PaymentsErrorCode.INSUFFICIENT_FUNDS,
}


def settlement_pay_out(*, settlement: Settlement, actor_label: str = "pipeline") -> Payout | None:
    """Pay an order's settlement (its net, less what went to a loan and to amounts the
    seller owed the hub, in the seller's currency) out to the seller's bank account: the last
    money step of the journey.
    Idempotent: while a payout of the settlement is on its way or paid, that payout is
    returned; after a rejection, the next call (the
    owners fixed the account) sends a new one. Returns None when it cannot go now (no payout
    account, an account the bank rejected and nobody fixed, no partner bank routing payouts,
    or the owners already paid the balance out themselves): the money stays in the balance."""
    payouts = list(settlement.payouts.order_by("id"))
    live = [p for p in payouts if p.status != Payout.Status.REJECTED]
    if live:
        return live[0]
    deducted = LoanRepayment.objects.filter(settlement=settlement).first()
    net_minor = (
        settlement.net_minor
        - (deducted.amount_minor if deducted else 0)
        - owed_collected_minor(settlement=settlement)
    )
    if net_minor <= 0:
        return None
    organization = Organization.objects.get(pk=settlement.organization_id)
    try:
        return payout_request(
            organization=organization,
            amount=money_from_minor(net_minor, settlement.currency),
            actor=None,
            actor_label=actor_label,
            request_key=f"settlement:{settlement.pk}:{len(payouts)}",
            settlement=settlement,
        )
    except ApplicationError as error:
        if error.code not in PAYOUT_NOT_NOW:
            raise
        logger.info("payouts: settlement %s waits in the balance: %s", settlement.pk, error.code)
        return None


def _tell_owners_to_fix(payout: Payout, reason_code: str) -> None:
    owners = Membership.objects.filter(organization=payout.organization, role=Membership.Role.OWNER)
    email_after_commit(
        to=[m.user.email for m in owners.select_related("user")],
        subject=f"eWTP Hub: payout {payout.end_to_end_id} was rejected",
        body=(
            f"Your bank rejected the payout of {payout.amount} "
            f"({reason_code}: {REASONS[reason_code]}). The money is back in your balance. Check "
            "the payout account under My organisation, then request the payout again."
        ),
    )
