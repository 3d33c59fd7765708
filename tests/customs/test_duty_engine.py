"""Duty and tax cases for each regime, computed by hand, each citing the rule it exercises.

The tariff here is a fixture with round rates so the arithmetic is checkable on paper; the
thresholds are the real ones (RM500 de minimis and low-value goods; RMB 5,000 / 26,000 and 70 %
for China's cross-border retail imports)."""

from datetime import date
from decimal import Decimal

import pytest

from customs.models import (
    PositiveListEntry,
    PreferentialRate,
    RegimeParameter,
    TariffLine,
    TariffSchedule,
)
from customs.services.duty import Consignment, Item, TariffError
from customs.services.duty_assessment import assess
from customs.services.tariff_in_force import tariff_line
from tests import factories

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def round_rates_tariff(db):
    """A tariff of round rates, in place of the bundled one (see the module)."""
    lines = [
        # country, hs, duty %, specific, unit, sales tax / VAT %, consumption tax %, from
        ("MY", "090210", "10", "0", "kg", "5", "0", "2024-01-01"),
        ("MY", "220300", "0", "7.00", "kg", "10", "0", "2024-01-01"),
        ("MY", "940490", "20", "0", "kg", "10", "0", "2018-09-01"),
        ("MY", "940490", "20", "0", "kg", "5", "0", "2025-07-01"),  # the 2025 revision
        ("MY", "930100", "0", "0", "kg", "0", "0", "2024-01-01"),
        ("MY", "220830", "10", "0", "kg", "10", "15", "2024-01-01"),  # whisky: excise 15 %
        ("MY", "240220", "0", "0", "kg", "10", "0", "2024-01-01"),  # cigarettes
        ("CN", "330499", "1", "0", "kg", "13", "15", "2024-01-01"),
        ("CN", "090121", "8", "0", "kg", "13", "0", "2024-01-01"),
        ("CN", "62141000", "6", "0", "kg", "13", "0", "2024-01-01"),  # national 8-digit line
        ("CN", "851762", "0", "0", "kg", "13", "0", "2024-01-01"),  # not on the positive list
        ("MY", "640399", "5", "3.00", "kg", "10", "0", "2024-01-01"),  # compound duty
    ]
    schedules = {
        country: TariffSchedule.objects.create(
            country=country,
            edition="fixture",
            version=1,
            legal_source=f"{country} tariff fixture",
            effective_from="2018-01-01",
            sha256=country,
            line_count=0,
        )
        for country in ("MY", "CN")
    }
    cigarettes = {"excise_specific": D("0.40"), "excise_specific_unit": "unit"}
    for country, hs, duty, specific, unit, tax, excise, since in lines:
        TariffLine.objects.create(
            schedule=schedules[country],
            country=country,
            hs_code=hs,
            description=hs,
            effective_from=since,
            legal_source=f"{country} tariff fixture",
            duty_percent=D(duty),
            duty_specific=D(specific),
            duty_specific_unit=unit,
            sales_tax_percent=D(tax),
            excise_percent=D(excise),
            prohibited=hs == "930100",
            **(cigarettes if hs == "240220" else {}),
        )
    PreferentialRate.objects.create(
        schedule=schedules["MY"],
        country="MY",
        hs_code="090210",
        agreement="ACFTA",
        origin_countries="CN",
        duty_percent=0,
        effective_from="2010-01-01",
        legal_source="ACFTA Form E schedule",
    )
    # the Form E the ACFTA cases claim under (ACFTA Operational Certification Procedures):
    # Chinese tea for Malaysia, issued on 15 January 2025, valid for 12 months
    factories.certificate_of_origin(
        "E253000012345", origin="CN", importing="MY", hs_codes=["090210"]
    )
    for country, name, value, since in [
        ("MY", "de_minimis_cif", "500", "2017-01-01"),
        ("MY", "lvg_threshold", "500", "2024-01-01"),
        ("MY", "lvg_rate_percent", "10", "2024-01-01"),
        ("MY", "lvg_excluded_hs", "24 2203 2204 2205 2206 2207 2208 854340 9614", "2024-01-01"),
        ("MY", "de_minimis_excluded_hs", "24 2203 2204 2205 2206 2207 2208", "2017-01-01"),
        ("CN", "cbec_single_limit", "5000", "2019-01-01"),
        ("CN", "cbec_annual_limit", "26000", "2019-01-01"),
        ("CN", "cbec_tax_ratio_percent", "70", "2019-01-01"),
    ]:
        RegimeParameter.objects.create(
            country=country, name=name, value=value, effective_from=since, legal_source=name
        )
    for code in ("3304", "0901"):  # the positive list: beauty preparations and coffee
        PositiveListEntry.objects.create(
            edition="fixture",
            hs_code=code,
            description=code,
            effective_from="2020-01-01",
            legal_source="Positive list fixture (2019 list, MOF et al. Announcement 2019 No. 96)",
        )


