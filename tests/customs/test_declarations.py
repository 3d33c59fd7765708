"""Declarations: validated with a reason per field, submitted and assessed by the engine,
amended and assessed again, cancelled; every change recorded."""

from datetime import date
from decimal import Decimal

import pytest

from customs.models import AssessmentLine, CbecAnnualTotal, Declaration, WatchListEntry
from customs.services.filing import (
    DeclarationRequest,
    ItemRequest,
    declaration_amend,
    declaration_cancel,
    declaration_create,
    declaration_submit,
)
from customs.services.parties import buyer_key
from ewtp.common.errors import ApplicationError, ConflictError

from .support import submit_and_process

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tariff")]
D = Decimal


def scarf(**changes):
    values = {
        "hs_code": "621410",
        "description": "Batik silk scarf",
        "origin": "MY",
        "quantity": 2,
        "net_weight_kg": D("0.300"),
        "value": D("180.00"),
    }
    return ItemRequest(**(values | changes))


def request(hgh, **changes):
    values = {
        "regime": "CN_CBEC_IMPORT",
        "hub": hgh,
        "exporter": "Batik Nusantara Sdn. Bhd.",
        "importer": "Chen Jing",
        "importer_id_reference": "11010519491231002X",
        "declarant": "eWTP Hub HGH",
        "currency": "CNY",
        "exchange_rate": D("1"),
        "exchange_rate_source": "identity",
        "declared_on": date(2026, 3, 2),
        "items": [scarf()],
    }
    return DeclarationRequest(**(values | changes))


def test_create_submit_and_assess(hgh):
    declaration = declaration_create(request=request(hgh), actor_label="pipeline")
    declaration = submit_and_process(declaration, "pipeline")
    assert declaration.treatment == "cbec"
    lines = list(declaration.assessment_lines.values_list("tax", "amount"))
    # VAT 70% of 13% of 180.00 = 16.38; duty 0 within the limits
    assert lines == [("duty", D("0.00")), ("vat", D("16.38"))]
    assert declaration.total_tax == D("16.38")
    history = list(declaration.transitions.values_list("from_status", "to_status"))
    assert history[:3] == [("", "draft"), ("draft", "submitted"), ("submitted", "assessed")]
    assert history[3] == ("assessed", "lane")


def test_the_buyers_annual_total_decides_cbec_or_general(hgh):
    CbecAnnualTotal.objects.create(
        buyer_key=buyer_key("11010519491231002X"), year=2026, total_minor=2_590_000
    )
    declaration = submit_and_process(declaration_create(request=request(hgh), actor_label="t"))
    assert declaration.treatment == "general"  # 25,900 + 180 passes RMB 26,000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"items": [scarf(hs_code="999999")]}, "items.0.hs_code"),
        ({"items": [scarf(hs_code="62A410")]}, "items.0.hs_code"),
        ({"items": [scarf(origin="")]}, "items.0.origin"),
        ({"items": [scarf(value=D("0"))]}, "items.0.value"),
        ({"items": [scarf(net_weight_kg=None)]}, "items.0.net_weight_kg"),
        ({"items": []}, "items"),
        ({"fta_agreement": "ACFTA", "fta_certificate": ""}, "fta_certificate"),
        ({"importer_id_reference": ""}, "importer_id_reference"),
        ({"regime": "MY_IMPORT"}, "hub"),
        ({"exchange_rate": D("0")}, "exchange_rate"),
        ({"importer": " "}, "importer"),
    ],
)
def test_bad_declarations_say_which_field_and_create_nothing(hgh, changes, field):
    with pytest.raises(ApplicationError) as refused:
        declaration_create(request=request(hgh, **changes), actor_label="t")
    assert refused.value.extra["field"] == field
    assert not Declaration.objects.exists()


def test_an_amendment_is_assessed_again_and_recorded(hgh):
    WatchListEntry.objects.create(name="Chen Jing", reason="earlier seizure")  # stays in a lane
    declaration = submit_and_process(declaration_create(request=request(hgh), actor_label="t"))
    with pytest.raises(ApplicationError):
        declaration_amend(declaration=declaration, items=[scarf()], reason="", actor_label="t")
    declaration = declaration_amend(
        declaration=declaration,
        items=[scarf(net_weight_kg=D("0.900"), value=D("360.00"))],
        reason="Weighed 0.9 kg at the hub; two more scarves found",
        actor_label="customs.hgh",
    )
    assert declaration.total_tax == D("32.76")
    assert AssessmentLine.objects.filter(declaration=declaration).count() == 2
    assert declaration.transitions.filter(reason__startswith="Amended").exists()


def test_cancel_and_illegal_moves(hgh):
    declaration = declaration_create(request=request(hgh), actor_label="t")
    declaration = declaration_cancel(
        declaration=declaration, reason="Order cancelled", actor_label="t"
    )
    with pytest.raises(ConflictError):
        declaration_submit(declaration=declaration, actor_label="t")


def test_a_malaysian_export_is_assessed_without_duty(kul):
    declaration = declaration_create(
        request=request(
            kul,
            regime="MY_EXPORT",
            importer_id_reference="",
            currency="MYR",
            items=[scarf(value=D("89.90"))],
        ),
        actor_label="t",
    )
    declaration = submit_and_process(declaration)
    assert (declaration.treatment, declaration.total_tax) == ("export", D("0"))


def test_a_preferential_claim_for_goods_of_a_non_party_is_refused_at_filing(hgh):
    with pytest.raises(ApplicationError) as refused:
        declaration_create(
            request=request(
                hgh,
                regime="CN_IMPORT",
                importer_id_reference="",
                fta_agreement="ACFTA",
                fta_certificate="E2026MY0001",
                items=[scarf(origin="US")],
            ),
            actor_label="t",
        )
    assert (refused.value.code, refused.value.extra["field"]) == (
        "origin_not_party",
        "items.0.origin",
    )
    assert "Agreement on Trade in Goods" in refused.value.message
