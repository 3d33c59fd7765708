"""Certificates of origin (ACFTA Form E): the exporter's origin declaration checked against
the ACFTA Rules of Origin (Rule 4's 40 % regional value content, the change in tariff
heading, goods wholly obtained), the certificate issued by the origin hub's officers with
its number and PDF, revoked, and verified at import by the duty engine and on the
declaration's page. Figures computed by hand in each test."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from customs.certificates import certificate_pdf
from customs.models import CertificateOfOrigin, OriginDeclaration, PreferentialRate
from customs.services.certificates import certificate_issue, certificate_revoke, certificate_verify
from customs.services.duty import Consignment, Item, TariffError
from customs.services.duty_assessment import assess
from customs.services.filing import DeclarationRequest, ItemRequest, declaration_create
from customs.services.origin import OriginDeclarationRequest, origin_declaration_file
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.models import AuditEntry
from hubs.models import User
from tests import factories

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def exporter(kul):
    organization = factories.SellerFactory(home_hub=kul)
    return organization, factories.member(organization)


@pytest.fixture
def hgh_officer(hgh):
    return factories.UserFactory(official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh)


def origin(kul, **changes) -> OriginDeclarationRequest:
    """Malaysian batik scarves (HS 621410) for a Hangzhou importer, by regional value
    content."""
    values = {
        "hub": kul,
        "hs_code": "621410",
        "description": "Batik silk scarf",
        "origin_country": "MY",
        "importing_country": "CN",
        "importer_name": "Hangzhou Tea House Co., Ltd.",
        "criterion": "RVC",
        "currency": "MYR",
        "fob_value": D("1000.00"),
        "non_originating_value": D("600.00"),
    }
    return OriginDeclarationRequest(**(values | changes))


def file(exporter, request) -> OriginDeclaration:
    organization, owner = exporter
    return origin_declaration_file(organization=organization, request=request, actor=owner)


# --- the rules of origin -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fob", "vnm", "result", "rvc", "printed"),
    [
        # (1000 − 600) ÷ 1000 × 100 = 40 %: not less than 40 % (Rule 4)
        ("1000.00", "600.00", "passed", "40.00", "RVC 40%"),
        # (10000 − 6001) ÷ 10000 × 100 = 39.99 %
        ("10000.00", "6001.00", "failed", "39.99", "RVC 39%"),
        # (2000 − 1200.10) ÷ 2000 × 100 = 39.995 %: cut to 39.99, never rounded up to pass
        ("2000.00", "1200.10", "failed", "39.99", "RVC 39%"),
        # (2500 − 1200) ÷ 2500 × 100 = 52 %
        ("2500.00", "1200.00", "passed", "52.00", "RVC 52%"),
    ],
)
def test_regional_value_content_of_at_least_40_percent(
    kul, exporter, fob, vnm, result, rvc, printed
):
    declaration = file(exporter, origin(kul, fob_value=D(fob), non_originating_value=D(vnm)))
    assert (declaration.result, declaration.rvc_percent) == (result, D(rvc))
    assert declaration.form_e_criterion == printed
    assert "Rule 4" in declaration.legal_source and f"= {rvc} %" in declaration.reason


def test_change_in_tariff_heading(kul, exporter):
    # instant tea mix (2101) from imported tea (0902) and sugar (1701): both change heading
    passed = file(
        exporter,
        origin(
            kul,
            hs_code="210120",
            description="Instant teh tarik",
            criterion="CTH",
            non_originating_headings="0902.30, 170199",
        ),
    )
    assert (passed.result, passed.headings, passed.form_e_criterion) == (
        "passed",
        ["0902", "1701"],
        "CTH",
    )
    # blended tea (0902) from imported tea of the same heading does not
    failed = file(
        exporter,
        origin(
            kul,
            hs_code="090240",
            description="Blended black tea",
            criterion="CTH",
            non_originating_headings="0902 1701",
        ),
    )
    assert failed.result == "failed" and "0902" in failed.reason
    assert failed.rvc_percent is None and "change in tariff heading" in failed.legal_source


def test_wholly_obtained_goods_contain_no_non_originating_material(kul, exporter):
    wo = dict(
        hs_code="090240",
        description="Cameron Highlands tea",
        criterion="WO",
        fob_value=None,
        non_originating_value=None,
    )
    assert file(exporter, origin(kul, **wo)).result == "passed"
    mixed = file(exporter, origin(kul, non_originating_headings="1701", **wo))
    assert mixed.result == "failed" and "Rule 3" in mixed.reason


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        # the United States is not a party (ACFTA Agreement on Trade in Goods, 2004)
        ({"origin_country": "US"}, "origin_not_party", "origin_country"),
        ({"importing_country": "JP"}, "importing_not_party", "importing_country"),
        # Malaysia to Singapore: ASEAN members trade under ATIGA (Form D), not ACFTA
        ({"importing_country": "SG"}, "origin_not_partner", "importing_country"),
        ({"non_originating_value": D("1000.01")}, "origin_invalid", "non_originating_value"),
        ({"fob_value": D("0")}, "origin_invalid", "fob_value"),
        ({"currency": "RM"}, "origin_invalid", "currency"),
        ({"criterion": "CTH"}, "origin_invalid", "non_originating_headings"),
        (
            {"criterion": "CTH", "non_originating_headings": "9999"},
            "origin_invalid",
            "non_originating_headings",
        ),
        ({"hs_code": "999999"}, "origin_invalid", "hs_code"),
        ({"importer_name": " "}, "origin_invalid", "importer_name"),
    ],
)
def test_what_cannot_be_checked_is_refused_on_its_field(kul, exporter, changes, code, field):
    with pytest.raises(ApplicationError) as refused:
        file(exporter, origin(kul, **changes))
    assert (refused.value.code, refused.value.extra["field"]) == (code, field)
    assert not OriginDeclaration.objects.exists()


def test_the_certificate_is_issued_in_the_country_of_origin(kul, hgh, exporter):
    with pytest.raises(ApplicationError) as refused:
        file(exporter, origin(hgh))
    assert refused.value.extra["field"] == "hub" and "MY" in refused.value.message


def test_only_the_exporters_members_declare_its_origin(kul, exporter, sme_owner):
    organization, _owner = exporter
    with pytest.raises(NotAllowedError):
        origin_declaration_file(organization=organization, request=origin(kul), actor=sme_owner)


def test_a_product_gives_its_code_and_title(kul, exporter):
    product = factories.ProductFactory(seller=exporter[0], hs_code="621410")
    declaration = file(exporter, origin(kul, product=product, hs_code="", description=""))
    assert (declaration.hs_code, declaration.description) == ("621410", product.title_en)
    other = factories.ProductFactory()
    with pytest.raises(ApplicationError) as refused:
        file(exporter, origin(kul, product=other))
    assert refused.value.extra["field"] == "product"


# --- issue and revoke ----------------------------------------------------------------------


@time_machine.travel("2025-03-01 02:00Z", tick=False)
def test_the_origin_hub_issues_a_numbered_certificate_with_its_pdf(kul, exporter, customs_officer):
    declaration = file(exporter, origin(kul, fob_value=D("2500.00"), non_originating_value=D(1200)))
    certificate = certificate_issue(declarations=[declaration], officer=customs_officer)
    # E, 25, issued in Malaysia, the first of the year; valid 12 months from 1 March 2025
    assert certificate.number == "E25MY000001"
    assert (certificate.issued_on, certificate.valid_until) == (
        date(2025, 3, 1),
        date(2026, 2, 28),
    )
    assert (certificate.origin_country, certificate.importing_country) == ("MY", "CN")
    line = certificate.lines.get()
    assert (line.hs_code, line.origin_criterion, line.fob_value) == ("621410", "RVC 52%", 2500)
    assert AuditEntry.objects.filter(
        action="customs.certificate_of_origin.issued", target_id=str(certificate.pk)
    ).exists()
    pdf = certificate_pdf(certificate)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    second = certificate_issue(declarations=[file(exporter, origin(kul))], officer=customs_officer)
    assert second.number == "E25MY000002"


def test_no_certificate_for_a_failed_declaration_or_twice(kul, exporter, customs_officer):
    failed = file(exporter, origin(kul, non_originating_value=D("650.00")))  # RVC 35 %
    assert (failed.result, failed.rvc_percent) == ("failed", D("35.00"))
    with pytest.raises(ConflictError) as refused:
        certificate_issue(declarations=[failed], officer=customs_officer)
    assert refused.value.code == "origin_failed" and "35.00" in refused.value.message
    passed = file(exporter, origin(kul))
    certificate_issue(declarations=[passed], officer=customs_officer)
    with pytest.raises(ConflictError) as again:
        certificate_issue(declarations=[passed], officer=customs_officer)
    assert again.value.code == "certificate_issued"
    assert CertificateOfOrigin.objects.count() == 1


def test_only_the_origin_hubs_officers_issue_and_revoke(
    kul, exporter, hgh_officer, customs_officer
):
    declaration = file(exporter, origin(kul))
    for intruder in (hgh_officer, exporter[1]):
        with pytest.raises(NotAllowedError):
            certificate_issue(declarations=[declaration], officer=intruder)
    certificate = certificate_issue(declarations=[declaration], officer=customs_officer)
    with pytest.raises(NotAllowedError):
        certificate_revoke(certificate=certificate, reason="x", officer=hgh_officer)


# --- verification at import ----------------------------------------------------------------


@pytest.fixture
def issued(kul, exporter, customs_officer):
    declaration = file(exporter, origin(kul))
    return certificate_issue(declarations=[declaration], officer=customs_officer)


def verify(certificate, **changes):
    values = {
        "agreement": "ACFTA",
        "importing_country": "CN",
        "origin": "MY",
        "hs_code": "62141000",
        "on": certificate.issued_on,
    }
    return certificate_verify(certificate.number, **(values | changes))


def test_a_certificate_verifies_for_the_goods_it_covers(issued):
    check = verify(issued)
    assert check.valid and check.line.hs_code == "621410"
    assert issued.number in check.reason and "RVC 40%" in check.reason
    assert verify(issued, on=issued.valid_until).valid  # its last day


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"origin": "TH"}, "originating in MY"),  # wrong origin
        ({"hs_code": "621420"}, "does not cover goods of HS 621420"),  # wrong subheading
        ({"importing_country": "VN"}, "imported into CN"),
        ({"on": "expired"}, "expired on"),  # 12 months after issue
        ({"on": "before"}, "after the declaration date"),
    ],
)
def test_a_certificate_does_not_verify_for_other_goods_or_dates(issued, changes, why):
    if changes.get("on") == "expired":
        changes["on"] = issued.valid_until + timedelta(days=1)
    if changes.get("on") == "before":
        changes["on"] = issued.issued_on - timedelta(days=1)
    check = verify(issued, **changes)
    assert not check.valid and why in check.reason


def test_a_revoked_or_unknown_certificate_does_not_verify(issued, customs_officer):
    revoked = certificate_revoke(
        certificate=issued, reason="Costings did not support 40 %", officer=customs_officer
    )
    assert revoked.status == "revoked"
    assert "revoked" in verify(issued).reason and not verify(issued).valid
    # revoking again changes nothing
    again = certificate_revoke(certificate=issued, reason="again", officer=customs_officer)
    assert again.revoke_reason == "Costings did not support 40 %"
    unknown = certificate_verify(
        "E25MY999999",
        agreement="ACFTA",
        importing_country="CN",
        origin="MY",
        hs_code="621410",
        on=issued.issued_on,
    )
    assert not unknown.valid and "No certificate of origin numbered E25MY999999" in unknown.reason


@pytest.fixture
def china_tariff(db):
    """China's general duty on silk scarves, 6 %, and the ACFTA rate for ASEAN goods, 0 %
    (a fixture with round rates); VAT 13 %."""
    line = factories.TariffLineFactory(
        country="CN",
        hs_code="621410",
        duty_percent=6,
        sales_tax_percent=13,
        effective_from="2020-01-01",
    )
    PreferentialRate.objects.create(
        schedule=line.schedule,
        country="CN",
        hs_code="621410",
        agreement="ACFTA",
        origin_countries="BN ID KH LA MM MY PH SG TH VN",
        duty_percent=0,
        effective_from="2020-01-01",
        legal_source="ACFTA fixture",
    )


def scarves(on, certificate="", agreement="ACFTA"):
    return Consignment(
        regime="CN_IMPORT",
        on=on,
        currency="CNY",
        exchange_rate=D(1),
        items=[Item("621410", "Batik silk scarf", "MY", 10, D("1.5"), D("1000"))],
        fta_agreement=agreement if certificate else "",
        fta_certificate=certificate,
    )


def test_the_duty_engine_grants_the_rate_only_against_a_verified_certificate(
    china_tariff, issued, customs_officer
):
    on = issued.issued_on
    # ACFTA 0 %: duty 0; VAT 13 % of 1000 = 130.00
    granted = assess(scarves(on, issued.number))
    assert granted.totals == {"duty": D("0.00"), "vat": D("130.00")}
    assert issued.number in granted.lines[0].rule
    certificate_revoke(certificate=issued, reason="Origin disproved", officer=customs_officer)
    with pytest.raises(TariffError) as refused:
        assess(scarves(on, issued.number))
    assert (refused.value.code, refused.value.extra["field"]) == (
        "certificate_not_valid",
        "fta_certificate",
    )
    assert "revoked" in refused.value.message and "without the preferential" in (
        refused.value.message
    )


def test_a_failed_value_content_test_ends_in_the_mfn_rate(
    kul, exporter, china_tariff, customs_officer
):
    """RVC (1000 − 650) ÷ 1000 = 35 % < 40 % (Rule 4): no certificate, so a claim under the
    number the exporter put on its papers is refused; declared without it, MFN 6 % of 1000 =
    60.00 and VAT 13 % of 1060 = 137.80."""
    failed = file(exporter, origin(kul, non_originating_value=D("650.00")))
    with pytest.raises(ConflictError):
        certificate_issue(declarations=[failed], officer=customs_officer)
    today = timezone.localdate()
    with pytest.raises(TariffError) as refused:
        assess(scarves(today, f"E{today:%y}MY000001"))
    assert refused.value.code == "certificate_not_valid"
    assert assess(scarves(today)).totals == {"duty": D("60.00"), "vat": D("137.80")}


# --- the portal ----------------------------------------------------------------------------


def form(**changes):
    data = {
        "product": "",
        "hs_code": "621410",
        "description": "Batik silk scarf",
        "origin_country": "MY",
        "hub": "KUL",
        "importing_country": "CN",
        "importer_name": "Hangzhou Tea House Co., Ltd.",
        "criterion": "RVC",
        "currency": "MYR",
        "fob_value": "2500.00",
        "non_originating_value": "1200.00",
        "non_originating_headings": "",
    }
    return data | changes


def test_the_exporter_files_and_the_origin_hub_issues_in_the_portal(
    client, kul, hgh, exporter, customs_officer
):
    organization, owner = exporter
    client.force_login(owner)
    assert client.get("/customs/origin/new/").status_code == 200
    response = client.post("/customs/origin/new/", form())
    declaration = OriginDeclaration.objects.get()
    assert response.url == f"/customs/origin/{declaration.public_id}/"
    page = client.get(response.url).content.decode()
    # the arithmetic: (2500 − 1200) ÷ 2500 × 100 = 52 %
    assert "(2500.00 − 1200.00) ÷ 2500.00 × 100 % = 52.00 %" in page
    assert "Rule 4" in page

    client.force_login(customs_officer)
    queue = client.get("/customs/origin/issue/").content.decode()
    assert organization.legal_name in queue and "RVC 52%" in queue
    issued = client.post("/customs/origin/issue/", {"declaration": str(declaration.public_id)})
    certificate = CertificateOfOrigin.objects.get()
    assert issued.url == f"/customs/certificates/{certificate.number}/"
    assert certificate.issued_by == customs_officer and certificate.exporter == organization

    client.force_login(owner)
    listing = client.get("/customs/origin/").content.decode()
    assert certificate.number in listing
    page = client.get(f"/customs/certificates/{certificate.number}/").content.decode()
    assert "Next step" in page and f"give the consignee the number {certificate.number}" in page
    pdf = client.get(f"/customs/certificates/{certificate.number}/certificate.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # another organisation sees neither the declaration nor the certificate
    client.force_login(factories.member(factories.SellerFactory(home_hub=kul)))
    assert client.get(f"/customs/certificates/{certificate.number}/").status_code == 404
    assert client.get(f"/customs/origin/{declaration.public_id}/").status_code == 404


def test_the_form_shows_the_refusal_on_its_field(client, exporter):
    client.force_login(exporter[1])
    response = client.post("/customs/origin/new/", form(origin_country="PH"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "hub" in errors  # the certificate is issued in the Philippines, not at KUL
    assert not OriginDeclaration.objects.exists()


def test_the_officers_todo_counts_the_waiting_declarations(client, kul, exporter, customs_officer):
    from customs.todo import declaration_todos

    file(exporter, origin(kul))
    file(exporter, origin(kul, non_originating_value=D("650.00")))  # failed: nothing to issue
    todos = declaration_todos(user=customs_officer, organization=None)
    assert [t.title for t in todos] == ["1 origin declaration(s) wait for a certificate of origin."]


def test_the_import_declaration_shows_whether_its_certificate_verified(
    client, hgh, exporter, issued, hgh_officer
):
    organization, owner = exporter

    def declared(number):
        return declaration_create(
            request=DeclarationRequest(
                regime="CN_IMPORT",
                hub=hgh,
                exporter=organization.legal_name,
                importer="Hangzhou Tea House Co., Ltd.",
                declarant=organization.legal_name,
                currency="CNY",
                exchange_rate=D(1),
                exchange_rate_source="identity",
                declared_on=issued.issued_on,
                fta_agreement="ACFTA",
                fta_certificate=number,
                organization=organization,
                items=[ItemRequest("621410", "Batik silk scarf", "MY", 10, D("1.5"), D("1000"))],
            ),
            actor_label="t",
        )

    good, bad = declared(issued.number), declared("E25MY999999")
    client.force_login(owner)
    page = client.get(f"/customs/mine/{good.reference}/").content.decode()
    assert "Certificate verified" in page and "valid until" in page
    client.force_login(hgh_officer)
    page = client.get(f"/customs/declarations/{bad.reference}/").content.decode()
    assert "Certificate not verified" in page
    assert "No certificate of origin numbered E25MY999999" in page
    # the importing country's officers read the certificate itself too
    assert client.get(f"/customs/certificates/{issued.number}/").status_code == 200


def test_the_pdf_is_in_english_and_sets_chinese_names_in_a_cjk_font(kul, exporter, customs_officer):
    """Form E is made out in English whatever the reader's language; a consignee written in
    Chinese is set in a font that has its characters (Helvetica has none)."""
    from django.utils import translation

    declaration = file(exporter, origin(kul, importer_name="杭州茶馆有限公司"))
    certificate = certificate_issue(declarations=[declaration], officer=customs_officer)
    with translation.override("zh-hans"):
        pdf = certificate_pdf(certificate)
    assert pdf.startswith(b"%PDF")
    assert b"STSong-Light" in pdf  # the consignee's line
    latin = certificate_issue(declarations=[file(exporter, origin(kul))], officer=customs_officer)
    with translation.override("zh-hans"):
        # the country names come out in English: nothing needs the CJK font
        assert b"STSong-Light" not in certificate_pdf(latin)
