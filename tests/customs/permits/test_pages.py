"""The permit pages: an officer registers a permit and releases, bad registrations are
refused with their reason, the seller reads why its goods are held; the agency read from the
tariff's words."""

from datetime import date

import pytest

from customs.models import Permit
from customs.models.permits import permit_agency
from ewtp.common.errors import ApplicationError, NotAllowedError
from hubs.models import User
from tests import factories

from .support import import_of, sirim

pytestmark = pytest.mark.django_db


def test_the_officers_page_shows_the_item_registers_a_permit_and_releases(client, kul_importer):
    declaration = import_of(kul_importer)
    client.force_login(kul_importer["officer"])
    url = f"/customs/declarations/{declaration.reference}/"
    page = client.get(url).content.decode()
    assert "SIRIM certificate of approval" in page and "no permit" in page
    assert "the declarant holds none that covers it" in page
    assert 'id="permit-register"' in page
    response = client.post(
        url,
        {
            "action": "permit",
            "holder": str(kul_importer["importer"].public_id),
            "agency": "SIRIM",
            "number": "RCDE/2026/0415",
            "direction": "import",
            "hs_prefix": "8517.62",
            "goods": "4G IoT gateways",
            "measure": "units",
            "amount": "10",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "SIRIM RCDE/2026/0415" in page and "balance 10 of 10 units" in page
    client.post(url, {"decision": "release", "reason": "Permit seen"})
    declaration.refresh_from_db()
    assert declaration.status == "released"
    page = client.get(url).content.decode()
    assert "drew 4 units at release" in page and "balance 6 of 10 units" in page


def test_the_seller_reads_the_reason_and_its_permits_only(client, kul_importer):
    declaration = import_of(kul_importer)
    mine = sirim(kul_importer, number="RCDE/2026/0001", valid_until=date(2026, 2, 1))
    theirs = sirim(kul_importer, number="RCDE/2026/0002", holder=factories.SellerFactory())
    client.force_login(kul_importer["owner"])
    page = client.get(f"/customs/mine/{declaration.reference}/").content.decode()
    assert "Item 2 needs a permit from SIRIM" in page and "Permits the goods need" in page
    listing = client.get("/customs/mine/").content.decode()
    assert mine.number in listing and theirs.number not in listing
    assert client.get("/customs/permits/").status_code in (403, 404)


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"hs_prefix": "0000"}, "hs_prefix", "not in the HS 2022 nomenclature"),
        ({"hs_prefix": "851"}, "hs_prefix", "a chapter (2 digits)"),
        ({"valid_until": "2025-12-31"}, "valid_until", "cannot come before"),
        ({"amount": "0"}, "amount", "more than 0"),
        ({"amount": "1.5"}, "amount", "whole number"),
        ({"measure": "value"}, "currency", "names its currency"),
        ({"number": "RCDE/2026/0415"}, "number", "registered already"),
        ({"agency": "NOBODY"}, "agency", "Select a valid choice"),
    ],
)
def test_a_bad_registration_is_a_form_error_with_its_reason(
    client, kul_importer, changes, field, reason
):
    sirim(kul_importer)  # RCDE/2026/0415 is taken
    client.force_login(kul_importer["officer"])
    data = {
        "holder": str(kul_importer["importer"].public_id),
        "agency": "SIRIM",
        "number": "RCDE/2026/0999",
        "direction": "import",
        "hs_prefix": "8517",
        "goods": "4G IoT gateways",
        "measure": "units",
        "amount": "10",
        "currency": "",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
    }
    response = client.post("/customs/permits/", data | changes)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert reason in " ".join(errors[field]), errors
    assert Permit.objects.count() == 1


def test_only_a_hubs_customs_officers_register_permits(kul_importer):
    with pytest.raises(NotAllowedError):
        sirim(kul_importer | {"officer": kul_importer["owner"]})
    with pytest.raises(ApplicationError) as refused:
        sirim(kul_importer, hs_prefix="85171")
    assert refused.value.extra == {"field": "hs_prefix"}


def test_the_officers_permit_page_lists_its_countrys_permits(client, kul_importer, hgh):
    permit = sirim(kul_importer)
    client.force_login(kul_importer["officer"])
    page = client.get("/customs/permits/").content.decode()
    assert permit.number in page and kul_importer["importer"].legal_name in page
    elsewhere = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    client.force_login(elsewhere)
    assert permit.number not in client.get("/customs/permits/").content.decode()


@pytest.mark.parametrize(
    ("words", "agency"),
    [
        ("SIRIM certificate of approval (communications equipment)", "SIRIM"),
        ("NPRA cosmetic notification", "NPRA"),
        ("DVS import permit and MAQIS inspection (live animals)", "DVS"),
        ("MAQIS phytosanitary import permit (plants)", "MAQIS"),
        ("Rice import licence (Control of Padi and Rice Act 1994)", "KPKM"),
        ("Import licence under the Arms Act 1960", "PDRM"),
        ("CCC certification", "CNCA"),
        ("GACC entry quarantine permit (plants)", "GACC"),
        ("A licence nobody names", "OTHER"),
    ],
)
def test_the_agency_is_read_from_the_tariffs_words(words, agency):
    assert permit_agency(words) == agency


def test_every_permit_the_bundled_tariff_names_has_its_agency(tariff):
    from customs.models import TariffLine

    named = set(TariffLine.objects.exclude(permit_required="").values_list("permit_required"))
    assert named and all(permit_agency(words) != "OTHER" for (words,) in named)