def item(hs, value, *, origin="MY", kg="1", quantity=1):
    return Item(hs, hs, origin, quantity, D(kg), D(value))


def consignment(regime, items, **options):
    defaults = {
        "on": date(2025, 3, 1),
        "currency": "MYR" if regime.startswith("MY") else "CNY",
        "exchange_rate": D(1),
    }
    return Consignment(regime=regime, items=items, **(defaults | options))


CASES = [
    # (case and rule, consignment, treatment, {tax: amount})
    (
        "MY general: duty 10% of CIF 860.00; sales tax 5% of 946.00",
        consignment("MY_IMPORT", [item("090210", "800")], freight=D(50), insurance=D(10)),
        "general",
        {"duty": D("86.00"), "sales_tax": D("47.30")},
    ),
    (
        "MY de minimis at exactly RM500 CIF by air courier: no duty; sales tax 5% of 500",
        consignment("MY_IMPORT", [item("090210", "450")], freight=D(40), insurance=D(10)),
        "de_minimis",
        {"duty": D("0.00"), "sales_tax": D("25.00")},
    ),
    (
        "MY one sen over the de minimis: duty 10% of 500.01 = 50.00; tax 5% of 550.011",
        consignment("MY_IMPORT", [item("090210", "450.01")], freight=D(40), insurance=D(10)),
        "general",
        {"duty": D("50.00"), "sales_tax": D("27.50")},
    ),
    (
        "MY low-value goods sold online: LVG 10% of the sale value 300 (freight excluded)",
        consignment(
            "MY_IMPORT",
            [item("090210", "300")],
            freight=D(30),
            sold_online_by_registered_seller=True,
        ),
        "lvg",
        {"duty": D("0.00"), "lvg_sales_tax": D("30.00")},
    ),
    (
        "MY liquor never qualifies for LVG; specific duty 7.00/kg × 2 kg; tax 10% of 114",
        consignment(
            "MY_IMPORT",
            [item("220300", "100", kg="2")],
            air_courier=False,
            sold_online_by_registered_seller=True,
        ),
        "general",  # the treatment shown is the one applied: no LVG line
        {"duty": D("14.00"), "sales_tax": D("11.40")},
    ),
    (
        "MY ACFTA claim with a Form E number: 0% duty for Chinese tea; tax 5% of 860",
        consignment(
            "MY_IMPORT",
            [item("090210", "800", origin="CN")],
            freight=D(50),
            insurance=D(10),
            fta_agreement="ACFTA",
            fta_certificate="E253000012345",
        ),
        "general",
        {"duty": D("0.00"), "sales_tax": D("43.00")},
    ),
    (
        "MY ACFTA rate is for Chinese origin only: Malaysian-origin tea pays MFN 10%",
        consignment(
            "MY_IMPORT",
            [item("090210", "800", origin="MY")],
            freight=D(50),
            insurance=D(10),
            fta_agreement="ACFTA",
            fta_certificate="E253000012345",
        ),
        "general",
        {"duty": D("86.00"), "sales_tax": D("47.30")},
    ),
    (
        "MY value in CNY at the customs rate 0.65: CIF 650.00; duty 65.00; tax 5% of 715",
        consignment("MY_IMPORT", [item("090210", "1000")], currency="CNY", exchange_rate=D("0.65")),
        "general",
        {"duty": D("65.00"), "sales_tax": D("35.75")},
    ),
    (
        "MY sales tax before the 1 July 2025 revision: 10% of 1200",
        consignment("MY_IMPORT", [item("940490", "1000")], on=date(2025, 6, 30)),
        "general",
        {"duty": D("200.00"), "sales_tax": D("120.00")},
    ),
    (
        "MY sales tax from the 1 July 2025 revision: 5% of 1200",
        consignment("MY_IMPORT", [item("940490", "1000")], on=date(2025, 7, 1)),
        "general",
        {"duty": D("200.00"), "sales_tax": D("60.00")},
    ),
    (
        "CN CBEC within the limits: no duty; CT 70% of 1000/0.85×15%; VAT 70% of 13% of 1176.47",
        consignment("CN_CBEC_IMPORT", [item("330499", "1000")]),
        "cbec",
        {"duty": D("0.00"), "consumption_tax": D("123.53"), "vat": D("107.06")},
    ),
    (
        "CN CBEC coffee within the limits: VAT 70% of 13% of 1000",
        consignment("CN_CBEC_IMPORT", [item("090121", "1000")]),
        "cbec",
        {"duty": D("0.00"), "vat": D("91.00")},
    ),
    (
        "CN over the RMB 5,000 single limit: general trade in full (duty 1%, CT, VAT)",
        consignment("CN_CBEC_IMPORT", [item("330499", "5000.01")]),
        "general",
        {"duty": D("50.00"), "consumption_tax": D("891.18"), "vat": D("772.35")},
    ),
    (
        "CN crossing the RMB 26,000 annual limit (25,500 + 1,000): general trade in full",
        consignment("CN_CBEC_IMPORT", [item("090121", "1000")], buyer_annual_total=D(25500)),
        "general",
        {"duty": D("80.00"), "vat": D("140.40")},
    ),
    (
        "CN general import on the national 8-digit line 62141000: duty 6%, VAT 13% of 2120",
        consignment("CN_IMPORT", [item("62141000", "2000")]),
        "general",
        {"duty": D("120.00"), "vat": D("275.60")},
    ),
    (
        "MY export of ordinary goods: no duty",
        consignment("MY_EXPORT", [item("090210", "800")]),
        "export",
        {},
    ),
    (
        "MY excise (Excise Act 1976): whisky CIF 1000; duty 10% = 100; excise 15% of CIF + "
        "duty 1100 = 165; sales tax 10% of CIF + duty + excise 1265 (Sales Tax Act 2018 s. 9)",
        consignment("MY_IMPORT", [item("220830", "1000")], air_courier=False),
        "general",
        {"duty": D("100.00"), "excise": D("165.00"), "sales_tax": D("126.50")},
    ),
    (
        "MY de minimis refused for liquor (Customs Duties (Exemption) Order 2017): whisky "
        "CIF 200 by air courier pays duty 20, excise 15% of 220 = 33, tax 10% of 253",
        consignment("MY_IMPORT", [item("220830", "200")]),
        "general",
        {"duty": D("20.00"), "excise": D("33.00"), "sales_tax": D("25.30")},
    ),
    (
        "MY de minimis and liquor in one consignment: the tea is relieved of duty, the whisky "
        "not; tea tax 5% of 100, whisky duty 10, excise 15% of 110, tax 10% of 126.50",
        consignment("MY_IMPORT", [item("090210", "100"), item("220830", "100")]),
        "de_minimis",
        {"duty": D("10.00"), "excise": D("16.50"), "sales_tax": D("17.65")},
    ),
    (
        "MY specific excise per unit (Excise Duties Order 2017): 200 cigarettes at 0.40 a "
        "stick = 80.00; no courier relief for tobacco; tax 10% of CIF + duty + excise 180.00",
        consignment("MY_IMPORT", [item("240220", "100", quantity=200)]),
        "general",
        {"duty": D("0.00"), "excise": D("80.00"), "sales_tax": D("18.00")},
    ),
    (
        "MY compound duty (Customs Duties Order 2022: ad valorem plus specific): leather shoes "
        "CIF 200, 2 kg: 5% = 10.00 + 3.00/kg × 2 = 6.00 → 16.00; sales tax 10% of 216",
        consignment("MY_IMPORT", [item("640399", "200", kg="2")], air_courier=False),
        "general",
        {"duty": D("16.00"), "sales_tax": D("21.60")},
    ),
    (
        "MY LVG only for a registered seller (Sales Tax Act 2018 Part VA): the same RM300 sale "
        "by an unregistered seller takes the courier de minimis; sales tax 5% of CIF 330",
        consignment("MY_IMPORT", [item("090210", "300")], freight=D(30)),
        "de_minimis",
        {"duty": D("0.00"), "sales_tax": D("16.50")},
    ),
    (
        "MY CIF from its parts (Customs Act 1967 s. 142, Customs (Rules of Valuation) "
        "Regulations 1999): FOB 480 + freight 24.00 + insurance 2.52 = 506.52, over the "
        "de minimis only with them: duty 10% = 50.65; sales tax 5% of 557.17 = 27.86",
        consignment("MY_IMPORT", [item("090210", "480")], freight=D("24.00"), insurance=D("2.52")),
        "general",
        {"duty": D("50.65"), "sales_tax": D("27.86")},
    ),
    (
        "CN positive list (2019 list, MOF et al. Announcement 2019 No. 96): a phone is not on "
        "it, so no retail regime: general trade, duty 0%, VAT 13% of 1000",
        consignment("CN_CBEC_IMPORT", [item("851762", "1000")]),
        "general",
        {"duty": D("0.00"), "vat": D("130.00")},
    ),
    (
        "CN positive list: one unlisted item takes the whole transaction out of the retail "
        "regime: coffee duty 8% = 80, VAT 13% of 1080; phone VAT 13% of 1000",
        consignment("CN_CBEC_IMPORT", [item("090121", "1000"), item("851762", "1000")]),
        "general",
        {"duty": D("80.00"), "vat": D("270.40")},
    ),
    (
        "Form E refused for a failed value-content test (ACFTA Rules of Origin, Rule 4: RVC = "
        "(1000 − 650) ÷ 1000 = 35 % < 40 %, so no certificate): the Chinese tea declared "
        "without the claim pays MFN 10% of CIF 860 = 86.00; sales tax 5% of 946",
        consignment(
            "MY_IMPORT", [item("090210", "800", origin="CN")], freight=D(50), insurance=D(10)
        ),
        "general",
        {"duty": D("86.00"), "sales_tax": D("47.30")},
    ),
]


