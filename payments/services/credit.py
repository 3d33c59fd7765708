"""Credit lines from the trade record: the score is stored with its inputs, the offer follows
from it, an SME applies in a few fields with its consent for one partner bank, and standard
cases are decided at once (the rest wait for that bank, which decides over the API).

Every decision can be computed again from what is stored: the application points at the
score it was decided on, and the score keeps the trade record it was computed from.
"""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.audit import audit_record, client_actor_label
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.models import ApiClient
from ewtp.common.money import money_from_minor, money_to_minor
from ewtp.common.states import state_change
from ewtp.common.webhooks import webhook_emit
from hubs.models import Organization
from hubs.roles import Perm, can_act_for

from ..errors import PaymentsErrorCode
from ..models import CreditApplication, CreditScore, Loan
from .scoring import Offer, Score, TradeRecord, credit_offer, credit_score

CREDIT_CURRENCY = "MYR"  # lines are in ringgit, for the zone's sellers
CONSENT_TEXT = (
    "I let {bank} see my organisation's credit score, its factors and the trade record they "
    "were computed from, for this application and the loan that may follow."
)


def credit_score_record(
    *, organization: Organization, record: TradeRecord, trigger: str
) -> CreditScore:
    """Score the record and keep it (the history is every row)."""
    score = credit_score(record)
    return CreditScore.objects.create(
        organization=organization,
        score=score.score,
        band=score.band,
        engine=score.engine,
        inputs=record.as_json(),
        factors=[f.__dict__ for f in score.factors],
        trigger=trigger,
    )


def credit_score_latest(*, organization: Organization) -> CreditScore | None:
    return CreditScore.objects.filter(organization=organization).order_by("-created_at").first()


def credit_score_recompute(stored: CreditScore) -> Score:
    """The score again from its stored inputs (reproducibility)."""
    return credit_score(TradeRecord(**stored.inputs))


def credit_offer_of(*, stored: CreditScore, organization: Organization) -> Offer | None:
    if organization.currency != CREDIT_CURRENCY or organization.kyc_status != "approved":
        return None
    return credit_offer(
        score=credit_score_recompute(stored),
        record=TradeRecord(**stored.inputs),
        cap_minor=money_to_minor(Money(settings.CREDIT_MAX_LIMIT, CREDIT_CURRENCY)),
    )


def credit_banks():
    """The partner banks that lend through the hub: active, and granted credit:write."""
    return [
        client
        for client in ApiClient.objects.filter(
            kind=ApiClient.Kind.BANK, is_active=True
        ).select_related("application")
        if "credit:write" in client.scope_list
    ]


@dataclass(frozen=True)
class CreditRequest:
    amount: Money
    tenor_months: int
    bank_id: int
    consent: bool


def _invalid(
    message: str, field: str, code: PaymentsErrorCode = PaymentsErrorCode.CREDIT_INVALID
) -> ApplicationError:
    return ApplicationError(message, code, extra={"field": field})


