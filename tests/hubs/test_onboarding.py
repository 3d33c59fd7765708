"""Sign-up, invitations and KYC review, through the portal."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.models import AuditEntry
from hubs.models import KycDocument, Organization
from hubs.services import kyc
from tests import factories

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32

SIGNUP = {
    "legal_name": "Kraf Borneo Sdn. Bhd.",
    "country": "MY",
    "registration_number": "201901012345",
    "sector": "crafts",
    "size": "micro",
    "address_line": "12 Jalan Gaya",
    "city": "Kota Kinabalu",
    "postcode": "88000",
    "contact_name": "Siti Aminah",
    "contact_email": "siti@kraf.example",
    "contact_phone": "+60 88 123456",
    "payout_bic": "MBBEMYKL",
    "payout_account_name": "Kraf Borneo",
    "payout_account_number": "5140 1234 5678",
    "owner_name": "Siti Aminah",
    "owner_email": "Siti@Kraf.example",
    "password1": "a-long-enough-pass-1",
    "password2": "a-long-enough-pass-1",
}


def test_sign_up_creates_the_organisation_and_its_owner(client, kul):
    response = client.post("/signup/", {**SIGNUP, "home_hub": kul.pk})
    assert response.status_code == 302
    assert response["Location"] == "/organisation/verification/"
    organization = Organization.objects.get()
    assert organization.kyc_status == "draft"
    assert organization.payout_account_number == "514012345678"
    owner = organization.memberships.get()
    assert owner.role == "owner" and owner.user.email == "siti@kraf.example"
    assert client.get("/home/").status_code == 200  # signed in


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("registration_number", "201907012345", "entity type"),
        ("payout_bic", "MBBE", "8 or 11 characters"),
        ("payout_account_number", "12", "5 to 34"),
        ("password2", "different-password-1", "differ"),
        ("legal_name", "", "required"),
        ("contact_email", "not-an-address", "valid email"),
        ("owner_email", "owner@", "valid email"),
        ("city", "", "required"),
        ("sector", "mining", "valid choice"),
        ("size", "huge", "valid choice"),
        ("country", "XX", "valid choice"),
    ],
)
def test_sign_up_explains_each_bad_field_and_creates_nothing(client, kul, field, value, message):
    response = client.post("/signup/", {**SIGNUP, "home_hub": kul.pk, field: value})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Organization.objects.exists()


def test_sign_up_refuses_a_weak_password(client, kul):
    data = {**SIGNUP, "home_hub": kul.pk, "password1": "1234567890", "password2": "1234567890"}
    response = client.post("/signup/", data)
    assert "entirely numeric" in " ".join(response.context["form"].errors["password1"])
    assert not Organization.objects.exists()


def test_chinese_sign_up_checks_the_credit_code(client, hgh):
    data = {
        **SIGNUP,
        "country": "CN",
        "home_hub": hgh.pk,
        "registration_number": "91350100M000100Y44",
    }
    response = client.post("/signup/", data)
    assert "check character" in response.context["form"].errors["registration_number"][0]


def test_invitation_by_email_lets_staff_join(client, sme_owner, django_capture_on_commit_callbacks):
    client.force_login(sme_owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/organisation/invite/", {"email": "New.Staff@Example.com", "role": "staff"}
        )
    assert response.status_code == 302
    link = re.search(r"http://testserver(/invitations/\S+/)", mail.outbox[0].body).group(1)
    client.logout()

    page = client.post(
        link,
        {
            "full_name": "New Staff",
            "password1": "staff-password-77",
            "password2": "staff-password-77",
        },
    )
    assert page.status_code == 302
    organization = sme_owner.memberships.get().organization
    assert organization.memberships.filter(
        user__email="new.staff@example.com", role="staff"
    ).exists()
    client.logout()
    assert client.get(link).status_code == 404  # used once


def test_only_owners_invite(client, sme_staff):
    client.force_login(sme_staff)
    assert (
        client.post(
            "/organisation/invite/", {"email": "x@example.com", "role": "staff"}
        ).status_code
        == 403
    )


def upload(client, kind, content, name="doc.pdf"):
    return client.post(
        "/organisation/verification/",
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


def test_kyc_documents_are_typed_by_their_bytes(client, sme_owner, settings):
    client.force_login(sme_owner)
    assert upload(client, "registration", PDF).status_code == 302
    assert (
        upload(client, "director_id", PNG, name="passport.pdf").status_code == 302
    )  # a PNG named .pdf
    refused = upload(client, "other", b"MZ\x90\x00 an executable", name="invoice.pdf")
    assert refused.status_code == 400
    assert "PDF, JPEG or PNG" in refused.content.decode()
    settings.KYC_MAX_UPLOAD_BYTES = 10
    assert upload(client, "other", PDF).status_code == 400
    kinds = dict(KycDocument.objects.values_list("kind", "content_type"))
    assert kinds == {"registration": "application/pdf", "director_id": "image/png"}


def test_documents_are_served_only_to_the_organisation_and_officers(
    client, sme_owner, mdec_officer
):
    client.force_login(sme_owner)
    upload(client, "registration", PDF)
    url = f"/documents/{KycDocument.objects.get().public_id}/"
    assert client.get(url).status_code == 200
    client.force_login(mdec_officer)
    assert client.get(url).status_code == 200
    client.force_login(factories.MembershipFactory().user)  # another organisation
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404


def submitted_organization(owner):
    organization = owner.memberships.get().organization
    Organization.objects.filter(pk=organization.pk).update(
        payout_bic="MBBEMYKL", payout_account_number="514012345678"
    )
    organization.refresh_from_db()
    for kind in ("registration", "director_id"):
        KycDocument.objects.create(
            organization=organization,
            kind=kind,
            file="kyc/x.pdf",
            original_name="x.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
        )
    return kyc.kyc_submit(organization=organization, actor=owner)


def test_submission_needs_the_required_documents(sme_owner):
    organization = sme_owner.memberships.get().organization
    with pytest.raises(ApplicationError, match="Certificate of registration"):
        kyc.kyc_submit(organization=organization, actor=sme_owner)


def test_officer_review_is_audited_and_notified(
    client, sme_owner, mdec_officer, django_capture_on_commit_callbacks
):
    organization = submitted_organization(sme_owner)
    client.force_login(mdec_officer)
    url = f"/organisations/{organization.public_id}/"
    assert (
        client.post(url, {"decision": "reject", "reason": ""}).status_code == 400
    )  # reason required
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decision": "more_info", "reason": "The ID is expired."})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.kyc_status == "more_info"
    assert organization.kyc_reason == "The ID is expired."
    entry = AuditEntry.objects.get(action="hubs.kyc.more_info_requested")
    assert (entry.actor, entry.reason) == (mdec_officer, "The ID is expired.")
    assert "The ID is expired." in mail.outbox[-1].body
    assert sme_owner.email in mail.outbox[-1].to


def test_approval_lets_the_organisation_sell(sme_owner, mdec_officer):
    organization = submitted_organization(sme_owner)
    organization = kyc.kyc_approve(organization=organization, actor=mdec_officer)
    assert organization.can_sell
    with pytest.raises(ConflictError):
        kyc.kyc_reject(organization=organization, actor=mdec_officer, reason="late")


def test_only_mdec_officers_review(client, sme_owner, customs_officer):
    organization = submitted_organization(sme_owner)
    with pytest.raises(NotAllowedError):
        kyc.kyc_approve(organization=organization, actor=sme_owner)
    client.force_login(customs_officer)
    assert (
        client.post(
            f"/organisations/{organization.public_id}/", {"decision": "approve"}
        ).status_code
        == 403
    )


def test_documents_cannot_change_while_under_review(sme_owner):
    organization = submitted_organization(sme_owner)
    upload = SimpleUploadedFile("late.pdf", PDF)
    with pytest.raises(ConflictError, match="reviewed"):
        kyc.kyc_document_upload(
            organization=organization, kind="other", upload=upload, actor=sme_owner
        )


def test_a_payout_account_change_is_told_to_every_owner(
    client, sme_owner, django_capture_on_commit_callbacks
):
    client.force_login(sme_owner)
    organization = sme_owner.memberships.get().organization
    data = {
        name: getattr(organization, name) or "x"
        for name in (
            "legal_name",
            "country",
            "sector",
            "size",
            "address_line",
            "city",
            "postcode",
            "contact_name",
            "contact_phone",
        )
    }
    data.update(
        contact_email="contact@example.com",
        payout_bic="CIBBMYKL",
        payout_account_name="New",
        payout_account_number="8001234567",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/organisation/edit/", data).status_code == 302
    assert "payout account" in mail.outbox[-1].subject
    assert sme_owner.email in mail.outbox[-1].to
    assert "4567" in mail.outbox[-1].body


def test_sign_up_finds_the_hub_of_the_companys_country(client, kul, hgh):
    response = client.post("/signup/", {**SIGNUP, "home_hub": ""})
    assert response.status_code == 302, response.context["form"].errors
    assert Organization.objects.get().home_hub == kul  # Malaysian: KUL, not HGH first by code


def test_a_home_hub_in_another_country_is_refused(client, kul, hgh):
    response = client.post("/signup/", {**SIGNUP, "home_hub": hgh.pk})
    assert "own country" in response.context["form"].errors["home_hub"][0]
    assert not Organization.objects.exists()


def test_the_landing_page_leads_to_sign_up(client):
    assert 'href="/signup/"' in client.get("/").content.decode()
