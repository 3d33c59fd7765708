"""Malaysia's import duty and taxes, as the duty engine computes them (pure: over the
consignment and its DutyInputs, customs/services/duty.py).

Import duty under the Customs Act 1967 at the line's rates (or an agreement's lower rate),
relieved by the courier de minimis; excise under the Excise Act 1976; sales tax under the Sales
Tax Act 2018 (s. 9), or the low-value-goods sales tax a registered seller collects instead.
Each threshold and relief is a dated regime parameter naming its own instrument.
"""

from decimal import Decimal

from .duty import (
    Assessment,
    Consignment,
    DutyInputs,
    TaxLine,
    cif_shares,
    duty_line,
    in_customs_currency,
    rate_text,
    regime_parameter,
    rounded,
)


def malaysia_import_duty_and_taxes(
    consignment: Consignment, inputs: DutyInputs, assessment: Assessment
) -> None:
    """Import duty, excise and sales tax, item by item. The courier de minimis relieves the
    duty of a consignment within its CIF threshold, except for the goods it excludes
    (liquor, tobacco); the low-value-goods tax replaces import sales tax for goods a
    registered seller sold online within its threshold, except for the goods it excludes.
    Excise (the line's ad valorem rate) is on CIF plus duty; sales tax on CIF plus duty plus
    excise (Sales Tax Act 2018, s. 9). The treatment shown is the one applied."""
    cifs = cif_shares(consignment)
    de_minimis = regime_parameter(consignment, inputs, "de_minimis_cif")
    duty_free = consignment.air_courier and sum(cifs) <= Decimal(de_minimis.value)
    lvg = regime_parameter(consignment, inputs, "lvg_threshold")
    sale_value = in_customs_currency(consignment, sum(i.value for i in consignment.items))
    lvg_applies = consignment.sold_online_by_registered_seller and sale_value <= Decimal(lvg.value)
    lvg_rate = regime_parameter(consignment, inputs, "lvg_rate_percent")
    applied = set()
    for index, (item, line, cif) in enumerate(
        zip(consignment.items, inputs.lines, cifs, strict=True)
    ):
        if duty_free and not _excluded(consignment, inputs, item, "de_minimis_excluded_hs"):
            applied.add("de_minimis")
            assessment.lines.append(
                TaxLine(
                    index,
                    "duty",
                    rounded(cif),
                    "0%",
                    "De minimis: by air courier, consignment CIF within the threshold",
                    de_minimis.legal_source,
                    Decimal("0.00"),
                )
            )
            duty = Decimal(0)
        else:
            duty = duty_line(consignment, inputs, index, item, line, cif, assessment)
        excise = _excise(index, item, line, cif + duty, assessment)
        if lvg_applies and not _excluded(consignment, inputs, item, "lvg_excluded_hs"):
            applied.add("lvg")
            base = in_customs_currency(consignment, item.value)  # the sale value only
            rate = Decimal(lvg_rate.value)
            assessment.lines.append(
                TaxLine(
                    index,
                    "lvg_sales_tax",
                    rounded(base),
                    rate_text(rate),
                    "Low-value goods sold online: sales tax on the sale value, collected "
                    "by the registered seller",
                    lvg.legal_source,
                    rounded(base * rate / 100),
                )
            )
            continue
        _sales_tax(index, line, cif + duty + excise, bool(excise), assessment)
    assessment.treatment = next(
        (name for name in ("lvg", "de_minimis") if name in applied), "general"
    )


def _excluded(consignment: Consignment, inputs: DutyInputs, item, name: str) -> bool:
    """Whether the item's HS code starts with one of the prefixes of the parameter ``name``
    (goods a relief does not extend to, as dated data naming its instrument)."""
    prefixes = regime_parameter(consignment, inputs, name).value.split()
    return any(item.hs_code.startswith(prefix) for prefix in prefixes)


def _sales_tax(index: int, line, base: Decimal, excisable: bool, assessment: Assessment) -> None:
    if not line.sales_tax_percent:
        rule = "Exempt"
    elif excisable:
        rule = "Sales tax on CIF plus duty plus excise"
    else:
        rule = "Sales tax on CIF plus duty"
    assessment.lines.append(
        TaxLine(
            index,
            "sales_tax",
            rounded(base),
            rate_text(line.sales_tax_percent),
            rule,
            line.legal_source,
            rounded(base * line.sales_tax_percent / 100),
        )
    )


def _excise(index: int, item, line, base: Decimal, assessment: Assessment) -> Decimal:
    """Malaysian excise duty on imported excisable goods: ad valorem on CIF plus import duty,
    and/or specific per kg or per unit (a compound rate is both), at the line's rates and
    legal source; nothing for goods without one."""
    if not (line.excise_percent or line.excise_specific):
        return Decimal(0)
    amount = base * line.excise_percent / 100
    text, rule = (
        rate_text(line.excise_percent),
        "Excise duty ad valorem on CIF plus import duty",
    )
    if line.excise_specific:
        unit = line.excise_specific_unit
        quantity = item.net_weight_kg if unit == "kg" else Decimal(item.quantity)
        amount += line.excise_specific * quantity
        text += f" + {line.excise_specific.normalize():f}/{unit}"
        rule += f" plus specific excise per {unit}"
    excise = rounded(amount)
    assessment.lines.append(
        TaxLine(index, "excise", rounded(base), text, rule, line.legal_source, excise)
    )
    return excise
