"""No order is stranded by reference data: an import item whose HS code has no tariff line in
force waits for the destination's officers to classify it (a national line, or rates with
their legal instrument), then is assessed with it; an export needs the nomenclature only; a
duty quote says it cannot quote."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customs.models import Classification, Declaration, TariffLine
from customs.selectors import nearest_lines
from customs.services.classification import Rates, classification_decide
from customs.services.filing import declaration_amend, declaration_create
from customs.services.quotes import QuoteRequest, duty_quote
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.models import AuditEntry, OutboxEvent
from hubs.models import User
from tests import factories

from .support import submit_and_process, with_agreeing_records
from .test_declarations import request, scarf

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("lanes_by_rule", "no_cn_line_for_t_shirts"),
]
D = Decimal
TSHIRT = "610910"  # T-shirts, knitted, of cotton: an HS 2022 subheading


def tshirt(**changes):
    return scarf(**({"hs_code": TSHIRT, "description": "Cotton T-shirt, printed"} | changes))


def waiting(hgh, items=None) -> Declaration:
    declaration = declaration_create(
        request=request(hgh, waybill="HGH10000001", items=items or [tshirt()]),
        actor_label="pipeline",
    )
    return submit_and_process(with_agreeing_records(declaration))


def test_an_import_without_a_line_waits_for_classification_and_says_why(hgh):
    declaration = waiting(hgh, items=[scarf(), tshirt()])
    assert declaration.status == "classify"
    (request_,) = Classification.objects.all()
    assert (request_.hs_code, request_.item.line_no, request_.status) == (TSHIRT, 2, "open")
    last = declaration.transitions.last()
    assert "Item 2 (HS 610910): no CN tariff line in force" in last.public_reason
    assert "customs officers at HGH classify" in last.public_reason
    assert OutboxEvent.objects.filter(name="customs.classification_needed").exists()
    assert not declaration.assessment_lines.exists()


def test_an_officer_assigns_a_national_line_and_the_declaration_goes_on(hgh, officer):
    declaration = waiting(hgh)
    line = factories.TariffLineFactory(
        country="CN",
        hs_code="61091000",
        description="T-shirts, knitted, of cotton",
        effective_from="2024-01-01",
        legal_source="Customs Tariff of the PRC (indicative)",
        duty_percent=D("6"),
        sales_tax_percent=D("13"),
    )
    classification = Classification.objects.get()
    classification_decide(
        classification=classification,
        line_code="6109.10.00",
        reason="Knitted cotton T-shirts: heading 61.09, cotton subheading.",
        actor=officer,
    )
    from customs.services.clearance import declaration_process

    declaration_process(declaration_id=declaration.pk)
    declaration.refresh_from_db()
    assert declaration.status == "released"  # assessed, routed, records agree
    statuses = list(declaration.transitions.values_list("to_status", flat=True))
    assert statuses[-5:] == ["classify", "submitted", "assessed", "lane", "released"]
    vat = declaration.assessment_lines.get(tax="vat")
    assert vat.legal_source == line.legal_source and vat.rate == "70% of 13%"
    classification.refresh_from_db()
    assert (classification.basis, classification.tariff_line, classification.decided_by) == (
        "line",
        line,
        officer,
    )
    audit = AuditEntry.objects.get(action="customs.classification.decided")
    assert audit.target_id == str(classification.pk)
    assert audit.actor == officer and "heading 61.09" in audit.reason


def test_an_officer_enters_rates_with_their_legal_instrument(hgh, officer):
    declaration = waiting(hgh)
    classification_decide(
        classification=Classification.objects.get(),
        rates=Rates("10", "13", "0", "Customs Tariff of the PRC 2024, heading 61.09"),
        reason="No national line loaded; rates of the heading applied.",
        actor=officer,
    )
    from customs.services.clearance import declaration_process

    declaration_process(declaration_id=declaration.pk)
    declaration.refresh_from_db()
    assert declaration.status == "released"
    sources = {line.legal_source for line in declaration.assessment_lines.all()}
    assert "Customs Tariff of the PRC 2024, heading 61.09" in sources


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"line_code": "61099999"}, "tariff_line"),  # no such line in force
        ({"line_code": "", "rates": None}, "basis"),
        ({"rates": Rates("-1", "13", "0", "X")}, "duty_percent"),
        ({"rates": Rates("5", "130", "0", "X")}, "sales_tax_percent"),
        ({"rates": Rates("5", "13", "abc", "X")}, "excise_percent"),
        ({"rates": Rates("5", "13", "0", " ")}, "legal_source"),
        ({"line_code": "61091000", "reason": " "}, "reason"),
    ],
)
def test_a_bad_classification_names_its_field_and_changes_nothing(hgh, officer, kwargs, field):
    waiting(hgh)
    factories.TariffLineFactory(
        country="CN", hs_code="61091000", effective_from="2024-01-01", legal_source="X"
    )
    arguments = {"reason": "Because."} | kwargs
    with pytest.raises(ApplicationError) as refused:
        classification_decide(
            classification=Classification.objects.get(), actor=officer, **arguments
        )
    assert refused.value.extra["field"] == field
    assert Classification.objects.get().status == "open"
    assert Declaration.objects.get().status == "classify"


def test_only_the_destinations_officers_classify_and_only_once(hgh, kul, officer):
    waiting(hgh)
    factories.TariffLineFactory(
        country="CN", hs_code="61091000", effective_from="2024-01-01", legal_source="X"
    )
    elsewhere = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul
    )
    with pytest.raises(NotAllowedError):
        classification_decide(
            classification=Classification.objects.get(),
            line_code="61091000",
            reason="r",
            actor=elsewhere,
        )
    classification_decide(
        classification=Classification.objects.get(), line_code="61091000", reason="r", actor=officer
    )
    with pytest.raises(ConflictError):  # a second officer's click
        classification_decide(
            classification=Classification.objects.get(),
            line_code="61091000",
            reason="r",
            actor=officer,
        )


def test_an_amendment_to_a_line_in_the_tariff_needs_no_classification(hgh):
    declaration = waiting(hgh)
    amended = declaration_amend(
        declaration=declaration, items=[scarf()], reason="Wrong goods declared.", actor_label="t"
    )
    assert amended.status in ("lane", "released", "held")
    assert not Classification.objects.exists()  # the request went with the old item


def test_a_code_outside_the_nomenclature_is_refused_not_classified(hgh):
    with pytest.raises(ApplicationError) as refused:
        declaration_create(request=request(hgh, items=[tshirt(hs_code="999999")]), actor_label="t")
    assert (refused.value.code, refused.value.extra["field"]) == ("hs_unknown", "items.0.hs_code")


def test_an_export_files_without_a_tariff_line(kul):
    TariffLine.objects.filter(country="MY").filter(hs_code__startswith="6109").delete()
    declaration = declaration_create(
        request=request(
            kul,
            regime="MY_EXPORT",
            currency="MYR",
            importer_id_reference="",
            items=[tshirt()],
        ),
        actor_label="pipeline",
    )
    declaration = submit_and_process(declaration)
    assert declaration.status in ("lane", "released", "held")
    assert declaration.treatment == "export"


def test_a_duty_quote_says_it_cannot_quote(hgh):
    with pytest.raises(ApplicationError) as refused:
        duty_quote(
            request=QuoteRequest(
                regime="CN_CBEC_IMPORT",
                currency="CNY",
                on=request(hgh).declared_on,
                items=[tshirt()],
            )
        )
    assert refused.value.code == "quote_unavailable"
    assert refused.value.extra["field"] == "items.0.hs_code"
    assert "cannot be quoted" in refused.value.message


# --- the officers' pages ---------------------------------------------------------------


def test_the_workbench_lists_what_waits_for_classification_in_constant_queries(
    client, hgh, officer
):
    first = waiting(hgh)
    client.force_login(officer)
    page = client.get("/customs/?queue=classification")
    assert [d.reference for d in page.context["declarations"]] == [first.reference]
    assert page.context["classification_count"] == 1
    assert "Classification needed (1)" in page.content.decode()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get("/customs/?queue=classification")
        return len(captured)

    few = queries()
    for n in range(3):
        waiting(hgh, items=[tshirt(), tshirt(description=f"Tee {n}")])
    assert queries() == few


def test_the_officer_classifies_on_the_declaration_page(client, hgh, officer):
    declaration = waiting(hgh)
    factories.TariffLineFactory(
        country="CN",
        hs_code="61099090",
        description="T-shirts, knitted, of other textile materials",
        effective_from="2024-01-01",
        legal_source="Customs Tariff of the PRC (indicative)",
        duty_percent=D("6"),
        sales_tax_percent=D("13"),
    )
    client.force_login(officer)
    page = client.get(f"/customs/declarations/{declaration.reference}/")
    ((classification, nearest),) = page.context["classifications"]
    assert nearest[0].hs_code == "61099090"  # the nearest line of the heading comes first
    assert "HS 610910 as declared" in page.content.decode()
    refused = client.post(
        f"/customs/declarations/{declaration.reference}/",
        {
            "action": "classify",
            "classification": str(classification.public_id),
            "basis": "line",
            "line_code": "61099090",
            "reason": "",
        },
        follow=True,
    )
    assert "Give the reason" in refused.content.decode()
    assert Classification.objects.get().status == "open"
    client.post(
        f"/customs/declarations/{declaration.reference}/",
        {
            "action": "classify",
            "classification": str(classification.public_id),
            "basis": "line",
            "line_code": "61099090",
            "reason": "Printed jersey of man-made fibres, as the invoice shows.",
        },
    )
    declaration.refresh_from_db()
    assert declaration.status == "submitted"  # the worker assesses it next
    assert Classification.objects.get().tariff_line.hs_code == "61099090"


def test_another_hubs_officer_sees_no_such_declaration(client, hgh, kul):
    declaration = waiting(hgh)
    elsewhere = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul
    )
    client.force_login(elsewhere)
    assert client.get(f"/customs/declarations/{declaration.reference}/").status_code == 404


def test_national_lines_with_different_rates_under_the_code_are_the_officers_choice(hgh, officer):
    for code, duty in (("61091010", "6"), ("61091090", "10")):
        factories.TariffLineFactory(
            country="CN",
            hs_code=code,
            effective_from="2024-01-01",
            legal_source="Customs Tariff of the PRC (indicative)",
            duty_percent=D(duty),
            sales_tax_percent=D("13"),
        )
    declaration = waiting(hgh)
    assert declaration.status == "classify"  # 610910 alone does not say which
    classification = Classification.objects.get()
    nearest = nearest_lines([classification], country="CN", on=declaration.declared_on)
    assert [line.hs_code for line in nearest[classification.pk]][:2] == ["61091010", "61091090"]


def test_goods_an_officer_queued_still_wait_for_an_officer_after_classification(hgh, officer):
    from customs.models import WatchListEntry
    from customs.services.clearance import declaration_process

    WatchListEntry.objects.create(name="Chen Jing", reason="earlier seizure")
    queued = waiting(hgh, items=[scarf()])
    assert (queued.status, queued.lane) == ("lane", "red")
    WatchListEntry.objects.all().delete()  # the risk engine alone would now say green
    amended = declaration_amend(
        declaration=queued, items=[tshirt()], reason="Wrong goods declared.", actor_label="t"
    )
    assert amended.status == "classify"
    factories.TariffLineFactory(country="CN", hs_code="61091000", legal_source="CN tariff")
    classification_decide(
        classification=Classification.objects.get(),
        line_code="61091000",
        reason="Heading 61.09.",
        actor=officer,
    )
    declaration_process(declaration_id=queued.pk)
    queued.refresh_from_db()
    assert (queued.status, queued.lane) == ("lane", "red")  # not released without an officer


def test_an_export_under_a_prohibited_national_line_is_refused(kul):
    TariffLine.objects.filter(country="MY").filter(hs_code__startswith="6109").delete()
    for code, prohibited in (("61091010", False), ("61091090", True)):
        factories.TariffLineFactory(
            country="MY", hs_code=code, prohibited=prohibited, legal_source="MY order"
        )
    with pytest.raises(ApplicationError) as refused:
        declaration_create(
            request=request(
                kul, regime="MY_EXPORT", currency="MYR", importer_id_reference="", items=[tshirt()]
            ),
            actor_label="t",
        )
    assert refused.value.code == "goods_prohibited"
    assert (
        "61091090" in refused.value.message and "declare the national line" in refused.value.message
    )