@pytest.mark.parametrize(
    ("case", "goods", "treatment", "totals"), CASES, ids=[c[0][:60] for c in CASES]
)
def test_duty_and_tax_cases(case, goods, treatment, totals):
    assessment = assess(goods)
    assert assessment.treatment == treatment, case
    assert assessment.totals == totals, case
    assert assessment.total == sum(totals.values(), D(0))
    for line in assessment.lines:
        assert line.rule and line.legal_source and line.amount == line.amount.quantize(D("0.01"))


def test_every_line_explains_itself():
    assessment = assess(CASES[0][1])
    duty, tax = assessment.lines
    assert (duty.base, duty.rate, duty.rule) == (D("860.00"), "10%", "MFN ad valorem on CIF")
    assert (tax.base, tax.rate) == (D("946.00"), "5%")
    cbec = assess(CASES[10][1])
    assert cbec.lines[1].rate == "70% of 15%"


@pytest.mark.parametrize(
    ("goods", "code", "field"),
    [
        (consignment("MY_IMPORT", [item("010101", "10")]), "hs_unknown", "hs_code"),
        (consignment("MY_IMPORT", [item("930100", "10")]), "goods_prohibited", "items.0.hs_code"),
        (
            consignment("MY_IMPORT", [item("090210", "800", origin="CN")], fta_agreement="ACFTA"),
            "certificate_missing",
            "fta_certificate",
        ),
        (  # ACFTA: ASEAN members and China only (Agreement on Trade in Goods, 2004)
            consignment(
                "MY_IMPORT",
                [item("090210", "800", origin="US")],
                fta_agreement="ACFTA",
                fta_certificate="E2026MY0001",
            ),
            "origin_not_party",
            "items.0.origin",
        ),
        (  # Form E refused for a non-party origin: a real certificate cannot make Japanese
            # tea ACFTA-originating (Agreement on Trade in Goods, 2004; ACFTA ROO Rule 1(a))
            consignment(
                "MY_IMPORT",
                [item("090210", "800", origin="JP")],
                fta_agreement="ACFTA",
                fta_certificate="E253000012345",
            ),
            "origin_not_party",
            "items.0.origin",
        ),
        (  # Form E refused for a failed value-content test: RVC 35 % < 40 % (ACFTA ROO
            # Rule 4), so no certificate was issued and the number is not in the register
            consignment(
                "MY_IMPORT",
                [item("090210", "800", origin="CN")],
                fta_agreement="ACFTA",
                fta_certificate="E25CN000099",
            ),
            "certificate_not_valid",
            "fta_certificate",
        ),
        (  # Form E valid 12 months from issue (ACFTA Operational Certification Procedures):
            # issued 15 January 2025, expired for goods declared on 15 January 2026
            consignment(
                "MY_IMPORT",
                [item("090210", "800", origin="CN")],
                on=date(2026, 1, 15),
                fta_agreement="ACFTA",
                fta_certificate="E253000012345",
            ),
            "certificate_not_valid",
            "fta_certificate",
        ),
    ],
)
def test_what_cannot_be_assessed_is_a_clear_error(goods, code, field):
    with pytest.raises(TariffError) as refused:
        assess(goods)
    assert (refused.value.code, refused.value.extra.get("field")) == (code, field)


def test_a_multi_item_consignment_shares_freight_by_value():
    goods = consignment("MY_IMPORT", [item("090210", "600"), item("940490", "400")], freight=D(100))
    assessment = assess(goods)
    bases = [line.base for line in assessment.lines if line.tax == "duty"]
    assert bases == [D("660.00"), D("440.00")]


def test_a_national_code_falls_back_to_its_subheading():
    assert tariff_line("CN", "3304990099", date(2025, 1, 1)).hs_code == "330499"
    assert tariff_line("CN", "62141000", date(2025, 1, 1)).hs_code == "62141000"