def credit_apply(
    *, organization: Organization, stored: CreditScore, request: CreditRequest, actor
) -> CreditApplication:
    """Apply for a line on the offer of ``stored`` (a score no older than a day). Decided at
    once when the case is standard: band A to C, at most CREDIT_AUTO_APPROVE_LIMIT, nothing
    overdue; otherwise it waits for the chosen bank."""
    started = time.perf_counter()
    if actor is not None and not can_act_for(actor, organization, Perm.ORGANIZATION_MANAGE):
        raise NotAllowedError(
            _("Only the organisation's owners apply for credit."), PaymentsErrorCode.NOT_OWNER
        )
    if stored.organization_id != organization.pk:
        raise _invalid(_("That score is not your organisation's."), "score")
    if stored.created_at < timezone.now() - timedelta(days=1):
        raise _invalid(
            _("The score is more than a day old: compute it again first."),
            "score",
            PaymentsErrorCode.SCORE_STALE,
        )
    offer = credit_offer_of(stored=stored, organization=organization)
    if offer is None:
        raise ApplicationError(
            _("There is no credit offer on this score yet: see what raises it."),
            PaymentsErrorCode.NO_OFFER,
        )
    minor, bank = _check_request(request, offer)
    amount = request.amount
    if Loan.objects.filter(organization=organization, status=Loan.Status.ACTIVE).exists():
        raise ConflictError(
            _("Repay the loan you have before applying again."), PaymentsErrorCode.LOAN_ACTIVE
        )
    interest, fee = offer.cost_minor(minor, request.tenor_months)
    with transaction.atomic():
        try:
            application = CreditApplication.objects.create(
                organization=organization,
                score=stored,
                bank=bank,
                consent_given_at=timezone.now(),
                consent_text=CONSENT_TEXT.format(bank=bank.application.name)[:500],
                applied_by=actor if actor is not None and actor.is_authenticated else None,
                amount_minor=minor,
                currency=CREDIT_CURRENCY,
                tenor_months=request.tenor_months,
                rate_percent=offer.rate_percent,
                fee_minor=fee,
                total_cost_minor=interest + fee,
            )
        except IntegrityError:
            raise ConflictError(
                _("You have an application open already: withdraw it or wait for its decision."),
                PaymentsErrorCode.APPLICATION_OPEN,
            ) from None
        audit_record(
            actor=actor,
            action="payments.credit.applied",
            target=application,
            data={"amount": str(amount.amount), "bank": bank.application.name},
        )
        reasons = _standard_case(stored, minor)
        if reasons is not None:
            application = credit_application_transition(
                credit_application=application,
                to=CreditApplication.Status.APPROVED,
                reasons=reasons,
                decided_by="automatic",
            )
        application.decision_ms = round((time.perf_counter() - started) * 1000)
        application.save(update_fields=["decision_ms", "updated_at"])
        webhook_emit(
            api_client=bank,
            event="credit_application.received",
            data={"reference": application.reference, "status": application.status},
        )
    return application


def _check_request(request: CreditRequest, offer: Offer) -> tuple[int, ApiClient]:
    """The amount in sen and the chosen bank, or a 400 naming the field."""
    amount = request.amount
    if amount.currency.code != CREDIT_CURRENCY or not amount.amount.is_finite():
        raise _invalid(
            _("Credit lines are in %(currency)s.") % {"currency": CREDIT_CURRENCY}, "amount"
        )
    minor = money_to_minor(amount)
    if not 100_000 <= minor <= offer.limit_minor:
        limit = money_from_minor(offer.limit_minor, CREDIT_CURRENCY)
        raise _invalid(_("Ask for MYR 1,000.00 to %(limit)s.") % {"limit": limit}, "amount")
    if not 1 <= request.tenor_months <= offer.tenor_months:
        raise _invalid(
            _("Choose 1 to %(months)s months.") % {"months": offer.tenor_months}, "tenor_months"
        )
    bank = next((b for b in credit_banks() if b.pk == request.bank_id), None)
    if bank is None:
        raise _invalid(_("Choose one of the partner banks that lend through the hub."), "bank")
    if not request.consent:
        raise _invalid(
            _("Give your consent for the bank to see your score and its factors."), "consent"
        )
    return minor, bank


def _standard_case(stored: CreditScore, minor: int) -> list[str] | None:
    """The reasons for an automatic approval, or None when the bank decides."""
    inputs = TradeRecord(**stored.inputs)
    limit = money_to_minor(Money(settings.CREDIT_AUTO_APPROVE_LIMIT, CREDIT_CURRENCY))
    if stored.band not in ("A", "B", "C") or minor > limit or inputs.instalments_overdue:
        return None
    return [
        f"Score {stored.score} (band {stored.band}) within the automatic bands A to C.",
        f"Amount within the automatic limit of {money_from_minor(limit, CREDIT_CURRENCY)}.",
        "No instalment overdue.",
    ]


