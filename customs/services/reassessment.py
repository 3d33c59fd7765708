"""The figures of a post-clearance audit's finding: the declaration assessed again by the duty
engine on the values its goods should have been declared at, under the tariff lines,
exchange rate and date of its release, against what the release assessed. Reads only: the
officer's preview and the finding itself both use it.

A preferential claim (ACFTA) is verified again against the register of certificates of
origin: an item whose certificate no longer supports the claim (revoked by the issuing
authority since the release) is assessed at the MFN rate, and the register's reason is kept
in the notes, so the supplementary assessment includes the duty the preference relieved and
the taxes on it."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError
from ewtp.common.money import MoneyError, amount_parse

from ..errors import CustomsErrorCode
from ..models import AssessmentLine, CbecAnnualTotal, Declaration
from .duty import REGIMES
from .duty_assessment import assess
from .filing import MAX_VALUE
from .parties import buyer_key
from .processing import declaration_consignment
from .tariff_in_force import classified_line

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Reassessment:
    """The figures of a finding, in the customs currency."""

    currency: str
    declared_value: Decimal  # the customs value (CIF) as declared
    corrected_value: Decimal  # and on the corrected values
    assessed_duty: Decimal  # what the release assessed
    assessed_tax: Decimal
    duty: Decimal  # what the engine assesses on the corrected values
    tax: Decimal
    items: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    # why items lost the preferential rate they were released at: one per item, with the
    # register's reason (empty when the claim still holds, or there was none)
    notes: list[str] = field(default_factory=list)

    @property
    def preference_withdrawn(self) -> bool:
        return bool(self.notes)

    @property
    def under_declared_amount(self) -> Decimal:
        return self.corrected_value - self.declared_value

    @property
    def assessed_total(self) -> Decimal:
        return self.assessed_duty + self.assessed_tax

    @property
    def duty_owed(self) -> Decimal:
        return self.duty - self.assessed_duty

    @property
    def tax_owed(self) -> Decimal:
        return self.tax - self.assessed_tax

    @property
    def amount_owed(self) -> Decimal:
        return self.duty_owed + self.tax_owed


def _invalid(message: str, field_name: str):
    raise ApplicationError(message, CustomsErrorCode.AUDIT_INVALID, extra={"field": field_name})


def _corrected(items, values: dict) -> dict[int, Decimal]:
    """The officer's value of each item (the declared one where none is given), checked."""
    corrected = {}
    for item in items:
        text = values.get(item.line_no)
        if text is None or not str(text).strip():
            corrected[item.line_no] = item.value
            continue
        try:
            value = amount_parse(str(text).strip())
        except MoneyError:
            value = Decimal(0)
        if not (Decimal(0) < value <= MAX_VALUE) or value != value.quantize(CENT):
            _invalid(
                _("Item %(no)s: the value is an amount above 0 with at most two decimals.")
                % {"no": item.line_no},
                f"value_{item.line_no}",
            )
        corrected[item.line_no] = value
    return corrected


def _customs_value(declaration: Declaration, goods: Decimal) -> Decimal:
    cif = goods + declaration.freight + declaration.insurance
    return (cif * declaration.exchange_rate).quantize(CENT, rounding=ROUND_HALF_UP)


def _split(amounts: list[tuple[str, Decimal]]) -> tuple[Decimal, Decimal]:
    """(import duty, the taxes: sales tax, VAT, excise, consumption tax)."""
    duty = sum((amount for tax, amount in amounts if tax == "duty"), Decimal(0))
    return duty, sum((amount for _tax, amount in amounts), Decimal(0)) - duty


def _buyer_annual_total(declaration: Declaration) -> Decimal:
    """CBEC: the buyer's purchases of the declaration's year without this declaration."""
    if declaration.regime != "CN_CBEC_IMPORT":
        return Decimal(0)
    total = CbecAnnualTotal.objects.filter(
        buyer_key=buyer_key(declaration.importer_id_reference),
        year=declaration.declared_on.year,
    ).first()
    annual = Decimal((total.total_minor if total else 0) - declaration.cbec_reserved_minor)
    return max(annual, Decimal(0)) / 100


def _withdrawn_notes(declaration: Declaration, items, not_granted: dict[int, str]) -> list[str]:
    """One note per item the engine did not grant the claimed rate, with the register's
    reason (the certificate of origin revoked since the release, most often)."""
    return [
        _("Item %(no)s is assessed without the %(agreement)s preference (MFN): %(reason)s")
        % {
            "no": items[index].line_no,
            "agreement": declaration.fta_agreement,
            "reason": reason,
        }
        for index, reason in sorted(not_granted.items())
    ]


def audit_reassess(*, declaration: Declaration, values: dict) -> Reassessment:
    """Assess ``declaration`` again with the duty engine on the corrected item values
    (``values``: line number → amount in the declaration currency; an item left out keeps
    its declared value), under the tariff lines, exchange rate and date of its release.
    A preferential claim is verified again on the declaration date: an item whose
    certificate no longer verifies is assessed at the MFN rate, with the reason in
    ``notes`` (where a filing would be refused, the release stands and the difference is
    owed). Reads only; the officer's preview and the finding both use it."""
    items = list(declaration.items.select_related("tariff_line", "classification__tariff_line"))
    corrected = _corrected(items, values)
    country = REGIMES[declaration.regime]
    assessment = assess(
        declaration_consignment(
            declaration,
            items,
            values=corrected,
            # the lines the release was assessed under (their schedule version)
            lines=[
                i.tariff_line or classified_line(i, country, declaration.declared_on) for i in items
            ],
            buyer_annual_total=_buyer_annual_total(declaration),
            fta_unverified_at_mfn=True,
        )
    )
    assessed = AssessmentLine.objects.filter(declaration=declaration).values_list("tax", "amount")
    assessed_duty, assessed_tax = _split(list(assessed))
    duty, tax = _split([(line.tax, line.amount) for line in assessment.lines])
    return Reassessment(
        currency=declaration.customs_currency,
        declared_value=_customs_value(declaration, sum((i.value for i in items), Decimal(0))),
        corrected_value=_customs_value(declaration, sum(corrected.values(), Decimal(0))),
        assessed_duty=assessed_duty,
        assessed_tax=assessed_tax,
        duty=duty,
        tax=tax,
        items=[
            {
                "line_no": i.line_no,
                "hs_code": i.hs_code,
                "description": i.description,
                "declared": str(i.value),
                "corrected": str(corrected[i.line_no]),
            }
            for i in items
        ],
        lines=[
            {
                "line_no": line.item + 1,
                "tax": line.tax,
                "base": str(line.base),
                "rate": line.rate,
                "rule": line.rule[:200],
                "legal_source": line.legal_source[:200],
                "amount": str(line.amount),
            }
            for line in assessment.lines
        ],
        notes=_withdrawn_notes(declaration, items, assessment.fta_not_granted),
    )
