"""The duty and tax engine: explainable, dated, one regime at a time.

Input is a plain consignment (items with HS code, origin, quantity, net weight and value in the
declaration currency, freight and insurance, the customs exchange rate, the declaration date);
output is one line per item and tax with its base, rate, rule and legal source, rounded once
per line to the customs currency's minor unit (half up), and the totals. Every rate and
threshold comes from the dated tariff (TariffLine, PreferentialRate, RegimeParameter): the
declaration date picks what was in force.

Regimes:
- MY_IMPORT: import duty on the CIF value in MYR (ad valorem and/or specific per kg or unit,
  an ACFTA rate when claimed with a Form E the register verifies for the item); exempt by
  de minimis when the goods come by air courier and the consignment's CIF is at most the
  threshold; sales tax on CIF plus duty.
  Goods sold online by a registered seller at a sale value up to the low-value-goods threshold
  (excluding freight and insurance) pay the LVG sales tax on the sale value instead of import
  sales tax, unless they are excluded goods (tobacco, liquor, e-cigarettes, pipes).
- CN_CBEC_IMPORT: cross-border retail import of goods on the positive list, within the
  per-transaction and annual limits:
  duty 0, consumption tax and VAT at the set share (70 %) of what would otherwise be payable
  (consumption tax on price ÷ (1 − rate), VAT on price plus consumption tax). Over a limit, or
  when the buyer's annual total would pass it, or when goods are not on the list, the whole
  transaction is general trade.
- CN_IMPORT: general trade: duty on CIF, consumption tax on (CIF + duty) ÷ (1 − rate), VAT on
  CIF + duty + consumption tax.
- MY_EXPORT, CN_EXPORT: no duty on ordinary goods; prohibited goods and permits are checked
  where the tariff has a line for them. An export needs the nomenclature, not an import rate:
  an HS code without a national line is declared as it is.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from ewtp.common.errors import ApplicationError

from ..errors import CustomsErrorCode
from ..models import Classification, PreferentialRate, RegimeParameter, TariffLine

# the register's verification; certificates.py imports nothing of this engine (origin.py,
# the rules of origin, builds on its party list and is not imported here)
from .certificates import certificate_verify
from .positive_list import positive_list_check
from .reference import cached

CUSTOMS_CURRENCY = {"MY": "MYR", "CN": "CNY"}
REGIMES = {
    "MY_IMPORT": "MY",
    "MY_EXPORT": "MY",
    "CN_IMPORT": "CN",
    "CN_CBEC_IMPORT": "CN",
    "CN_EXPORT": "CN",
}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Item:
    hs_code: str
    description: str
    origin: str  # ISO 3166-1 alpha-2
    quantity: int
    net_weight_kg: Decimal
    value: Decimal  # in the declaration currency (the sale price of the goods)
    # the line an officer classified the item under (or the rates it entered, as an unsaved
    # line), where the tariff has none in force for its HS code
    line: TariffLine | None = None


@dataclass(frozen=True)
class Consignment:
    regime: str
    on: date
    currency: str
    exchange_rate: Decimal  # customs currency per unit of ``currency``
    items: list[Item]
    freight: Decimal = Decimal(0)
    insurance: Decimal = Decimal(0)
    air_courier: bool = True
    sold_online_by_registered_seller: bool = False
    fta_agreement: str = ""
    fta_certificate: str = ""
    # an item the agreement gives a rate whose certificate does not verify: False refuses the
    # claim (a declaration being filed: the declarant files without it or obtains the
    # certificate); True assesses the item at the MFN rate and keeps the register's reason
    # (Assessment.fta_not_granted): a reassessment after release, the certificate having
    # been revoked since
    fta_unverified_at_mfn: bool = False
    buyer_annual_total: Decimal = Decimal(0)  # CBEC: the buyer's purchases this year, in CNY


@dataclass(frozen=True)
class TaxLine:
    item: int  # index of the item, from 0
    tax: str  # duty, sales_tax, lvg_sales_tax, consumption_tax, vat
    base: Decimal
    rate: str  # "10%", "RM 2.50/kg", "70% of 13%"
    rule: str
    legal_source: str
    amount: Decimal


@dataclass
class Assessment:
    regime: str
    currency: str  # the customs currency
    lines: list[TaxLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    treatment: str = ""  # general, lvg, de_minimis, cbec, export
    # the tariff line each item was assessed under (None: an export item without one), so
    # that the declaration can keep the schedule version it was assessed with
    tariff_lines: list = field(default_factory=list)
    # item index → why the claimed agreement's rate was not granted (the register's reason),
    # for a consignment assessed with fta_unverified_at_mfn
    fta_not_granted: dict[int, str] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, Decimal]:
        result: dict[str, Decimal] = {}
        for line in self.lines:
            result[line.tax] = result.get(line.tax, Decimal(0)) + line.amount
        return result

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


class TariffError(ApplicationError):
    pass


def _round(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def tariff_line(country: str, hs_code: str, on: date) -> TariffLine:
    """The line in force on ``on``, the most specific first:

    1. the longest national code (6 to 10 digits) that prefixes ``hs_code``;
    2. else the national lines under ``hs_code`` (goods declared at 6 digits, a schedule of
       8 or 10): their treatment if they all give the same one; if they differ, the goods
       need their national line (TariffError ``hs_ambiguous``), never a broader rate;
    3. else the heading's rate, then the chapter's.

    Among lines of one code: the newest, then the one of the schedule loaded last."""
    return cached(("tariff", country, hs_code, on), lambda: _tariff_line(country, hs_code, on))


def tariff_prefixes(hs_code: str) -> list[str]:
    """The codes a tariff line may have to apply to ``hs_code``, the longest first."""
    return [hs_code[:n] for n in range(len(hs_code), 5, -1)] + [hs_code[:4], hs_code[:2]]


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
                "hs_ambiguous",
                extra={"field": "hs_code"},
            )
        return under[0]
    for code in candidates[-2:]:
        if code in by_code:
            return by_code[code]
    raise TariffError(
        f"No {country} tariff line for HS {hs_code} on {on}.",
        "hs_unknown",
        extra={"field": "hs_code"},
    )


EXPORT_REGIMES = frozenset({"MY_EXPORT", "CN_EXPORT"})


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
        if error.code != "hs_ambiguous":
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
            "goods_prohibited",
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


def _line_for(regime: str, country: str, hs_code: str, on: date) -> TariffLine | None:
    """The line in force; for an export, None where the tariff has none (no rate is needed)."""
    if regime in EXPORT_REGIMES:
        return export_line(country, hs_code, on)
    return tariff_line(country, hs_code, on)


def parameter(country: str, name: str, on: date) -> RegimeParameter:
    found = cached(
        ("parameter", country, name, on),
        lambda: (
            RegimeParameter.objects.filter(country=country, name=name, effective_from__lte=on)
            .order_by("-effective_from")
            .first()
        ),
    )
    if found is None:
        raise TariffError(f"No {country} {name} in force on {on}.", "regime_parameter_missing")
    return found


def assess(consignment: Consignment) -> Assessment:
    country = REGIMES.get(consignment.regime)
    if country is None:
        raise TariffError(f"Unknown regime {consignment.regime}.", "regime_unknown")
    if not consignment.items:
        raise TariffError("A declaration has at least one item.", "items_missing")
    lines = [
        item.line or _line_for(consignment.regime, country, item.hs_code, consignment.on)
        for item in consignment.items
    ]
    for index, (item, line) in enumerate(zip(consignment.items, lines, strict=True)):
        if line is not None and line.prohibited:
            raise TariffError(
                f"Item {index + 1} (HS {item.hs_code}) is prohibited ({line.legal_source}).",
                "goods_prohibited",
                extra={"field": f"items.{index}.hs_code"},
            )
    assessment = Assessment(consignment.regime, CUSTOMS_CURRENCY[country], tariff_lines=lines)
    assessment.notes += [
        f"Item {i + 1}: permit required: {line.permit_required}"
        for i, line in enumerate(lines)
        if line is not None and line.permit_required
    ]
    handler = {
        "MY_IMPORT": _my_import,
        "CN_IMPORT": _cn_general,
        "CN_CBEC_IMPORT": _cn_cbec,
        "MY_EXPORT": _export,
        "CN_EXPORT": _export,
    }[consignment.regime]
    handler(consignment, lines, assessment)
    return assessment


def _in_customs_currency(consignment: Consignment, amount: Decimal) -> Decimal:
    return amount * consignment.exchange_rate


def _cif_shares(consignment: Consignment) -> list[Decimal]:
    """Each item's CIF in the customs currency: its value plus freight and insurance shared
    by value (unrounded; rounding happens once, on each tax line)."""
    total = sum((item.value for item in consignment.items), Decimal(0))
    extra = consignment.freight + consignment.insurance
    return [
        _in_customs_currency(consignment, item.value + (extra * item.value / total if total else 0))
        for item in consignment.items
    ]


def _duty(consignment, index, item, line, cif, assessment, country) -> Decimal:
    rate, rule, source = line.duty_percent, "MFN ad valorem on CIF", line.legal_source
    preferential = _preferential(consignment, index, item, country, assessment)
    # the agreement's rate replaces the whole MFN duty (ad valorem and specific) when lower
    preferential_applies = preferential is not None and preferential.duty_percent < rate
    if preferential_applies:
        rate = preferential.duty_percent
        certificate = consignment.fta_certificate
        rule = f"{preferential.agreement} preferential rate (certificate {certificate})"
        source = preferential.legal_source
    amount = cif * rate / 100
    text = f"{rate.normalize():f}%"
    if line.duty_specific and preferential_applies is False:
        quantity = item.net_weight_kg if line.duty_specific_unit == "kg" else Decimal(item.quantity)
        amount += line.duty_specific * quantity
        text += f" + {line.duty_specific.normalize():f}/{line.duty_specific_unit}"
        rule += f" plus specific duty per {line.duty_specific_unit}"
    duty = _round(amount)
    assessment.lines.append(TaxLine(index, "duty", _round(cif), text, rule, source, duty))
    return duty


# The instrument that makes each agreement's parties (PreferentialRate.PARTNERS) its parties:
# goods originating elsewhere cannot claim its rates, whatever the certificate says.
AGREEMENT_INSTRUMENTS = {
    "ACFTA": "Framework Agreement on Comprehensive Economic Co-operation between ASEAN and the "
    "People's Republic of China (2002), Agreement on Trade in Goods (2004)",
}


def agreement_parties(agreement: str) -> frozenset[str] | None:
    """The ISO codes of the parties to ``agreement`` (None: an agreement without a list)."""
    partners = PreferentialRate.PARTNERS.get(agreement)
    if partners is None:
        return None
    parties = {code for importer, origins in partners.items() for code in origins.split()}
    return frozenset(parties | (set(partners) - {"*"}))


def origin_party_check(agreement: str, index: int, origin: str) -> None:
    """Refuse a preferential claim for item ``index`` originating outside ``agreement``."""
    parties = agreement_parties(agreement)
    if parties is None:
        return
    if origin.upper() not in parties:
        raise TariffError(
            f"Item {index + 1} originates in {origin}, which is not a party to {agreement} "
            f"({AGREEMENT_INSTRUMENTS.get(agreement, agreement)}): its certificate cannot give "
            "it the agreement's rate. Declare it without the preferential claim.",
            "origin_not_party",
            extra={"field": f"items.{index}.origin"},
        )


def _preferential(consignment, index, item, country, assessment) -> PreferentialRate | None:
    if not consignment.fta_agreement:
        return None
    if not consignment.fta_certificate.strip():
        raise TariffError(
            f"A {consignment.fta_agreement} claim needs the certificate of origin number.",
            "certificate_missing",
            extra={"field": "fta_certificate"},
        )
    origin_party_check(consignment.fta_agreement, index, item.origin)
    candidates = [item.hs_code[:n] for n in range(len(item.hs_code), 5, -1)]
    rates = list(
        PreferentialRate.objects.in_force(consignment.on)
        .filter(country=country, agreement=consignment.fta_agreement, hs_code__in=candidates)
        .order_by("-effective_from", "-schedule_id")
    )
    for code in candidates:  # the longest code first, then the newest rate
        for rate in rates:
            if rate.hs_code == code and item.origin in rate.origin_countries.split():
                granted = _certificate_check(consignment, index, item, country, assessment)
                return rate if granted else None
    return None


def _certificate_check(consignment, index, item, country, assessment) -> bool:
    """The agreement's rate is granted only against a certificate of origin in the register
    (customs/services/certificates.py) that is in force on the declaration date, issued
    under the agreement for goods of the item's origin imported into ``country``, and covers
    the item's subheading. It is checked where it would give the rate: goods the agreement
    gives no rate pay MFN whatever the certificate says. Where it does not verify, the claim
    is refused, or (fta_unverified_at_mfn) the item is not granted the rate (False)."""
    check = certificate_verify(
        consignment.fta_certificate,
        agreement=consignment.fta_agreement,
        importing_country=country,
        origin=item.origin,
        hs_code=item.hs_code,
        on=consignment.on,
    )
    if check.valid:
        return True
    if consignment.fta_unverified_at_mfn:
        assessment.fta_not_granted[index] = check.reason
        return False
    raise TariffError(
        f"Item {index + 1}: the {consignment.fta_agreement} rate cannot be granted: "
        f"{check.reason} Declare the goods without the preferential claim, or obtain the "
        "certificate of origin that covers them.",
        CustomsErrorCode.CERTIFICATE_NOT_VALID,
        extra={"field": "fta_certificate"},
    )


def _excluded(consignment, item, name: str) -> bool:
    """Whether the item's HS code starts with one of the prefixes of the parameter ``name``
    (goods a relief does not extend to, as dated data naming its instrument)."""
    prefixes = parameter("MY", name, consignment.on).value.split()
    return any(item.hs_code.startswith(prefix) for prefix in prefixes)


def _my_import(consignment: Consignment, lines, assessment: Assessment) -> None:
    """Import duty, excise and sales tax, item by item. The courier de minimis relieves the
    duty of a consignment within its CIF threshold, except for the goods it excludes
    (liquor, tobacco); the low-value-goods tax replaces import sales tax for goods a
    registered seller sold online within its threshold, except for the goods it excludes.
    Excise (the line's ad valorem rate) is on CIF plus duty; sales tax on CIF plus duty plus
    excise (Sales Tax Act 2018, s. 9). The treatment shown is the one applied."""
    cifs = _cif_shares(consignment)
    de_minimis = parameter("MY", "de_minimis_cif", consignment.on)
    duty_free = consignment.air_courier and sum(cifs) <= Decimal(de_minimis.value)
    lvg = parameter("MY", "lvg_threshold", consignment.on)
    sale_value = _in_customs_currency(consignment, sum(i.value for i in consignment.items))
    lvg_applies = consignment.sold_online_by_registered_seller and sale_value <= Decimal(lvg.value)
    lvg_rate = parameter("MY", "lvg_rate_percent", consignment.on)
    applied = set()
    for index, (item, line, cif) in enumerate(zip(consignment.items, lines, cifs, strict=True)):
        if duty_free and not _excluded(consignment, item, "de_minimis_excluded_hs"):
            applied.add("de_minimis")
            assessment.lines.append(
                TaxLine(
                    index,
                    "duty",
                    _round(cif),
                    "0%",
                    "De minimis: by air courier, consignment CIF within the threshold",
                    de_minimis.legal_source,
                    Decimal("0.00"),
                )
            )
            duty = Decimal(0)
        else:
            duty = _duty(consignment, index, item, line, cif, assessment, "MY")
        excise = _my_excise(index, item, line, cif + duty, assessment)
        if lvg_applies and not _excluded(consignment, item, "lvg_excluded_hs"):
            applied.add("lvg")
            base = _in_customs_currency(consignment, item.value)  # the sale value only
            rate = Decimal(lvg_rate.value)
            assessment.lines.append(
                TaxLine(
                    index,
                    "lvg_sales_tax",
                    _round(base),
                    f"{rate.normalize():f}%",
                    "Low-value goods sold online: sales tax on the sale value, collected "
                    "by the registered seller",
                    lvg.legal_source,
                    _round(base * rate / 100),
                )
            )
            continue
        base = cif + duty + excise
        assessment.lines.append(
            TaxLine(
                index,
                "sales_tax",
                _round(base),
                f"{line.sales_tax_percent.normalize():f}%",
                (
                    (
                        "Sales tax on CIF plus duty plus excise"
                        if excise
                        else "Sales tax on CIF plus duty"
                    )
                    if line.sales_tax_percent
                    else "Exempt"
                ),
                line.legal_source,
                _round(base * line.sales_tax_percent / 100),
            )
        )
    assessment.treatment = next(
        (name for name in ("lvg", "de_minimis") if name in applied), "general"
    )


def _my_excise(index: int, item, line, base: Decimal, assessment: Assessment) -> Decimal:
    """Malaysian excise duty on imported excisable goods: ad valorem on CIF plus import duty,
    and/or specific per kg or per unit (a compound rate is both), at the line's rates and
    legal source; nothing for goods without one."""
    if not (line.excise_percent or line.excise_specific):
        return Decimal(0)
    amount = base * line.excise_percent / 100
    text, rule = (
        f"{line.excise_percent.normalize():f}%",
        "Excise duty ad valorem on CIF plus import duty",
    )
    if line.excise_specific:
        unit = line.excise_specific_unit
        quantity = item.net_weight_kg if unit == "kg" else Decimal(item.quantity)
        amount += line.excise_specific * quantity
        text += f" + {line.excise_specific.normalize():f}/{unit}"
        rule += f" plus specific excise per {unit}"
    excise = _round(amount)
    assessment.lines.append(
        TaxLine(index, "excise", _round(base), text, rule, line.legal_source, excise)
    )
    return excise


def _cn_general(consignment: Consignment, lines, assessment: Assessment, share=Decimal(1)):
    assessment.treatment = assessment.treatment or "general"
    for index, (item, line, cif) in enumerate(
        zip(consignment.items, lines, _cif_shares(consignment), strict=True)
    ):
        duty = _duty(consignment, index, item, line, cif, assessment, "CN")
        _cn_indirect(index, line, cif + duty, assessment, share, "")


def _cn_indirect(index, line, price, assessment, share: Decimal, rule_prefix: str):
    """Consumption tax on the composite price ÷ (1 − rate), VAT on price plus consumption
    tax; each at ``share`` of the full amount (CBEC: 70 %)."""
    ct_rate = line.excise_percent / 100
    full_ct = price / (1 - ct_rate) * ct_rate if ct_rate else Decimal(0)
    if ct_rate:
        assessment.lines.append(
            TaxLine(
                index,
                "consumption_tax",
                _round(price / (1 - ct_rate)),
                _rate_text(line.excise_percent, share),
                rule_prefix + "Consumption tax on the composite price ÷ (1 − rate)",
                line.legal_source,
                _round(full_ct * share),
            )
        )
    vat_base = price + full_ct
    assessment.lines.append(
        TaxLine(
            index,
            "vat",
            _round(vat_base),
            _rate_text(line.sales_tax_percent, share),
            rule_prefix + "Import VAT on price plus consumption tax",
            line.legal_source,
            _round(vat_base * line.sales_tax_percent / 100 * share),
        )
    )


def _rate_text(rate: Decimal, share: Decimal) -> str:
    if share == 1:
        return f"{rate.normalize():f}%"
    return f"{(share * 100).normalize():f}% of {rate.normalize():f}%"


def _cn_cbec(consignment: Consignment, lines, assessment: Assessment) -> None:
    single = parameter("CN", "cbec_single_limit", consignment.on)
    annual = parameter("CN", "cbec_annual_limit", consignment.on)
    ratio = parameter("CN", "cbec_tax_ratio_percent", consignment.on)
    unlisted = _off_the_positive_list(consignment)
    if unlisted:
        assessment.treatment = "general"
        assessment.notes.append(unlisted)
        _cn_general(consignment, lines, assessment)
        return
    cifs = _cif_shares(consignment)
    value = sum(cifs)
    if value > Decimal(single.value) or consignment.buyer_annual_total + value > Decimal(
        annual.value
    ):
        assessment.treatment = "general"
        assessment.notes.append(
            f"Over the cross-border retail limits (RMB {single.value} per transaction, "
            f"RMB {annual.value} a year; {single.legal_source}): taxed in full as general trade."
        )
        _cn_general(consignment, lines, assessment)
        return
    assessment.treatment = "cbec"
    share = Decimal(ratio.value) / 100
    for index, (line, cif) in enumerate(zip(lines, cifs, strict=True)):
        assessment.lines.append(
            TaxLine(
                index,
                "duty",
                _round(cif),
                "0%",
                "Cross-border retail import within the limits: no import duty",
                ratio.legal_source,
                Decimal("0.00"),
            )
        )
        _cn_indirect(index, line, cif, assessment, share, "Cross-border retail: ")


def _off_the_positive_list(consignment: Consignment) -> str:
    """Why the goods cannot use the retail regime because some are not on the positive list
    in force (empty when all are): a retail import declaration is refused for goods outside
    it, so the transaction is taxed as general trade."""
    refused = []
    source = ""
    for index, item in enumerate(consignment.items):
        check = positive_list_check(item.hs_code, consignment.on)
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


def _export(consignment: Consignment, lines, assessment: Assessment) -> None:
    assessment.treatment = "export"
    assessment.notes.append("No export duty on ordinary goods.")
