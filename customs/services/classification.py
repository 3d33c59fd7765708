"""Classification by the destination's officers: an import item whose HS code has no tariff
line in force waits in their queue (customs.models.Classification); an officer assigns the
national line it falls under, or enters the rates with the legal instrument they come from,
and gives the reason. When every item of the declaration is classified it is submitted
again and assessed with those lines."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.outbox import event_record
from ewtp.common.states import state_change
from hubs.roles import Perm, has_permission

from ..errors import CustomsErrorCode
from ..events import ClassificationDecided
from ..models import Classification, Declaration, TariffLine
from .duty import REGIMES
from .filing import declarations_process_after_commit
from .moves import PublicNotice, declaration_transition


@dataclass(frozen=True)
class Rates:
    """Rates an officer enters where no national line fits yet, as percentages."""

    duty_percent: str
    sales_tax_percent: str
    excise_percent: str
    legal_source: str


def _invalid(message: str, field_name: str):
    raise ApplicationError(
        message, CustomsErrorCode.CLASSIFICATION_INVALID, extra={"field": field_name}
    )


def _refusal(classification: Classification, to: str) -> ConflictError:
    return ConflictError(
        f"Item {classification.item.line_no} of {classification.declaration.reference} is "
        "not waiting for classification.",
        CustomsErrorCode.CLASSIFICATION_CLOSED,
    )


def classification_transition(
    *,
    classification: Classification,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    basis: dict | None = None,
    data: dict | None = None,
) -> Classification:
    """Move a classification request along Classification.TRANSITIONS (open → decided),
    audited as ``customs.classification.<to>`` with ``data``. Decided, it keeps ``basis``
    (a national line, or rates with their legal source), the reason the declarant reads, and
    who decided when. Returns the locked row; unchanged when it is there already."""

    def decide(locked: Classification, _before: str) -> list[str]:
        decided = {**(basis or {}), "reason": reason, "decided_by": actor}
        for name, value in decided.items():
            setattr(locked, name, value)
        locked.decided_at = timezone.now()
        return [*decided, "decided_at"]

    locked, _moved = state_change(
        classification,
        to,
        refusal=_refusal,
        action=f"customs.classification.{to}",
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        data=data,
        apply=decide if to == Classification.Status.DECIDED else None,
    )
    return locked


def _percent(text: str, field_name: str, maximum: Decimal) -> Decimal:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not Decimal(0) <= value <= maximum or value != round(value, 2):
        _invalid(f"A percentage from 0 to {maximum}, with at most two decimals.", field_name)
    return value


def _line(country: str, code: str, on) -> TariffLine:
    code = (code or "").replace(".", "").replace(" ", "")
    line = (
        TariffLine.objects.in_force(on)
        .filter(country=country, hs_code=code)
        .order_by("-effective_from")
        .first()
    )
    if line is None:
        _invalid(f"{country} has no tariff line {code} in force on {on}.", "tariff_line")
    return line


def classification_decide(
    *,
    classification: Classification,
    reason: str,
    actor,
    line_code: str = "",
    rates: Rates | None = None,
) -> Classification:
    """Classify one item under ``line_code`` (a national line in force on the declaration
    date) or with ``rates``; the reason is kept for the declarant and the audit."""
    declaration = classification.declaration
    if not (
        has_permission(actor, Perm.CUSTOMS_WORKBENCH)
        and actor.official_hub_id == declaration.hub_id
    ):
        raise NotAllowedError(
            "Only the customs officers of this hub classify its declarations.",
            CustomsErrorCode.NOT_YOUR_HUB,
        )
    if bool(line_code.strip()) == (rates is not None):
        _invalid("Assign a national tariff line, or enter the rates: one of the two.", "basis")
    if not reason.strip():
        _invalid("Give the reason: the declarant reads it.", "reason")
    country = REGIMES[declaration.regime]
    if rates is None:
        line = _line(country, line_code, declaration.declared_on)
        basis = {"basis": Classification.Basis.LINE, "tariff_line": line}
        basis |= {"legal_source": line.legal_source}
    else:
        if not rates.legal_source.strip():
            _invalid("Name the legal instrument the rates come from.", "legal_source")
        basis = {
            "basis": Classification.Basis.RATES,
            "duty_percent": _percent(rates.duty_percent, "duty_percent", Decimal("999.99")),
            "sales_tax_percent": _percent(rates.sales_tax_percent, "sales_tax_percent", 100),
            "excise_percent": _percent(rates.excise_percent, "excise_percent", Decimal("99.99")),
            "legal_source": rates.legal_source.strip()[:200],
        }
    with transaction.atomic():
        locked_declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
        locked = Classification.objects.select_for_update().get(pk=classification.pk)
        if (
            locked.status != Classification.Status.OPEN
            or locked_declaration.status != Declaration.Status.CLASSIFY
        ):
            raise _refusal(locked, Classification.Status.DECIDED)
        decided = classification_transition(
            classification=locked,
            to=Classification.Status.DECIDED,
            actor=actor,
            reason=reason.strip()[:500],
            basis=basis,
            data={
                "declaration": locked_declaration.reference,
                "item": locked.item.line_no,
                "hs_code": locked.hs_code,
                "basis": basis["basis"],
                "tariff_line": line_code.strip() or None,
                "legal_source": basis["legal_source"],
            },
        )
        _resume_when_classified(locked_declaration, actor)
    return decided


def _resume_when_classified(declaration: Declaration, actor) -> None:
    if declaration.classifications.filter(status=Classification.Status.OPEN).exists():
        return
    decided = declaration.classifications.select_related("item", "tariff_line")
    reason = "Classified by customs: " + "; ".join(
        f"item {c.item.line_no} (HS {c.hs_code}) "
        + (
            f"under {c.tariff_line.hs_code}"
            if c.basis == Classification.Basis.LINE
            else f"at duty {c.duty_percent} %, tax {c.sales_tax_percent} %, "
            f"excise {c.excise_percent} % ({c.legal_source})"
        )
        + f": {c.reason}"
        for c in decided
    )
    declaration_transition(
        declaration=declaration,
        to=Declaration.Status.SUBMITTED,
        actor=actor,
        actor_label=f"{actor.email} (customs {declaration.hub.code})",
        reason=reason,
        public=PublicNotice(actor=f"Customs {declaration.hub.code}"),
    )
    event_record(
        ClassificationDecided(
            declaration_id=declaration.pk, order_id=declaration.order_id, reason=reason[:500]
        )
    )
    declarations_process_after_commit([declaration.pk])
