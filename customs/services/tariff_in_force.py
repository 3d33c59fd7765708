"""The dated tariff as it stands on a day: the line an HS code is treated under and the
regime's thresholds and rates in force. Reads only; each answer is kept for the unit of work
(``reference_cache``), so a batch reads each line and each country's parameters once.

The duty engine never calls these itself: duty_inputs.py loads what it needs before it runs.
Filing, quotes, listings and the risk engine's loader read the same answers here.
"""

from datetime import date

from django.db.models import Q

from ..errors import CustomsErrorCode
from ..models import Classification, RegimeParameter, TariffLine
from .duty import EXPORT_REGIMES, TariffError
from .reference_cache import cached

# what makes two national lines treat goods alike
TREATMENT = (
    "duty_percent",
    "duty_specific",
    "duty_specific_unit",
    "sales_tax_percent",
    "excise_percent",
    "excise_specific",
    "excise_specific_unit",
    "prohibited",
    "permit_required",
)


def tariff_prefixes(hs_code: str) -> list[str]:
    """The codes a tariff line may have to apply to ``hs_code``, the longest first."""
    return [hs_code[:n] for n in range(len(hs_code), 5, -1)] + [hs_code[:4], hs_code[:2]]


def tariff_line(country: str, hs_code: str, on: date) -> TariffLine:
    """The line in force on ``on``, the most specific first:

    1. the longest national code (6 to 10 digits) that prefixes ``hs_code``;
    2. else the national lines under ``hs_code`` (goods declared at 6 digits, a schedule of
       8 or 10): their treatment if they all give the same one; if they differ, the goods
       need their national line (TariffError ``hs_ambiguous``), never a broader rate;
    3. else the heading's rate, then the chapter's.

    Among lines of one code: the newest, then the one of the schedule loaded last."""
    return cached(("tariff", country, hs_code, on), lambda: _tariff_line(country, hs_code, on))


def _tariff_line(country: str, hs_code: str, on: date) -> TariffLine:
    candidates = tariff_prefixes(hs_code)
    lines = list(
        TariffLine.objects.in_force(on)
        .filter(Q(hs_code__in=candidates) | Q(hs_code__startswith=hs_code), country=country)
        .order_by("-effective_from", "-schedule_id", "hs_code")
    )
    by_code: dict[str, TariffLine] = {}
    for line in lines:  # the newest line of each code
        by_code.setdefault(line.hs_code, line)
    national = [code for code in candidates[:-2] if code in by_code]
    if national:
        return by_code[national[0]]
    under = [line for code, line in sorted(by_code.items()) if len(code) > len(hs_code)]
    if under:
        if len({tuple(getattr(line, name) for name in TREATMENT) for line in under}) > 1:
            raise TariffError(
                f"HS {hs_code} is split into {len(under)} {country} national lines with "
                f"different rates on {on}: declare the national line.",
                CustomsErrorCode.HS_AMBIGUOUS,
                extra={"field": "hs_code"},
            )
        return under[0]
    for code in candidates[-2:]:
        if code in by_code:
            return by_code[code]
    raise TariffError(
        f"No {country} tariff line for HS {hs_code} on {on}.",
        CustomsErrorCode.HS_UNKNOWN,
        extra={"field": "hs_code"},
    )


def tariff_line_or_none(country: str, hs_code: str, on: date) -> TariffLine | None:
    try:
        return tariff_line(country, hs_code, on)
    except TariffError:
        return None


def classified_line(item, country: str, on: date) -> TariffLine | None:
    """The line an officer decided for the item: a national line, or the rates it entered
    as an unsaved line (they hold for this item only)."""
    decided = getattr(item, "classification", None)
    if decided is None or decided.status != Classification.Status.DECIDED:
        return None
    if decided.basis == Classification.Basis.LINE:
        return decided.tariff_line
    return TariffLine(
        country=country,
        hs_code=item.hs_code,
        description=item.description,
        effective_from=on,
        legal_source=decided.legal_source,
        duty_percent=decided.duty_percent,
        sales_tax_percent=decided.sales_tax_percent,
        excise_percent=decided.excise_percent,
    )


def export_line(country: str, hs_code: str, on: date) -> TariffLine | None:
    """The line whose restrictions an export of ``hs_code`` meets: the line in force, None
    where the tariff has none (an export needs no rate). A code split into national lines
    with different treatments is refused if one of them is prohibited (the exporter
    declares the national line); otherwise the first that needs a permit stands for them,
    so the permit is not missed."""
    try:
        return tariff_line(country, hs_code, on)
    except TariffError as error:
        if error.code != CustomsErrorCode.HS_AMBIGUOUS:
            return None
    under = list(
        TariffLine.objects.in_force(on)
        .filter(country=country, hs_code__startswith=hs_code)
        .order_by("hs_code")
    )
    barred = next((line for line in under if line.prohibited), None)
    if barred is not None:
        raise TariffError(
            f"HS {hs_code} covers {country} line {barred.hs_code}, which is prohibited "
            f"({barred.legal_source}): declare the national line.",
            CustomsErrorCode.GOODS_PROHIBITED,
            extra={"field": "hs_code"},
        )
    return next((line for line in under if line.permit_required), None)


def line_in_force(regime: str, country: str, hs_code: str, on: date) -> TariffLine | None:
    """An export's line (export_line); an import's line in force, None where there is none
    or the code's national lines differ (the officers classify it)."""
    if regime in EXPORT_REGIMES:
        return export_line(country, hs_code, on)
    return tariff_line_or_none(country, hs_code, on)


def declared_item_line(item, regime: str, country: str, on: date) -> TariffLine | None:
    """The line a declared item is treated under: the officer's classification, else the
    tariff's line in force (None where there is neither)."""
    return classified_line(item, country, on) or line_in_force(regime, country, item.hs_code, on)


def assessed_line(regime: str, country: str, hs_code: str, on: date) -> TariffLine | None:
    """The line an item is assessed under where no officer decided one: the line in force
    (TariffError where there is none); for an export, None where the tariff has none (no
    rate is needed)."""
    if regime in EXPORT_REGIMES:
        return export_line(country, hs_code, on)
    return tariff_line(country, hs_code, on)


def regime_parameters(country: str, on: date) -> dict[str, RegimeParameter]:
    """The country's regime parameters in force on ``on`` (the newest of each name), by
    name; a name missing from it has none in force."""
    return cached(("regime_parameters", country, on), lambda: _regime_parameters(country, on))


def _regime_parameters(country: str, on: date) -> dict[str, RegimeParameter]:
    found: dict[str, RegimeParameter] = {}
    for parameter in RegimeParameter.objects.filter(
        country=country, effective_from__lte=on
    ).order_by("name", "-effective_from"):
        found.setdefault(parameter.name, parameter)
    return found