def credit_application_refusal(application: CreditApplication, to: str) -> ConflictError:
    """The 409 of a move CreditApplication.TRANSITIONS do not allow, in the words of the one
    who asked for it: the SME drawing or withdrawing, the bank deciding."""
    if to == CreditApplication.Status.WITHDRAWN:
        return ConflictError(
            _("A drawn or decided-against line cannot be withdrawn."),
            PaymentsErrorCode.APPLICATION_CLOSED,
        )
    code = (
        PaymentsErrorCode.NOT_APPROVED
        if to == CreditApplication.Status.DRAWN
        else PaymentsErrorCode.APPLICATION_DECIDED
    )
    return ConflictError(
        _("Application %(reference)s is %(status)s.")
        % {"reference": application.reference, "status": application.get_status_display()},
        code,
    )


def credit_application_transition(
    *,
    credit_application: CreditApplication,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    data: dict | None = None,
    reasons: list[str] | None = None,
    decided_by: str = "",
) -> CreditApplication:
    """Move an application along CreditApplication.TRANSITIONS. A decision (approved,
    declined, withdrawn) keeps its ``reasons`` and ``decided_by``, what the SME reads (a
    bank's name, "automatic"); the audit row names the actor: the user, the bank's API
    client, or ``decided_by``. Drawn is the loan's (loans.loan_draw). The audit row is
    ``payments.credit.<to>``."""
    data = dict(data or {})
    if to != CreditApplication.Status.DRAWN:
        reasons = reasons or []
        decided_by = decided_by[:140]
        actor_label = actor_label or decided_by
        reason = reason or "; ".join(reasons)
        data |= {"reasons": reasons, "decided_by": decided_by}

    def decided(locked: CreditApplication, before: str) -> tuple[str, ...]:
        if to == CreditApplication.Status.DRAWN:
            return ()
        locked.reasons, locked.decided_by = reasons, decided_by
        locked.decided_at = timezone.now()
        return ("reasons", "decided_by", "decided_at")

    locked, _moved = state_change(
        credit_application,
        to,
        refusal=credit_application_refusal,
        action=f"payments.credit.{to}",
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        data=data,
        apply=decided,
    )
    return locked


def credit_decide(
    *, application: CreditApplication, bank: ApiClient, decision: str, reasons: list[str]
) -> CreditApplication:
    """The bank's decision on an application waiting for it. A repeated decision is the
    same answer; another one on a decided application is refused."""
    if application.bank_id != bank.pk:
        raise NotAllowedError(
            _("This application was not shared with you."),
            PaymentsErrorCode.NOT_YOUR_APPLICATION,
        )
    status = {"approve": CreditApplication.Status.APPROVED, "decline": "declined"}.get(decision)
    if status is None:
        raise _invalid(_("Decide approve or decline."), "decision")
    clean = [str(reason).strip()[:300] for reason in reasons if str(reason).strip()][:10]
    if not clean:
        raise _invalid(_("Give at least one reason: the SME reads it."), "reasons")
    with transaction.atomic():
        locked = CreditApplication.objects.select_for_update().get(pk=application.pk)
        if locked.status == status and locked.decided_by == bank.application.name:
            return locked
        if locked.status == status:  # decided so already, but not by this bank
            raise credit_application_refusal(locked, status)
        return credit_application_transition(
            credit_application=locked,
            to=status,
            actor_label=client_actor_label(bank),
            reasons=clean,
            decided_by=bank.application.name,
        )


def credit_withdraw(*, application: CreditApplication, actor) -> CreditApplication:
    if not can_act_for(actor, application.organization, Perm.ORGANIZATION_MANAGE):
        raise NotAllowedError(
            _("Only the organisation's owners withdraw it."), PaymentsErrorCode.NOT_OWNER
        )
    return credit_application_transition(
        credit_application=application,
        to=CreditApplication.Status.WITHDRAWN,
        actor=actor,
        reasons=["Withdrawn by the SME."],
        decided_by=actor.email,
    )
