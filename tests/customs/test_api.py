"""Declarations and duty quotes over the API, as an SME's system and a sales channel call
them: field errors for malformed input (never a 500), the SME's declarations only, and the
same number of queries whatever the length of the list."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customs.models import CustomsExchangeRate, Declaration, TariffLine
from customs.services.clearance import declaration_process
from ewtp.common.rate_age import target_business_day_latest
from hubs.services.organizations import organization_api_client_create
from tests import factories
from tests.conftest import issue_token

from .support import SCARF_ITEM

pytestmark = pytest.mark.django_db

EXPORT = {
    "regime": "MY_EXPORT",
    "hub": "KUL",
    "importer": "Hangzhou Tea House Co., Ltd.",
    "currency": "MYR",
    "waybill": "KUL100000017",
    "items": [SCARF_ITEM],
}


@pytest.fixture
def two_sellers(kul, customs_rates):
    """Two KUL sellers with an owner each, the customs rates of the day derived."""
    seller = factories.SellerFactory(home_hub=kul)
    owner = factories.member(seller)
    other = factories.SellerFactory(home_hub=kul)
    return {
        "seller": seller,
        "owner": owner,
        "other": other,
        "other_owner": factories.member(other),
    }


def bearer(api, organization, user):
    credentials = organization_api_client_create(organization=organization, name="ERP", actor=user)
    token = issue_token(api, credentials).json()["access_token"]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_customs_rates_come_from_the_reference_rates_through_the_pipeline(two_sellers):
    rate = CustomsExchangeRate.objects.filter(country="CN", currency="MYR").latest("valid_from")
    # CNY per MYR = CNY per EUR ÷ MYR per EUR: the ECB's values of 2026-04-13, dated the
    # tests' latest business day (tests/fx_rates.py)
    assert rate.rate == (Decimal("7.9827") / Decimal("4.6444")).quantize(Decimal("1e-10"))
    assert rate.valid_from == target_business_day_latest(timezone.localdate())
    assert rate.source == "ECB-TEST reference"


def test_an_sme_files_and_submits_a_declaration_and_reads_its_result(
    api, two_sellers, django_capture_on_commit_callbacks
):
    auth = bearer(api, two_sellers["seller"], two_sellers["owner"])
    created = api.post("/api/v1/declarations/", EXPORT, format="json", **auth)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["exporter"]) == ("draft", two_sellers["seller"].legal_name)
    assert (body["exchange_rate"], body["exchange_rate_source"]) == ("1.0000000000", "identity")
    reference = body["reference"]
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs the steps
        submitted = api.post(f"/api/v1/declarations/{reference}/submit", **auth)
    assert submitted.status_code == 202, submitted.content
    assert submitted.json()["status"] == "submitted"
    result = api.get(f"/api/v1/declarations/{reference}", **auth).json()
    assert result["status"] == "released"
    assert result["treatment"] == "export" and result["lane"] in ("green", "blue")
    assert [t["to_status"] for t in result["transitions"]] == [
        "draft",
        "submitted",
        "assessed",
        "lane",
        "released",
    ]
    other = bearer(api, two_sellers["other"], two_sellers["other_owner"])
    assert api.get(f"/api/v1/declarations/{reference}", **other).status_code == 404


def test_a_foreign_currency_is_converted_at_the_customs_rate_of_the_day(api, two_sellers):
    auth = bearer(api, two_sellers["seller"], two_sellers["owner"])
    body = {
        **EXPORT,
        "regime": "CN_CBEC_IMPORT",
        "hub": "HGH",
        "currency": "MYR",
        "importer": "Chen Jing",
        "importer_id_reference": "11010519491231002X",
        # neither is the declarant's to choose: ignored
        "exchange_rate": "0.0001",
        "declared_on": "2025-01-02",
    }
    created = api.post("/api/v1/declarations/", body, format="json", **auth)
    assert created.status_code == 201, created.content
    assert created.json()["exchange_rate"] == "1.7187796055"  # 7.9827 / 4.6444
    assert created.json()["declared_on"] == str(timezone.localdate())
    day = target_business_day_latest(timezone.localdate())
    assert created.json()["exchange_rate_source"] == f"ECB-TEST reference {day}"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"regime": "XX"}, "regime"),
        ({"hub": "Z1"}, "hub"),
        ({"regime": "CN_EXPORT"}, "hub"),
        ({"currency": "myr1"}, "currency"),
        ({"currency": "XAU"}, "currency"),
        ({"items": []}, "items"),
        ({"items": "scarf"}, "items"),
        ({"items": [{**SCARF_ITEM, "hs_code": "9999"}]}, "items.0.hs_code"),
        ({"items": [{**SCARF_ITEM, "hs_code": "999999"}]}, "items.0.hs_code"),
        ({"items": [{**SCARF_ITEM, "value": "0"}]}, "items.0.value"),
        ({"items": [{**SCARF_ITEM, "value": "NaN"}]}, "items.0.value"),
        ({"items": [{**SCARF_ITEM, "net_weight_kg": None}]}, "items.0.net_weight_kg"),
        ({"items": [{**SCARF_ITEM, "origin": ""}]}, "items.0.origin"),
        ({"items": [{**SCARF_ITEM, "quantity": -1}]}, "items.0.quantity"),
        ({"fta_agreement": "ACFTA"}, "fta_certificate"),
        ({"order": "NOPE"}, "order"),
        ({"freight": "1e400"}, "freight"),
    ],
)
def test_malformed_declarations_get_field_errors_and_change_nothing(
    api, two_sellers, change, field
):
    auth = bearer(api, two_sellers["seller"], two_sellers["owner"])
    response = api.post("/api/v1/declarations/", {**EXPORT, **change}, format="json", **auth)
    assert response.status_code == 400, response.content
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not Declaration.objects.exists()


def test_amend_and_cancel_over_the_api(api, two_sellers):
    auth = bearer(api, two_sellers["seller"], two_sellers["owner"])
    reference = api.post("/api/v1/declarations/", EXPORT, format="json", **auth).json()["reference"]
    cancelled = api.post(
        f"/api/v1/declarations/{reference}/cancel",
        {"reason": "Order cancelled"},
        format="json",
        **auth,
    )
    assert cancelled.json()["status"] == "cancelled"
    again = api.post(f"/api/v1/declarations/{reference}/submit", **auth)
    assert again.status_code == 409 and again.json()["code"] == "declaration_transition"
    amend = api.post(
        f"/api/v1/declarations/{reference}/amend",
        {"reason": "x", "items": [SCARF_ITEM]},
        format="json",
        **auth,
    )
    assert amend.status_code == 409


def test_the_list_costs_the_same_queries_whatever_its_length(api, two_sellers):
    auth = bearer(api, two_sellers["seller"], two_sellers["owner"])

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = api.get("/api/v1/declarations/", **auth)
        assert response.status_code == 200
        return len(captured), len(response.json()["results"])

    api.post("/api/v1/declarations/", EXPORT, format="json", **auth)
    few, one = count()
    for _ in range(5):
        created = api.post("/api/v1/declarations/", EXPORT, format="json", **auth).json()
        api.post(f"/api/v1/declarations/{created['reference']}/submit", **auth)
        declaration_process(
            declaration_id=Declaration.objects.get(reference=created["reference"]).pk
        )
    many, six = count()
    assert (one, six) == (1, 6)
    assert many == few
    bad = api.get("/api/v1/declarations/?status=lost", **auth)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "status"


def test_a_channel_reads_the_declarations_of_its_orders_but_files_none(api, two_sellers):
    channel = factories.api_client(
        kind="channel", name="Shop", scopes=["customs:read", "customs:write", "customs:quote"]
    )
    token = issue_token(api, channel).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert api.get("/api/v1/declarations/", **auth).json()["results"] == []
    refused = api.post("/api/v1/declarations/", EXPORT, format="json", **auth)
    assert refused.status_code == 403


def test_a_duty_quote_for_a_channels_checkout(api, two_sellers):
    channel = factories.api_client(kind="channel", name="Shop", scopes=["customs:quote"])
    token = issue_token(api, channel).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    quote = {"destination_hub": "HGH", "currency": "CNY", "items": [SCARF_ITEM]}
    response = api.post("/api/v1/duty-quotes", quote, format="json", **auth)
    assert response.status_code == 200, response.content
    body = response.json()
    # CBEC within limits: duty 0, VAT 70 % of 13 % of 180.00 = 16.38 (as the declaration)
    assert (body["regime"], body["treatment"]) == ("CN_CBEC_IMPORT", "cbec")
    assert body["total_tax"] == "16.38" and body["total_tax_in_currency"] == "16.38"
    assert [(line["tax"], line["amount"]) for line in body["lines"]] == [
        ("duty", "0.00"),
        ("vat", "16.38"),
    ]
    in_ringgit = api.post(
        "/api/v1/duty-quotes", {**quote, "currency": "MYR"}, format="json", **auth
    ).json()
    assert Decimal(in_ringgit["total_tax"]) > Decimal("16.38")  # 180 MYR is more CNY
    for change, field, status in [
        ({"destination_hub": "XXX"}, "destination_hub", 404),
        ({"destination_hub": "X1"}, "destination_hub", 400),
        ({"regime": "MY_IMPORT"}, "regime", 400),
        ({"currency": "ZZZ"}, "currency", 400),
        ({"items": [{**SCARF_ITEM, "hs_code": "123456"}]}, "items.0.hs_code", 400),
    ]:
        bad = api.post("/api/v1/duty-quotes", {**quote, **change}, format="json", **auth)
        assert bad.status_code == status, (change, bad.content)
        assert field in [e["field"] for e in bad.json()["errors"]]
    assert not Declaration.objects.exists()
    TariffLine.objects.filter(country="CN", hs_code__in=["61", "6109"]).delete()
    TariffLine.objects.filter(country="CN", hs_code__startswith="6109").delete()
    tshirts = {**quote, "items": [{**SCARF_ITEM, "hs_code": "610910"}]}
    unquoted = api.post("/api/v1/duty-quotes", tshirts, format="json", **auth)
    assert unquoted.status_code == 400, unquoted.content
    assert unquoted.json()["code"] == "quote_unavailable"
    assert unquoted.json()["errors"][0]["field"] == "items.0.hs_code"
    assert "classifies the goods when they arrive" in unquoted.json()["detail"]


def test_a_platform_submits_a_batch_all_or_none(
    api, two_sellers, django_capture_on_commit_callbacks
):
    auth = bearer(api, two_sellers["seller"], two_sellers["owner"])
    refs = [
        api.post("/api/v1/declarations/", EXPORT, format="json", **auth).json()["reference"]
        for _ in range(3)
    ]
    api.post(f"/api/v1/declarations/{refs[2]}/cancel", {"reason": "x"}, format="json", **auth)
    refused = api.post("/api/v1/declarations/submit", {"references": refs}, format="json", **auth)
    assert refused.status_code == 409 and refs[2] in refused.json()["detail"]
    assert Declaration.objects.filter(status="submitted").count() == 0  # none of them
    unknown = api.post(
        "/api/v1/declarations/submit",
        {"references": [refs[0], "DKULNOPE"]},
        format="json",
        **auth,
    )
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["field"] == "references.1"
    with django_capture_on_commit_callbacks(execute=True):
        accepted = api.post(
            "/api/v1/declarations/submit", {"references": refs[:2]}, format="json", **auth
        )
    assert accepted.status_code == 202 and accepted.json()["submitted"] == 2
    assert set(
        Declaration.objects.filter(reference__in=refs[:2]).values_list("status", flat=True)
    ) == {"released"}
    again = api.post("/api/v1/declarations/submit", {"references": refs[:2]}, format="json", **auth)
    assert again.status_code == 202 and again.json()["submitted"] == 0  # a retry: no-op


def test_what_the_declarant_sees_leaves_out_the_risk_rules_and_the_officers_name(
    api, two_sellers, kul, django_capture_on_commit_callbacks
):
    from customs.models import WatchListEntry
    from customs.services.decisions import declaration_decide
    from hubs.models import User

    WatchListEntry.objects.create(name=EXPORT["importer"], reason="earlier seizure")
    auth = bearer(api, two_sellers["seller"], two_sellers["owner"])
    reference = api.post("/api/v1/declarations/", EXPORT, format="json", **auth).json()["reference"]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/declarations/{reference}/submit", **auth)
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul, email="k@customs.my"
    )
    declaration_decide(
        declaration=Declaration.objects.get(reference=reference),
        decision="hold",
        reason="Bring the certificate of origin.",
        actor=officer,
    )
    body = api.get(f"/api/v1/declarations/{reference}", **auth).json()
    steps = {t["to_status"]: t for t in body["transitions"]}
    assert steps["lane"]["reason"] == "Red: physical inspection"
    assert steps["held"] == {
        **steps["held"],
        "by": "Customs KUL",
        "reason": "Bring the certificate of origin.",
    }
    text = str(body)
    assert "watch" not in text and "score" not in text and "k@customs.my" not in text
    full = Declaration.objects.get(reference=reference).transitions.get(to_status="lane")
    assert "watch_list" in full.reason  # the officers' record keeps it


def test_a_consignment_too_large_for_any_column_is_refused_up_front(api, two_sellers):
    auth = bearer(api, two_sellers["seller"], two_sellers["owner"])
    huge = {**EXPORT, "items": [{**SCARF_ITEM, "value": "99999999.00"}] * 200}
    response = api.post("/api/v1/declarations/", huge, format="json", **auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "items"


def test_one_live_declaration_per_order_and_regime(api, two_sellers, hgh):
    from tests import ledger

    order = ledger.placed_order(destination_hub=hgh)
    auth = bearer(api, order.seller, factories.member(order.seller))
    body = {**EXPORT, "order": order.reference}
    first = api.post("/api/v1/declarations/", body, format="json", **auth)
    assert first.status_code == 201, first.content
    second = api.post("/api/v1/declarations/", body, format="json", **auth)
    assert second.status_code == 409
    assert second.json()["errors"][0]["field"] == "order"
    api.post(
        f"/api/v1/declarations/{first.json()['reference']}/cancel",
        {"reason": "redo"},
        format="json",
        **auth,
    )
    assert api.post("/api/v1/declarations/", body, format="json", **auth).status_code == 201


def test_amending_a_draft_keeps_it_a_draft(api, two_sellers):
    auth = bearer(api, two_sellers["seller"], two_sellers["owner"])
    reference = api.post("/api/v1/declarations/", EXPORT, format="json", **auth).json()["reference"]
    amended = api.post(
        f"/api/v1/declarations/{reference}/amend",
        {"reason": "weight", "items": [{**SCARF_ITEM, "net_weight_kg": "0.500"}]},
        format="json",
        **auth,
    )
    assert amended.status_code == 200, amended.content
    assert amended.json()["status"] == "draft"
    assert amended.json()["items"][0]["net_weight_kg"] == "0.500"


ODD_VALUES = [None, "", "x" * 300, -1, 0, 1.5, "1e400", "NaN", [], {}, [None], True, "٣"]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_values_in_any_field_are_400s_never_500s(api, two_sellers, value):
    auth = bearer(api, two_sellers["seller"], two_sellers["owner"])
    quote = {"destination_hub": "HGH", "currency": "CNY", "items": [SCARF_ITEM]}
    for field in [*EXPORT, "order", "incoterm", "freight", "fta_agreement", "air_courier"]:
        response = api.post(
            "/api/v1/declarations/", {**EXPORT, field: value}, format="json", **auth
        )
        # 404: a well-formed hub or order reference that names none of the caller's
        assert response.status_code in (201, 400, 404, 409), (field, value, response.content)
    for field in SCARF_ITEM:
        body = {**EXPORT, "items": [{**SCARF_ITEM, field: value}]}
        response = api.post("/api/v1/declarations/", body, format="json", **auth)
        assert response.status_code in (201, 400), (field, value, response.content)
        response = api.post(
            "/api/v1/duty-quotes",
            {**quote, "items": [{**SCARF_ITEM, field: value}]},
            format="json",
            **auth,
        )
        assert response.status_code in (200, 400, 403), (field, value, response.content)
    for field in quote:
        response = api.post("/api/v1/duty-quotes", {**quote, field: value}, format="json", **auth)
        assert response.status_code in (200, 400, 403, 404), (field, value, response.content)
    response = api.post("/api/v1/declarations/submit", {"references": value}, format="json", **auth)
    assert response.status_code == 400, (value, response.content)
