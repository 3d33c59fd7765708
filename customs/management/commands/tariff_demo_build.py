"""Build the indicative chapter schedules of the demo (customs/data/schedules/
{MY,CN}-indicative-chapters.csv) from the HS 2022 nomenclature (hubs/data/hs) and the
indicative rates with their basis (customs/data/indicative-rates.csv):
``manage.py tariff_demo_build`` writes them, ``--check`` only says whether they are up to
date. One line per HS 2022 chapter and per heading the rates file names, so that every
subheading has a rate; each line says INDICATIVE, its basis and the instruments it is
modelled on."""

import csv
import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from customs.services.tariff import DATA, SCHEDULES

ROOT = Path(__file__).resolve().parents[3]
HS_FILE = ROOT / "hubs" / "data" / "hs" / "harmonized-system-hs2022.csv"
RATES_FILE = DATA / "indicative-rates.csv"
EFFECTIVE_FROM = "2022-01-01"  # HS 2022 in force
COLUMNS = (
    "country",
    "hs_code",
    "description",
    "quantity_unit",
    "effective_from",
    "effective_to",
    "duty_percent",
    "duty_specific",
    "duty_specific_unit",
    "sales_tax_percent",
    "excise_percent",
    "prohibited",
    "permit_required",
    "preferential",
    "legal_source",
)


def _instruments(country: str, rates: dict) -> str:
    """The instruments a rate is modelled on: the tariff, then the tax it names."""
    if country == "MY":
        sales_tax = (
            "Sales Tax (Rates of Tax) Order 2018"
            if float(rates["sales_tax_percent"])
            else "Sales Tax (Goods Exempted from Tax) Order 2018"
        )
        return f"Customs Duties Order 2022; {sales_tax}"
    vat = "9 %" if float(rates["sales_tax_percent"]) == 9 else "13 %"
    instruments = f"Customs Tariff of the PRC 2024; import VAT {vat} (MOF/SAT/GACC [2019] No. 39)"
    if float(rates["excise_percent"]):
        instruments += "; Consumption Tax Regulations"
    return instruments


def nomenclature_names() -> dict[str, str]:
    """HS 2022 chapters and headings with their names (Comtrade's aggregates left out)."""
    with open(HS_FILE, encoding="utf-8-sig", newline="") as handle:
        return {
            row["hscode"]: row["description"]
            for row in csv.DictReader(handle)
            if row["section"] != "TOTAL" and row["level"] in ("2", "4")
        }


def indicative_schedule(country: str) -> str:
    """The schedule file of ``country``, as text."""
    names = nomenclature_names()
    with open(RATES_FILE, encoding="utf-8", newline="") as handle:
        rates = {row["hs_code"]: row for row in csv.DictReader(handle) if row["country"] == country}
    missing = [code for code in names if len(code) == 2 and code not in rates]
    unknown = [code for code in rates if code not in names]
    if missing or unknown:
        raise CommandError(
            f"{RATES_FILE.name}, {country}: chapters without a rate {missing}, "
            f"codes not in HS 2022 {unknown}"
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for code, row in sorted(rates.items()):
        level = "chapter" if len(code) == 2 else "heading"
        basis = row["basis"] or f"typical rate of the {level}, not a national line's own"
        legal_source = f"INDICATIVE ({basis}): modelled on {_instruments(country, row)}"
        if len(legal_source) > 200:
            raise CommandError(f"{country} {code}: the legal source is over 200 characters")
        writer.writerow(
            {
                "country": country,
                "hs_code": code,
                "description": f"{level.title()} {code}: {names[code]}"[:200],
                "quantity_unit": row["quantity_unit"],
                "effective_from": EFFECTIVE_FROM,
                "effective_to": "",
                "duty_percent": row["duty_percent"],
                "duty_specific": row["duty_specific"],
                "duty_specific_unit": row["duty_specific_unit"],
                "sales_tax_percent": row["sales_tax_percent"],
                "excise_percent": row["excise_percent"],
                "prohibited": "no",
                "permit_required": row["permit_required"],
                "preferential": "",
                "legal_source": legal_source,
            }
        )
    return out.getvalue()


def schedule_path(country: str) -> Path:
    return SCHEDULES / f"{country}-indicative-chapters.csv"


class Command(BaseCommand):
    help = "Build the indicative chapter schedules of the demo from the HS 2022 nomenclature."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only check they are current")

    def handle(self, *args, **options):
        stale = []
        for country in ("MY", "CN"):
            text, path = indicative_schedule(country), schedule_path(country)
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if text == current:
                continue
            stale.append(path.name)
            if not options["check"]:
                path.write_text(text, encoding="utf-8")
                self.stdout.write(f"{path.relative_to(ROOT)}: {text.count(chr(10)) - 1} lines")
        if options["check"] and stale:
            raise CommandError(f"Out of date: {', '.join(stale)} (run manage.py tariff_demo_build)")
