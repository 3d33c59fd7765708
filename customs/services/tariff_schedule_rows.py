"""One row of a tariff schedule file (the format is in customs/data/SOURCE.md): its columns,
and how a row becomes a tariff line with its preferential rates, or the reasons it cannot.
Pure: the nomenclature it is checked against is passed in."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django_countries import countries

from ..models import PreferentialRate, TariffLine
from ..selectors import Nomenclature

REQUIRED_COLUMNS = (
    "country",
    "hs_code",
    "description",
    "quantity_unit",
    "effective_from",
    "duty_percent",
    "sales_tax_percent",
    "legal_source",
)
OPTIONAL_COLUMNS = (
    "effective_to",
    "duty_specific",
    "duty_specific_unit",
    "excise_percent",
    "excise_specific",
    "excise_specific_unit",
    "prohibited",
    "permit_required",
    "preferential",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
INDICATIVE = "INDICATIVE"
# HS 2022 is in force from this date: a line dated earlier is described in codes that may
# not have existed then
HS_2022_FROM = date(2022, 1, 1)
TRUE, FALSE = {"yes", "true", "1", "y"}, {"", "no", "false", "0", "n"}
_CODE_SEPARATORS = re.compile(r"[\s.]")


@dataclass(frozen=True)
class ScheduleRow:
    country: str
    hs_code: str
    description: str
    quantity_unit: str
    effective_from: date
    effective_to: date | None
    duty_percent: Decimal
    duty_specific: Decimal
    duty_specific_unit: str
    sales_tax_percent: Decimal
    excise_percent: Decimal
    excise_specific: Decimal
    excise_specific_unit: str
    prohibited: bool
    permit_required: str
    legal_source: str
    preferential: tuple[tuple[str, Decimal], ...]
    warnings: tuple[str, ...]

    def line(self, schedule) -> TariffLine:
        return TariffLine(
            schedule=schedule,
            country=self.country,
            hs_code=self.hs_code,
            description=self.description,
            quantity_unit=self.quantity_unit,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            legal_source=self.legal_source,
            duty_percent=self.duty_percent,
            duty_specific=self.duty_specific,
            duty_specific_unit=self.duty_specific_unit,
            sales_tax_percent=self.sales_tax_percent,
            excise_percent=self.excise_percent,
            excise_specific=self.excise_specific,
            excise_specific_unit=self.excise_specific_unit,
            prohibited=self.prohibited,
            permit_required=self.permit_required,
        )

    def preferential_rates(self, schedule) -> list[PreferentialRate]:
        return [
            PreferentialRate(
                schedule=schedule,
                country=self.country,
                hs_code=self.hs_code,
                agreement=agreement,
                origin_countries=PreferentialRate.partners_of(agreement, self.country),
                duty_percent=percent,
                effective_from=self.effective_from,
                effective_to=self.effective_to,
                legal_source=self.legal_source,
            )
            for agreement, percent in self.preferential
        ]


class RowInvalid(ValueError):
    """Every reason the row cannot be loaded, joined."""


class _Row:
    """Reads the fields of one CSV row, collecting a reason per bad field."""

    def __init__(self, row: dict):
        self.row, self.problems, self.warnings = row, [], []

    def text(self, name: str) -> str:
        return (self.row.get(name) or "").strip()

    def bounded(self, name: str, limit: int) -> str:
        value = self.text(name)
        if len(value) > limit:
            self.problems.append(f"{name} is longer than {limit} characters")
        return value

    def number(self, name, *, required=False, maximum=Decimal("9999.99"), places=2) -> Decimal:
        text = self.text(name)
        if not text:
            if required:
                self.problems.append(f"{name} is empty (write 0 for none)")
            return Decimal(0)
        value, problem = number_parse(text, maximum=maximum, places=places)
        if problem:
            self.problems.append(f"{name} {problem}")
        return value

    def day(self, name: str, *, required: bool) -> date | None:
        text = self.text(name)
        if not text and not required:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.problems.append(f"{name} {text!r} is not a date (YYYY-MM-DD)")
            return None


def hs_code_clean(text: str) -> str:
    """A national code as schedules print it (6110.11.00 00) as digits (6110110000)."""
    return _CODE_SEPARATORS.sub("", text or "")


def number_parse(text: str, *, maximum: Decimal, places: int) -> tuple[Decimal, str]:
    """A rate or amount, and what is wrong with it ("" if nothing)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return Decimal(0), f"{text!r} is not a number"
    if not value.is_finite():
        return Decimal(0), f"{text!r} is not a number"
    if not Decimal(0) <= value <= maximum:
        return Decimal(0), f"{text} is not between 0 and {maximum}"
    if value != round(value, places):
        return Decimal(0), f"{text} has more than {places} decimals"
    return value, ""


