"""The duty engine over plain inputs, without a database: each case gives the consignment
and what the engine reads (lines, parameters, the register's and the positive list's
answers) and checks the taxes, so the rules run in milliseconds. The tests are not marked
for the database: a query from the engine would fail them."""

from datetime import date
from decimal import Decimal

import pytest

from customs.models import PreferentialRate, RegimeParameter, TariffLine
from customs.services.certificates import CertificateCheck
from customs.services.duty import Consignment, DutyInputs, Item, TariffError
from customs.services.duty_assessment import duty_assess
from customs.services.positive_list import ListCheck
from ewtp.common.errors import ApplicationError

D = Decimal
ON = date(2025, 3, 1)


def line(hs, duty, tax) -> TariffLine:
    """An unsaved line: the engine reads its rates, nothing else."""
    return TariffLine(
        hs_code=hs, legal_source="tariff", duty_percent=D(duty), sales_tax_percent=D(tax)
    )


def parameters(country, **values) -> dict:
    return {
        name: RegimeParameter(country=country, name=name, value=value, legal_source=name)
        for name, value in values.items()
    }


MY = parameters(
    "MY",
    de_minimis_cif="500",
    lvg_threshold="500",
    lvg_rate_percent="10",
    lvg_excluded_hs="24 2203",
    de_minimis_excluded_hs="24 2203",
)
CN = parameters(
    "CN", cbec_single_limit="5000", cbec_annual_limit="26000", cbec_tax_ratio_percent="70"
)
LISTED = ListCheck(True, None, "positive list")
TEA = line("090210", "10", "5")
ACFTA_TEA = PreferentialRate(
    country="MY",
    hs_code="090210",
    agreement="ACFTA",
    origin_countries="CN",
    duty_percent=D(0),
    legal_source="ACFTA schedule",
)


def claimed(certificate: CertificateCheck) -> DutyInputs:
    """Chinese tea claimed under ACFTA, with the register's answer for its certificate."""
    return DutyInputs(
        [TEA],
        MY,
        parties=frozenset({"CN", "MY"}),
        preferential_rates={0: [ACFTA_TEA]},
        certificates={0: certificate},
    )


def claim(value="800"):
    return consignment(
        "MY_IMPORT",
        value,
        origin="CN",
        air_courier=False,
        fta_agreement="ACFTA",
        fta_certificate="E1",
    )


def consignment(regime, value, **options) -> Consignment:
    items = [Item("090210", "goods", options.pop("origin", "MY"), 1, D(1), D(value))]
    return Consignment(
        regime=regime, on=ON, currency="X", exchange_rate=D(1), items=items, **options
    )


CASES = [
    # (case, consignment, inputs, treatment, {tax: amount})
    (
        "MY general, not by courier: duty 10% of 800; sales tax 5% of 880",
        consignment("MY_IMPORT", "800", air_courier=False),
        DutyInputs([TEA], MY),
        "general",
        {"duty": D("80.00"), "sales_tax": D("44.00")},
    ),
    (
        "MY de minimis by courier within RM500: no duty; sales tax 5% of 400",
        consignment("MY_IMPORT", "400"),
        DutyInputs([TEA], MY),
        "de_minimis",
        {"duty": D("0.00"), "sales_tax": D("20.00")},
    ),
    (
        "MY ACFTA rate granted against a certificate that verifies: 0% duty",
        claim(),
        claimed(CertificateCheck(True, "covers the goods")),
        "general",
        {"duty": D("0.00"), "sales_tax": D("40.00")},
    ),
    (
        "CN retail within the limits: no duty; VAT at 70% of 13% of 100",
        consignment("CN_CBEC_IMPORT", "100"),
        DutyInputs([line("09021000", "8", "13")], CN, positive_list={0: LISTED}),
        "cbec",
        {"duty": D("0.00"), "vat": D("9.10")},
    ),
    (
        "CN retail goods off the list: general trade, duty 8% and VAT 13% of 108",
        consignment("CN_CBEC_IMPORT", "100"),
        DutyInputs(
            [line("09021000", "8", "13")],
            CN,
            positive_list={0: ListCheck(False, None, "positive list")},
        ),
        "general",
        {"duty": D("8.00"), "vat": D("14.04")},
    ),
]


@pytest.mark.parametrize(
    ("goods", "inputs", "treatment", "taxes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_engine_computes_from_its_inputs_alone(goods, inputs, treatment, taxes):
    assessment = duty_assess(goods, inputs)
    assert assessment.treatment == treatment
    assert assessment.totals == taxes


def test_a_parameter_not_in_force_is_refused_where_the_regime_needs_it():
    with pytest.raises(TariffError) as refused:
        duty_assess(consignment("MY_IMPORT", "100"), DutyInputs([TEA], {}))
    assert refused.value.code == "regime_parameter_missing"


def test_retail_without_a_positive_list_in_force_is_refused():
    inputs = DutyInputs([line("09021000", "8", "13")], CN, positive_list={0: None})
    with pytest.raises(ApplicationError) as refused:
        duty_assess(consignment("CN_CBEC_IMPORT", "100"), inputs)
    assert refused.value.code == "regime_parameter_missing"


def test_a_certificate_that_does_not_verify_refuses_the_claim():
    with pytest.raises(TariffError) as refused:
        duty_assess(claim(), claimed(CertificateCheck(False, "Certificate E1 was revoked.")))
    assert refused.value.code == "certificate_not_valid"
