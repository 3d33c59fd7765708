"""The SME's declarations in the portal: filed by hand with field errors on the right item,
submitted, the status and reason customs gave, amended, cancelled, and printed; another
organisation sees none of it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customs.models import Declaration, WatchListEntry
from customs.services.clearance import declaration_process
from hubs.models import User
from tests import factories

from .support import declaration_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(kul, hgh, lanes_by_rule):
    organization = factories.SellerFactory(home_hub=kul)
    return organization, factories.member(organization)


def test_an_sme_files_submits_and_reads_what_customs_decided(client, seller):
    organization, owner = seller
    client.force_login(owner)
    assert client.get("/customs/mine/new/").status_code == 200
    response = client.post("/customs/mine/new/", declaration_form())
    declaration = Declaration.objects.get()
    assert response.url == f"/customs/mine/{declaration.reference}/"
    assert (declaration.organization, declaration.exporter) == (
        organization,
        organization.legal_name,
    )
    assert declaration.declarant == organization.legal_name and declaration.items.count() == 1
    client.post(response.url, {"action": "submit"})
    declaration_process(declaration_id=declaration.pk)  # what the worker does
    page = client.get(response.url).content.decode()
    assert "Released" in page and "export" in page
    listing = client.get("/customs/mine/?status=released").content.decode()
    assert declaration.reference in listing
    pdf = client.get(f"/customs/declarations/{declaration.reference}/declaration.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"items-0-hs_code": "999999"}, "hs_code", "not a subheading"),
        ({"items-0-value": "0"}, "value", ""),
        ({"items-0-origin": ""}, "origin", ""),
        ({"regime": "CN_EXPORT"}, "hub", "hub in CN"),
        ({"fta_agreement": "ACFTA"}, "fta_certificate", "certificate"),
        (
            {
                "items-0-hs_code": "",
                "items-0-description": "",
                "items-0-origin": "",
                "items-0-quantity": "",
                "items-0-net_weight_kg": "",
                "items-0-value": "",
            },
            None,
            "",
        ),
    ],
)
def test_a_bad_declaration_shows_the_error_on_its_field_and_saves_nothing(
    client, seller, changes, field, message
):
    client.force_login(seller[1])
    response = client.post("/customs/mine/new/", declaration_form(**changes))
    assert response.status_code == 200
    if field in ("hs_code", "value", "origin"):
        errors = response.context["formset"].forms[0].errors
    elif field:
        errors = response.context["form"].errors
    else:
        errors = {"items": response.context["formset"].non_form_errors()}
        field = "items"
    assert field in errors and message in str(errors[field])
    assert not Declaration.objects.exists()


def test_amend_and_cancel_in_the_portal(client, seller, hgh):
    WatchListEntry.objects.create(name="Hangzhou Tea House Co., Ltd.", reason="seizure")
    client.force_login(seller[1])
    url = client.post("/customs/mine/new/", declaration_form()).url
    declaration = Declaration.objects.get()
    client.post(url, {"action": "submit"})
    declaration_process(declaration_id=declaration.pk)
    amend = client.get(f"{url}amend/")
    assert amend.context["formset"].initial[0]["hs_code"] == "621410"
    changed = declaration_form(**{"items-0-value": "200.00", "items-0-net_weight_kg": "0.350"})
    changed = {k: v for k, v in changed.items() if k.startswith("items-")} | {
        "items-INITIAL_FORMS": "1",
        "reason": "Weighed at the hub",
    }
    assert client.post(f"{url}amend/", changed).url == url
    declaration.refresh_from_db()
    assert declaration.items.get().value == 200
    assert (declaration.status, declaration.lane) == ("lane", "red")  # still the officer's
    assert declaration.transitions.filter(reason="Amended: Weighed at the hub").exists()
    # goods an officer is inspecting cannot be cancelled; a fresh draft can
    assert "Cancel it" not in client.get(url).content.decode()
    draft_url = client.post("/customs/mine/new/", declaration_form()).url
    client.post(draft_url, {"action": "cancel", "reason": "Order withdrawn"})
    assert Declaration.objects.get(reference=draft_url.split("/")[-2]).status == "cancelled"


def test_another_organisation_and_other_hubs_see_nothing(client, seller, hgh):
    client.force_login(seller[1])
    url = client.post("/customs/mine/new/", declaration_form()).url
    reference = url.split("/")[-2]
    stranger = factories.member(factories.SellerFactory())
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.get(f"/customs/declarations/{reference}/declaration.pdf").status_code == 404
    assert reference not in client.get("/customs/mine/").content.decode()
    officer_elsewhere = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    client.force_login(officer_elsewhere)
    assert client.get(f"/customs/declarations/{reference}/declaration.pdf").status_code == 404


def test_the_list_costs_the_same_queries_whatever_its_length(client, seller):
    client.force_login(seller[1])
    client.post("/customs/mine/new/", declaration_form())

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/customs/mine/").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(4):
        client.post("/customs/mine/new/", declaration_form())
    assert queries() == few


def test_the_pdf_survives_markup_in_user_text(client, seller):
    client.force_login(seller[1])
    url = client.post(
        "/customs/mine/new/", declaration_form(**{"items-0-description": "<b>scarf & <i>tie"})
    ).url
    reference = url.split("/")[-2]
    pdf = client.get(f"/customs/declarations/{reference}/declaration.pdf")
    assert pdf.status_code == 200


def test_the_page_says_how_the_goods_were_taxed_and_names_each_tax(client, seller, hgh):
    """A retail import of goods off China's positive list is taxed as general trade: the page
    says so in words next to the regime declared, and names the taxes, not their keys."""
    _organization, owner = seller
    client.force_login(owner)
    changes = {
        "regime": "CN_CBEC_IMPORT",
        "hub": "HGH",
        "importer_id_reference": "330106199001011234",
        "items-0-hs_code": "850440",  # a charger: not on the (indicative) list
        "items-0-description": "USB-C charger",
        "currency": "CNY",
    }
    response = client.post("/customs/mine/new/", declaration_form(**changes))
    declaration = Declaration.objects.get()
    client.post(response.url, {"action": "submit"})
    declaration_process(declaration_id=declaration.pk)
    declaration.refresh_from_db()
    assert declaration.treatment == "general"
    page = client.get(response.url).content.decode()
    assert "Duty and taxes in full (general trade)" in page
    assert "Import VAT" in page and "<td>vat</td>" not in page
