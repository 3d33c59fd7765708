"""The duty and tax engine: explainable, dated, one regime at a time.

Input is a plain consignment (items with HS code, origin, quantity, net weight and value in the
declaration currency, freight and insurance, the customs exchange rate, the declaration date);
output is one line per item and tax with its base, rate, rule and legal source, rounded once
per line to the customs currency's minor unit (half up), and the totals. Every rate and
threshold comes from the dated tariff (TariffLine, PreferentialRate, RegimeParameter): the
declaration date picks what was in force.

The engine is pure: it reads only the consignment and its ``DutyInputs`` (the tariff lines,
parameters, preferential rates, certificate checks and positive-list answers in force), which
duty_inputs.py loads before it runs, so a table of cases tests it without a database. This
module holds the shapes and what every regime shares; duty_malaysia.py and duty_china.py each
regime's taxes; duty_assessment.py picks the regime (``assess``).

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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from ewtp.common.errors import ApplicationError

from ..errors import CustomsErrorCode

if TYPE_CHECKING:  # the engine reads their fields only; duty_inputs.py loads them
    from ..models import PreferentialRate, RegimeParameter, TariffLine
    from .certificates import CertificateCheck
    from .positive_list import ListCheck

CUSTOMS_CURRENCY = {"MY": "MYR", "CN": "CNY"}
REGIMES = {
    "MY_IMPORT": "MY",
    "MY_EXPORT": "MY",
    "CN_IMPORT": "CN",
    "CN_CBEC_IMPORT": "CN",
    "CN_EXPORT": "CN",
}
EXPORT_REGIMES = frozenset({"MY_EXPORT", "CN_EXPORT"})
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
    line: "TariffLine | None" = None


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
class DutyInputs:
    """What the engine reads of the dated tariff and the registers for one consignment; the
    mappings are by item index."""

    # each item's line: the officer's (Item.line), else the tariff's in force (None: an
    # export item the tariff has no line for)
    lines: list["TariffLine | None"]
    # the regime's parameters in force on the date, by name (a missing name has none)
    parameters: Mapping[str, "RegimeParameter"] = field(default_factory=dict)
    # the parties to the claimed agreement (None: the agreement has no list of parties)
    parties: frozenset[str] | None = None
    # the claimed agreement's rates in force for the codes over the item's HS code, newest
    # first
    preferential_rates: Mapping[int, list["PreferentialRate"]] = field(default_factory=dict)
    # the register's answer for the claimed certificate, for each item the agreement gives
    # a rate
    certificates: Mapping[int, "CertificateCheck"] = field(default_factory=dict)
    # cross-border retail: whether the item is on the positive list in force (None: no list
    # is in force on the date)
    positive_list: Mapping[int, "ListCheck | None"] = field(default_factory=dict)


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


def rounded(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def rate_text(rate: Decimal, share: Decimal = Decimal(1)) -> str:
    if share == 1:
        return f"{rate.normalize():f}%"
    return f"{(share * 100).normalize():f}% of {rate.normalize():f}%"


def regime_parameter(consignment: Consignment, inputs: DutyInputs, name: str):
    """The regime's parameter ``name`` in force on the declaration date."""
    found = inputs.parameters.get(name)
    if found is None:
        country = REGIMES[consignment.regime]
        raise TariffError(
            f"No {country} {name} in force on {consignment.on}.",
            CustomsErrorCode.REGIME_PARAMETER_MISSING,
        )
    return found


def in_customs_currency(consignment: Consignment, amount: Decimal) -> Decimal:
    return amount * consignment.exchange_rate


def cif_shares(consignment: Consignment) -> list[Decimal]:
    """Each item's CIF in the customs currency: its value plus freight and insurance shared
    by value (unrounded; rounding happens once, on each tax line)."""
    total = sum((item.value for item in consignment.items), Decimal(0))
    extra = consignment.freight + consignment.insurance
    return [
        in_customs_currency(consignment, item.value + (extra * item.value / total if total else 0))
        for item in consignment.items
    ]


