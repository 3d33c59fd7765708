"""The audit trail of the hubs' state machines (orders, KYC, product imports): each
transition driven through its service (tests/common/audit_expectations.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hubs.models import Order, Organization, ProductImport, User
from hubs.services import kyc
from hubs.services.imports import product_import_run, product_import_start
from hubs.services.orders import order_transition
from hubs.services.organizations import (
    OrganizationDetails,
    organization_create,
    organization_register,
    organization_update,
)
from tests import factories, ledger
from tests.common.audit_expectations import CREATED, Expect, cases, transition_audited
from tests.hubs.test_catalogue import csv_file, row
from tests.hubs.test_onboarding import submitted_organization


def drive_order(fixture, before, after):
    order = ledger.placed_order(destination_hub=fixture("hgh"))
    if before == CREATED:
        return Expect(order, actor=order.placed_by)
    officer = fixture("mdec_officer")
    Order.objects.filter(pk=order.pk).update(status=before)
    order_transition(order=order, to=after, actor=officer, reason="Checked by an officer.")
    return Expect(order, actor=officer, reason="Checked by an officer.")


def drive_kyc(fixture, before, after):
    owner, officer = fixture("sme_owner"), fixture("mdec_officer")
    if before == CREATED:
        details = OrganizationDetails(
            legal_name="Audit Batik Sdn. Bhd.",
            country="MY",
            registration_number="201901099999",
            sector="other",
            size="micro",
            address_line="",
            city="",
            postcode="",
            contact_name="",
            contact_email="",
            contact_phone="",
            home_hub=fixture("kul"),
            payout_bic="",
            payout_account_name="",
            payout_account_number="",
        )
        registered = organization_register(
            details=details,
            owner_email="founder@example.com",
            owner_name="Founder",
            owner_password=factories.TEST_PASSWORD,
        )
        created = organization_create(
            legal_name="Admin Made Sdn. Bhd.", country="MY", home_hub=fixture("kul"), owner=owner
        )
        founder = User.objects.get(email="founder@example.com")
        return [
            Expect(registered, actor=founder, action="hubs.organization.registered"),
            Expect(created, actor=owner, action="hubs.organization.created"),
        ]
    organization = submitted_organization(owner)  # draft → submitted, through kyc_submit
    if (before, after) == ("draft", "submitted"):
        return Expect(organization, actor=owner)
    Organization.objects.filter(pk=organization.pk).update(kyc_status=before)
    organization.refresh_from_db()
    if after == "submitted" and before != "approved":
        kyc.kyc_submit(organization=organization, actor=owner)
        return Expect(organization, actor=owner)
    if before == "approved":
        organization_update(organization=organization, actor=owner, legal_name="Renamed Sdn Bhd")
        return Expect(organization, actor=owner, reason="legal name changed")
    review = {
        "approved": kyc.kyc_approve,
        "rejected": kyc.kyc_reject,
        "more_info": kyc.kyc_request_more,
    }[after]
    review(organization=organization, actor=officer, reason="Seen the documents.")
    return Expect(organization, actor=officer, reason="Seen the documents.")


def drive_product_import(fixture, before, after):
    fixture("kul")
    owner = factories.member(factories.SellerFactory())
    seller = owner.memberships.get().organization
    if before == CREATED:
        job = product_import_start(seller=seller, actor=owner, upload=csv_file([row(1)]))
        return Expect(job, actor=owner)
    # an empty stored file fails before any row is read; a good one runs to the end
    upload = csv_file([row(1)]) if after != "failed" else SimpleUploadedFile("p.csv", b"")
    job = ProductImport.objects.create(
        seller=seller, uploaded_by=owner, original_name="p.csv", file=upload, status=before
    )
    job = product_import_run(import_id=job.pk)
    assert job.status == (after if after != "running" else "done")
    return Expect(job, actor_label="system", reason="empty" if after == "failed" else None)


DRIVERS = {
    Order: drive_order,
    Organization: drive_kyc,
    ProductImport: drive_product_import,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "before", "after"), cases("hubs"))
def test_each_transition_writes_its_audit_row(request, key, before, after):
    transition_audited(DRIVERS[key[0]], request.getfixturevalue, key, before, after)
