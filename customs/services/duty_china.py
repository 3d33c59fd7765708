"""China's import duty and taxes, as the duty engine computes them (pure: over the
consignment and its DutyInputs, customs/services/duty.py): general trade, and cross-border
retail imports of goods on the positive list within the per-transaction and annual limits,
taxed at the set share of the consumption tax and VAT and free of duty. The limits, the share
and the list are dated data naming their instruments.
"""

from decimal import Decimal

from ewtp.common.errors import ApplicationError

from ..errors import CustomsErrorCode
from .duty import (
    Assessment,
    Consignment,
    DutyInputs,
    TaxLine,
    cif_shares,
    duty_line,
    rate_text,
    regime_parameter,
    rounded,
)


def china_general_trade_duty_and_taxes(
    consignment: Consignment, inputs: DutyInputs, assessment: Assessment
) -> None:
    """Duty on CIF; consumption tax and VAT on CIF plus duty, in full."""
    assessment.treatment = assessment.treatment or "general"
    for index, (item, line, cif) in enumerate(
        zip(consignment.items, inputs.lines, cif_shares(consignment), strict=True)
    ):
        duty = duty_line(consignment, inputs, index, item, line, cif, assessment)
        _indirect_taxes(index, line, cif + duty, assessment, Decimal(1), "")


def china_cross_border_retail_taxes(
    consignment: Consignment, inputs: DutyInputs, assessment: Assessment
) -> None:
    """No duty, consumption tax and VAT at the set share, for goods all on the positive list
    within both limits; otherwise the whole transaction as general trade."""
    single = regime_parameter(consignment, inputs, "cbec_single_limit")
    annual = regime_parameter(consignment, inputs, "cbec_annual_limit")
    ratio = regime_parameter(consignment, inputs, "cbec_tax_ratio_percent")
    unlisted = _off_the_positive_list(consignment, inputs)
    if unlisted:
        assessment.treatment = "general"
        assessment.notes.append(unlisted)
        china_general_trade_duty_and_taxes(consignment, inputs, assessment)
        return
    cifs = cif_shares(consignment)
    value = sum(cifs)
    if value > Decimal(single.value) or consignment.buyer_annual_total + value > Decimal(
        annual.value
    ):
        assessment.treatment = "general"
        assessment.notes.append(
            f"Over the cross-border retail limits (RMB {single.value} per transaction, "
            f"RMB {annual.value} a year; {single.legal_source}): taxed in full as general trade."
        )
        china_general_trade_duty_and_taxes(consignment, inputs, assessment)
        return
    assessment.treatment = "cbec"
    share = Decimal(ratio.value) / 100
    for index, (line, cif) in enumerate(zip(inputs.lines, cifs, strict=True)):
        assessment.lines.append(
            TaxLine(
                index,
                "duty",
                rounded(cif),
                "0%",
                "Cross-border retail import within the limits: no import duty",
                ratio.legal_source,
                Decimal("0.00"),
            )
        )
        _indirect_taxes(index, line, cif, assessment, share, "Cross-border retail: ")


def _indirect_taxes(index, line, price, assessment, share: Decimal, rule_prefix: str):
    """Consumption tax on the composite price ÷ (1 − rate), VAT on price plus consumption
    tax; each at ``share`` of the full amount (CBEC: 70 %)."""
    ct_rate = line.excise_percent / 100
    full_ct = price / (1 - ct_rate) * ct_rate if ct_rate else Decimal(0)
    if ct_rate:
        assessment.lines.append(
            TaxLine(
                index,
                "consumption_tax",
                rounded(price / (1 - ct_rate)),
                rate_text(line.excise_percent, share),
                rule_prefix + "Consumption tax on the composite price ÷ (1 − rate)",
                line.legal_source,
                rounded(full_ct * share),
            )
        )
    vat_base = price + full_ct
    assessment.lines.append(
        TaxLine(
            index,
            "vat",
            rounded(vat_base),
            rate_text(line.sales_tax_percent, share),
            rule_prefix + "Import VAT on price plus consumption tax",
            line.legal_source,
            rounded(vat_base * line.sales_tax_percent / 100 * share),
        )
    )


def _off_the_positive_list(consignment: Consignment, inputs: DutyInputs) -> str:
    """Why the goods cannot use the retail regime because some are not on the positive list
    in force (empty when all are): a retail import declaration is refused for goods outside
    it, so the transaction is taxed as general trade. No list in force is an error, as a
    missing regime parameter is: the regime cannot be granted or refused without it."""
    refused = []
    source = ""
    for index, item in enumerate(consignment.items):
        check = inputs.positive_list.get(index)
        if check is None:
            raise ApplicationError(
                f"No cross-border retail positive list is in force on {consignment.on}.",
                CustomsErrorCode.REGIME_PARAMETER_MISSING,
            )
        source = check.legal_source
        if not check.listed:
            refused.append(f"item {index + 1} (HS {item.hs_code})")
    if not refused:
        return ""
    return (
        f"Not on the cross-border retail positive list ({source}): {', '.join(refused)}. "
        "Goods outside the list cannot be imported under the retail regime: taxed in full as "
        "general trade."
    )