def duty_line(consignment, inputs, index, item, line, cif, assessment) -> Decimal:
    """The item's import duty on its CIF, at the line's MFN rate or the claimed agreement's
    lower one; added to ``assessment``."""
    rate, rule, source = line.duty_percent, "MFN ad valorem on CIF", line.legal_source
    preferential = _preferential(consignment, inputs, index, item, assessment)
    # the agreement's rate replaces the whole MFN duty (ad valorem and specific) when lower
    preferential_applies = preferential is not None and preferential.duty_percent < rate
    if preferential_applies:
        rate = preferential.duty_percent
        certificate = consignment.fta_certificate
        rule = f"{preferential.agreement} preferential rate (certificate {certificate})"
        source = preferential.legal_source
    amount = cif * rate / 100
    text = rate_text(rate)
    if line.duty_specific and preferential_applies is False:
        quantity = item.net_weight_kg if line.duty_specific_unit == "kg" else Decimal(item.quantity)
        amount += line.duty_specific * quantity
        text += f" + {line.duty_specific.normalize():f}/{line.duty_specific_unit}"
        rule += f" plus specific duty per {line.duty_specific_unit}"
    duty = rounded(amount)
    assessment.lines.append(TaxLine(index, "duty", rounded(cif), text, rule, source, duty))
    return duty


# -- preferential origin --------------------------------------------------------------------

# The instrument that makes each agreement's parties (PreferentialRate.PARTNERS) its parties:
# goods originating elsewhere cannot claim its rates, whatever the certificate says.
AGREEMENT_INSTRUMENTS = {
    "ACFTA": "Framework Agreement on Comprehensive Economic Co-operation between ASEAN and the "
    "People's Republic of China (2002), Agreement on Trade in Goods (2004)",
}


def party_check(agreement: str, parties: frozenset[str] | None, index: int, origin: str) -> None:
    """Refuse a preferential claim for item ``index`` originating outside ``agreement``
    (``parties``: its parties, None where it has no list)."""
    if parties is None:
        return
    if origin.upper() not in parties:
        raise TariffError(
            f"Item {index + 1} originates in {origin}, which is not a party to {agreement} "
            f"({AGREEMENT_INSTRUMENTS.get(agreement, agreement)}): its certificate cannot give "
            "it the agreement's rate. Declare it without the preferential claim.",
            CustomsErrorCode.ORIGIN_NOT_PARTY,
            extra={"field": f"items.{index}.origin"},
        )


def preferential_codes(hs_code: str) -> list[str]:
    """The codes an agreement's rate may have to apply to ``hs_code``, the longest first."""
    return [hs_code[:n] for n in range(len(hs_code), 5, -1)]


def preferential_rate(item: Item, rates: list) -> "PreferentialRate | None":
    """The agreement's rate for the item's origin among ``rates`` (newest first): of the
    longest code first, then the newest."""
    for code in preferential_codes(item.hs_code):
        for rate in rates:
            if rate.hs_code == code and item.origin in rate.origin_countries.split():
                return rate
    return None


def _preferential(consignment, inputs, index, item, assessment) -> "PreferentialRate | None":
    if not consignment.fta_agreement:
        return None
    if not consignment.fta_certificate.strip():
        raise TariffError(
            f"A {consignment.fta_agreement} claim needs the certificate of origin number.",
            CustomsErrorCode.CERTIFICATE_MISSING,
            extra={"field": "fta_certificate"},
        )
    party_check(consignment.fta_agreement, inputs.parties, index, item.origin)
    rate = preferential_rate(item, inputs.preferential_rates.get(index, []))
    if rate is None:
        return None
    return rate if _certificate_granted(consignment, inputs, index, assessment) else None


def _certificate_granted(consignment, inputs, index, assessment) -> bool:
    """The agreement's rate is granted only against a certificate of origin in the register
    (customs/services/certificates.py) that is in force on the declaration date, issued
    under the agreement for goods of the item's origin imported into the regime's country,
    and covers the item's subheading. It is checked where it would give the rate: goods the
    agreement gives no rate pay MFN whatever the certificate says. Where it does not verify,
    the claim is refused, or (fta_unverified_at_mfn) the item is not granted the rate."""
    check = inputs.certificates[index]
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
