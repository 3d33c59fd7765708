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

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.audit import audit_record, audit_record_bulk, client_actor_label
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError, NotFoundError
from ewtp.common.models import ApiClient
from ewtp.common.money import minor_units, money_from_minor, money_to_minor
from ewtp.common.notifications import email_after_commit
from ewtp.common.states import state_change
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
from .pain001 import pain001_add, pain001_bytes, pain001_initiation, pain001_payment_information

logger = logging.getLogger(__name__)
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
        PaymentsErrorCode.NO_PAYOUT_BANK,
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
        raise NotAllowedError(
            _("Only the organisation's owners request payouts."), PaymentsErrorCode.NOT_OWNER
        )
    if not (
        organization.payout_bic
        and organization.payout_account_number
        and organization.payout_account_name
    ):
        raise ApplicationError(
            _("Enter the payout bank account first."), PaymentsErrorCode.PAYOUT_ACCOUNT_MISSING
        )
    _check_payout_account_hold(organization)
    if amount.amount <= 0:
        raise ApplicationError(
            _("The amount must be positive."),
            PaymentsErrorCode.PAYOUT_AMOUNT,
            extra={"field": "amount"},
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
            PaymentsErrorCode.PAYOUT_ACCOUNT_IN_REVIEW,
        )
    if hold == "declined":
        raise ApplicationError(
            _(
                "An MDEC officer did not accept the payout account (%(note)s): enter an "
                "account in the organisation's legal name under My organisation first."
            )
            % {"note": organization.payout_account_hold_note},
            PaymentsErrorCode.PAYOUT_ACCOUNT_REJECTED,
        )
    if hold:
        raise ApplicationError(
            _(
                "The bank rejected the last payout to this account (%(problem)s): correct the "
                "payout account under My organisation first."
            )
            % {"problem": organization.payout_account_problem},
            PaymentsErrorCode.PAYOUT_ACCOUNT_REJECTED,
        )


def payout_totals(payouts) -> list[dict]:
    """The payouts' sum per currency, in minor units, currencies in alphabetical order (a
    batch's ``totals``)."""
    sums: dict[str, int] = {}
    for payout in payouts:
        sums[payout.currency] = sums.get(payout.currency, 0) + payout.amount_minor
    return [{"currency": currency, "minor": sums[currency]} for currency in sorted(sums)]


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
            bank=bank,
            message_id=f"EWB{timezone.now():%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}",
            payout_count=len(payouts),
            totals=payout_totals(payouts),
        )
        # One UPDATE for the whole batch (a bank's day can hold thousands of payouts) rather
        # than payout_transition per row; the move is still the one Payout.TRANSITIONS allows.
        for payout in payouts:
            if not payout.can_become(Payout.Status.BATCHED):
                raise _payout_refusal(payout, Payout.Status.BATCHED)
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
    add = pain001_add
    document, initiation = pain001_initiation(
        message_id=batch.message_id,
        created=batch.created_at,
        transactions=len(payouts),
        control_sum=str(sum(Decimal(_amount_text(p)) for p in payouts)),
    )
    for currency in sorted({p.currency for p in payouts}):
        group = [p for p in payouts if p.currency == currency]
        info = pain001_payment_information(
            initiation,
            message_id=batch.message_id,
            currency=currency,
            transactions=len(group),
            control_sum=str(sum(Decimal(_amount_text(p)) for p in group)),
            day=date.today(),
        )
        for payout in group:
            transfer = add(info, "CdtTrfTxInf")
            add(add(transfer, "PmtId"), "EndToEndId", payout.end_to_end_id)
            add(add(transfer, "Amt"), "InstdAmt", _amount_text(payout), Ccy=currency)
            add(add(add(transfer, "CdtrAgt"), "FinInstnId"), "BICFI", payout.creditor_bic)
            add(add(transfer, "Cdtr"), "Nm", payout.creditor_name[:140])
            add(add(add(add(transfer, "CdtrAcct"), "Id"), "Othr"), "Id", payout.creditor_account)
            add(add(transfer, "RmtInf"), "Ustrd", f"eWTP Hub payout {payout.end_to_end_id}")
    return pain001_bytes(document)


def payout_batch_downloaded(*, batch: PayoutBatch) -> None:
    """The bank fetched the batch's pain.001: the first time is kept."""
    PayoutBatch.objects.filter(pk=batch.pk, downloaded_at__isnull=True).update(
        downloaded_at=timezone.now()
    )


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
                PaymentsErrorCode.PAYOUT_UNKNOWN,
                extra={"field": "end_to_end_id"},
            )
        if status == Payout.Status.REJECTED and payout.can_become(status):
            _payout_rejected(payout, bank, reason_code)
        return payout_transition(
            payout=payout,
            to=status,
            actor_label=client_actor_label(bank),
            reason=f"{reason_code}: {REASONS[reason_code]}" if reason_code in REASONS else "",
            reason_code=reason_code,
            data={"bank": bank.application.name},
        )


def _payout_rejected(payout: Payout, bank: ApiClient, reason_code: str) -> None:
    """The funds go back to the balance and the owners are told; an account the bank says is
    wrong (and still the one on file) is flagged."""
    if reason_code not in REASONS:
        raise ApplicationError(
            _("A rejection needs an ISO 20022 reason code: %(codes)s.")
            % {"codes": ", ".join(REASONS)},
            PaymentsErrorCode.PAYOUT_REASON,
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
        organization_payout_account_flag(
            organization=organization, problem=f"{reason_code}: {REASONS[reason_code]}"
        )


def _payout_refusal(payout: Payout, to: str) -> ConflictError:
    return ConflictError(
        _("Payout %(payout)s is %(status)s; it cannot become %(to)s.")
        % {"payout": payout.end_to_end_id, "status": payout.get_status_display(), "to": to},
        PaymentsErrorCode.PAYOUT_TRANSITION,
    )


def payout_transition(
    *,
    payout: Payout,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    reason_code: str = "",
    data: dict | None = None,
) -> Payout:
    """Move a payout along Payout.TRANSITIONS with the bank's ISO 20022 ``reason_code``, and
    record ``payments.payout_reported`` for the journey. A rejection's consequences (the funds
    back, the owners told) are payout_status_report's; batching is payouts_batch's, one
    UPDATE for many. The audit row is ``payments.payout.<to>``."""

    def reported(locked: Payout, before: str) -> tuple[str, ...]:
        locked.reason_code = reason_code
        return ("reason_code",)

    def event(locked: Payout, before: str) -> PayoutReported:
        return PayoutReported(
            payout_id=locked.pk,
            organization_id=locked.organization_id,
            settlement_id=locked.settlement_id,
            status=to,
            reason_code=reason_code,
        )

    locked, _moved = state_change(
        payout,
        to,
        refusal=_payout_refusal,
        action=f"payments.payout.{to}",
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        data=data,
        apply=reported,
        event=event,
    )
    return locked


# why a settlement's payout cannot go now; the money waits in the seller's balance
PAYOUT_NOT_NOW = {
    PaymentsErrorCode.PAYOUT_ACCOUNT_MISSING,
    PaymentsErrorCode.PAYOUT_ACCOUNT_REJECTED,
    PaymentsErrorCode.PAYOUT_ACCOUNT_IN_REVIEW,
    PaymentsErrorCode.NO_PAYOUT_BANK,
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