def row_parse(row: dict, *, nomenclature: Nomenclature, indicative: bool) -> ScheduleRow:
    """The row as a line, or RowInvalid with every reason it cannot be one."""
    if None in row:
        raise RowInvalid("the row has more fields than the file has columns")
    fields = _Row(row)
    code = _code(fields, nomenclature)
    country = _country(fields)
    legal_source = fields.bounded("legal_source", 200)
    _legal_source_check(fields, legal_source, indicative)
    effective_from = fields.day("effective_from", required=True)
    effective_to = fields.day("effective_to", required=False)
    if effective_from and effective_to and effective_to < effective_from:
        fields.problems.append("effective_to is before effective_from")
    if effective_from and effective_from < HS_2022_FROM:
        fields.warnings.append(f"in force before HS 2022 ({HS_2022_FROM}): codes may differ")
    duty = fields.number("duty_percent", required=True)
    parsed = ScheduleRow(
        country=country,
        hs_code=code,
        description=_description(fields),
        quantity_unit=_unit(fields),
        effective_from=effective_from,
        effective_to=effective_to,
        duty_percent=duty,
        duty_specific=fields.number("duty_specific", maximum=Decimal("999999.9999"), places=4),
        duty_specific_unit=_specific_unit(fields, "duty_specific_unit"),
        sales_tax_percent=fields.number("sales_tax_percent", required=True, maximum=Decimal(100)),
        # China's consumption tax is charged on price ÷ (1 − rate): below 100 %
        excise_percent=fields.number("excise_percent", maximum=Decimal("99.99")),
        excise_specific=fields.number("excise_specific", maximum=Decimal("999999.9999"), places=4),
        excise_specific_unit=_specific_unit(fields, "excise_specific_unit"),
        prohibited=_flag(fields, "prohibited"),
        permit_required=fields.bounded("permit_required", 200),
        legal_source=legal_source,
        preferential=_preferential(fields, code, duty),
        warnings=tuple(fields.warnings),
    )
    if fields.problems:
        raise RowInvalid("; ".join(fields.problems))
    return parsed


def _code(fields: _Row, nomenclature: Nomenclature) -> str:
    code = hs_code_clean(fields.text("hs_code"))
    if not re.fullmatch(r"[0-9]{2}|[0-9]{4}|[0-9]{6,10}", code):
        fields.problems.append(
            f"hs_code {code!r} is a national line of 6 to 10 digits, or a chapter (2) or "
            "heading (4)"
        )
    elif not nomenclature.knows(code):
        level = {2: "chapter", 4: "heading"}.get(len(code), "subheading")
        fields.problems.append(f"{code[:6]} is not an HS 2022 {level}")
    return code


def _country(fields: _Row) -> str:
    country = fields.text("country").upper()
    if not (len(country) == 2 and country.isascii() and country.isalpha() and country in countries):
        fields.problems.append(f"country {country!r} is not an ISO 3166 code such as MY")
    return country


def _legal_source_check(fields: _Row, legal_source: str, indicative: bool) -> None:
    if not legal_source:
        fields.problems.append("legal_source is empty: every rate names its instrument")
    elif indicative and not legal_source.upper().startswith(INDICATIVE):
        fields.problems.append(
            f"the schedule is indicative: its legal_source starts with {INDICATIVE}"
        )
    elif not indicative and INDICATIVE in legal_source.upper():
        fields.problems.append(
            f"the legal_source says {INDICATIVE}: load the file as an indicative schedule"
        )


def _description(fields: _Row) -> str:
    description = fields.text("description")
    if not description:
        fields.warnings.append("no description")
    elif len(description) > 200:
        fields.warnings.append("description shortened to 200 characters")
    return description[:200]


def _unit(fields: _Row) -> str:
    unit = fields.bounded("quantity_unit", 10)
    if not unit:
        fields.warnings.append("no unit of quantity")
    return unit


def _specific_unit(fields: _Row, name: str) -> str:
    unit = fields.text(name).lower() or TariffLine.SpecificUnit.KG
    if unit not in TariffLine.SpecificUnit.values:
        fields.problems.append(f"{name} {unit!r} is kg or unit")
    return unit


def _flag(fields: _Row, name: str) -> bool:
    text = fields.text(name).lower()
    if text not in TRUE | FALSE:
        fields.problems.append(f"{name} {text!r} is yes or no")
    return text in TRUE


def _preferential(fields: _Row, code: str, duty: Decimal) -> tuple[tuple[str, Decimal], ...]:
    """``ACFTA:0`` or ``ACFTA:0;XYZ:5``: an agreement's duty rate for this line."""
    text = fields.text("preferential")
    if not text:
        return ()
    if len(code) < 6:
        fields.problems.append("a preferential rate belongs to a line of 6 digits or more")
        return ()
    rates = []
    for part in text.split(";"):
        agreement, _sep, percent = (piece.strip() for piece in part.partition(":"))
        agreement = agreement.upper()
        if agreement not in PreferentialRate.Agreement.values:
            known = ", ".join(PreferentialRate.Agreement.values)
            fields.problems.append(f"preferential {part.strip()!r} is AGREEMENT:rate ({known})")
            continue
        value, problem = number_parse(percent, maximum=Decimal("9999.99"), places=2)
        if problem:
            fields.problems.append(f"preferential {agreement} rate {problem}")
            continue
        if value >= duty:
            fields.warnings.append(f"the {agreement} rate is not below the MFN duty")
        rates.append((agreement, value))
    return tuple(rates)
