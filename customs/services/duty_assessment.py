"""A consignment assessed: the engine's common checks, then the regime's own computation
(customs/services/duty.py describes the regimes). ``duty_assess`` is pure, over the
consignment and its DutyInputs; ``assess`` loads the inputs in force (duty_inputs.py) and
runs it, for filing, quotes and post-clearance audits."""

from ..errors import CustomsErrorCode
from .duty import CUSTOMS_CURRENCY, REGIMES, Assessment, Consignment, DutyInputs, TariffError
from .duty_china import china_cross_border_retail_taxes, china_general_trade_duty_and_taxes
from .duty_inputs import duty_inputs
from .duty_malaysia import malaysia_import_duty_and_taxes


def assess(consignment: Consignment) -> Assessment:
    """The duties and taxes of ``consignment`` under the tariff in force on its date."""
    return duty_assess(consignment, duty_inputs(consignment))


def export_without_duty(consignment: Consignment, inputs: DutyInputs, assessment: Assessment):
    assessment.treatment = "export"
    assessment.notes.append("No export duty on ordinary goods.")


COMPUTATIONS = {
    "MY_IMPORT": malaysia_import_duty_and_taxes,
    "CN_IMPORT": china_general_trade_duty_and_taxes,
    "CN_CBEC_IMPORT": china_cross_border_retail_taxes,
    "MY_EXPORT": export_without_duty,
    "CN_EXPORT": export_without_duty,
}


def duty_assess(consignment: Consignment, inputs: DutyInputs) -> Assessment:
    """Refuse an unknown regime, a consignment without items and prohibited goods; note the
    goods under permit; then the regime's duties and taxes."""
    country = REGIMES.get(consignment.regime)
    if country is None:
        raise TariffError(f"Unknown regime {consignment.regime}.", CustomsErrorCode.REGIME_UNKNOWN)
    if not consignment.items:
        raise TariffError("A declaration has at least one item.", CustomsErrorCode.ITEMS_MISSING)
    lines = list(inputs.lines)
    for index, (item, line) in enumerate(zip(consignment.items, lines, strict=True)):
        if line is not None and line.prohibited:
            raise TariffError(
                f"Item {index + 1} (HS {item.hs_code}) is prohibited ({line.legal_source}).",
                CustomsErrorCode.GOODS_PROHIBITED,
                extra={"field": f"items.{index}.hs_code"},
            )
    assessment = Assessment(consignment.regime, CUSTOMS_CURRENCY[country], tariff_lines=lines)
    assessment.notes += [
        f"Item {i + 1}: permit required: {line.permit_required}"
        for i, line in enumerate(lines)
        if line is not None and line.permit_required
    ]
    COMPUTATIONS[consignment.regime](consignment, inputs, assessment)
    return assessment
