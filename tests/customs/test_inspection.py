"""Officers ask for documents (the declaration is held, the declarant e-mailed) and record
inspection findings (officers only); the declarant supplies documents, typed by their bytes;
each side downloads them, nobody else."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from customs.models import Declaration, DeclarationNote
from customs.services.inspection import (
    declaration_document_upload,
    documents_request,
    inspection_record,
)
from ewtp.common.errors import ApplicationError, NotAllowedError
from hubs.models import User
from tests import factories

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_documents_are_requested_supplied_and_seen_by_both_sides(
    client, red_lane, django_capture_on_commit_callbacks
):
    declaration, owner, officer = red_lane["declaration"], red_lane["owner"], red_lane["officer"]
    assert declaration.status == "lane"
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/customs/declarations/{declaration.reference}/",
            {"action": "documents", "documents": "Form E certificate of origin"},
        )
    declaration.refresh_from_db()
    assert declaration.status == "held"
    (message,) = mail.outbox
    assert message.to == [owner.email] and "Form E" in message.body
    client.force_login(owner)
    page = client.get(f"/customs/mine/{declaration.reference}/").content.decode()
    assert "Form E certificate of origin" in page and "Customs HGH" in page
    assert "z@hgh.cn" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/customs/mine/{declaration.reference}/",
            {
                "action": "document",
                "title": "Form E",
                "file": SimpleUploadedFile("form-e.pdf", PDF, "application/pdf"),
            },
        )
    document = declaration.documents.get()
    assert (document.content_type, document.title) == ("application/pdf", "Form E")
    assert mail.outbox[-1].to == [officer.email]
    url = f"/customs/declarations/{declaration.reference}/documents/{document.public_id}"
    assert client.get(url).status_code == 200
    client.force_login(officer)
    assert client.get(url).status_code == 200
    client.force_login(factories.member(factories.SellerFactory()))
    assert client.get(url).status_code == 404


def test_findings_are_for_officers_only(client, red_lane):
    declaration, officer = red_lane["declaration"], red_lane["officer"]
    client.force_login(officer)
    client.post(
        f"/customs/declarations/{declaration.reference}/",
        {"action": "findings", "findings": "Seal intact; 2 scarves, silk, as declared."},
    )
    note = DeclarationNote.objects.get()
    assert note.kind == "inspection_finding" and not note.is_public
    assert (
        "Seal intact"
        in client.get(f"/customs/declarations/{declaration.reference}/").content.decode()
    )
    client.force_login(red_lane["owner"])
    assert (
        "Seal intact" not in client.get(f"/customs/mine/{declaration.reference}/").content.decode()
    )


def test_only_the_hubs_officers_request_and_only_the_declarant_supplies(red_lane, kul):
    declaration = red_lane["declaration"]
    elsewhere = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul
    )
    with pytest.raises(NotAllowedError):
        documents_request(declaration=declaration, documents="Invoice", actor=elsewhere)
    with pytest.raises(NotAllowedError):
        inspection_record(declaration=declaration, findings="x", actor=elsewhere)
    with pytest.raises(ApplicationError) as blank:
        documents_request(declaration=declaration, documents=" ", actor=red_lane["officer"])
    assert blank.value.extra["field"] == "documents"
    stranger = factories.member(factories.SellerFactory())
    upload = SimpleUploadedFile("x.pdf", PDF, "application/pdf")
    with pytest.raises(NotAllowedError):
        declaration_document_upload(
            declaration=declaration, title="Invoice", upload=upload, actor=stranger
        )


def test_a_file_that_is_not_a_pdf_or_image_is_refused_whatever_its_name(client, red_lane):
    client.force_login(red_lane["owner"])
    declaration = red_lane["declaration"]
    response = client.post(
        f"/customs/mine/{declaration.reference}/",
        {
            "action": "document",
            "title": "Invoice",
            "file": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
        },
        follow=True,
    )
    assert "PDF, JPEG or PNG" in response.content.decode()
    assert not declaration.documents.exists()
    missing = client.post(
        f"/customs/mine/{declaration.reference}/",
        {"action": "document", "title": "Invoice"},
        follow=True,
    )
    assert "Choose a file" in missing.content.decode()


def test_the_api_tells_the_declarant_what_is_requested(api, red_lane):
    from hubs.services.organizations import organization_api_client_create
    from tests.conftest import issue_token

    documents_request(
        declaration=red_lane["declaration"],
        documents="Commercial invoice",
        actor=red_lane["officer"],
    )
    credentials = organization_api_client_create(
        organization=red_lane["seller"], name="ERP", actor=red_lane["owner"]
    )
    token = issue_token(api, credentials).json()["access_token"]
    body = api.get(
        f"/api/v1/declarations/{red_lane['declaration'].reference}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()
    assert body["status"] == "held"
    assert body["documents_requested"][0]["documents"] == "Commercial invoice"
    assert body["documents_requested"][0]["by"] == "Customs HGH"
    assert Declaration.objects.get(pk=red_lane["declaration"].pk).notes.count() == 1
