"""A preference withdrawn after release: the certificate of origin revoked, the import is
assessed again at the MFN rate and the difference billed with the finding."""

from decimal import Decimal

import pytest
from moneyed import Money

from customs.models import PostClearanceAudit
from customs.services.audits import audit_finding_raise
from customs.services.reassessment import audit_reassess
from ewtp.common.errors import ApplicationError
from hubs.models import User
from payments.models import LedgerTransaction
from payments.services.accounts import duties_account, receivable_account
from payments.services.ledger import account_balance
from tests import factories, ledger

from .support import to_audit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes_by_rule")]
D = Decimal
Status = PostClearanceAudit.Status


@pytest.fixture
def form_e(kul):
    """A Form E for Malaysian silk scarves (HS 621410) imported into China, in force on the
    declaration date (2 March 2026)."""
    return factories.certificate_of_origin(
        "E26MY000001",
        origin="MY",
        importing="CN",
        hs_codes=("621410",),
        issued_on="2026-01-15",
        valid_until="2027-01-14",
    )


def released_under(hgh, seller, certificate) -> PostClearanceAudit:
    """General trade import of the 180.00 CNY scarf (bundled tariff: MFN 6 %, ACFTA 0 %,
    VAT 13 %), released with the ACFTA claim: duty 0.00, VAT 13 % of 180.00 = 23.40."""
    audit = to_audit(
        hgh,
        seller,
        regime="CN_IMPORT",
        fta_agreement="ACFTA",
        fta_certificate=certificate.number,
    )
    lines = set(audit.declaration.assessment_lines.values_list("tax", "rate", "amount"))
    assert lines == {("duty", "0%", D("0.00")), ("vat", "13%", D("23.40"))}
    return audit


def revoke(certificate):
    from customs.services.certificates import certificate_revoke

    issuing_officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=certificate.hub
    )
    certificate_revoke(
        certificate=certificate, reason="Origin disproved on verification", officer=issuing_officer
    )


def test_a_revoked_certificate_is_reassessed_at_the_mfn_rate_with_the_reason(
    client, hgh, seller, officer, form_e
):
    audit = released_under(hgh, seller, form_e)
    declaration = audit.declaration
    held = audit_reassess(declaration=declaration, values={})  # the certificate still holds
    assert (held.amount_owed, held.notes) == (D("0.00"), [])
    revoke(form_e)
    figures = audit_reassess(declaration=declaration, values={})
    # MFN 6 % of 180.00 = 10.80; VAT 13 % of (180.00 + 10.80) = 24.804 → 24.80
    assert (figures.duty, figures.tax) == (D("10.80"), D("24.80"))
    assert (figures.duty_owed, figures.tax_owed, figures.amount_owed) == (
        D("10.80"),
        D("1.40"),  # 24.80 less the 23.40 assessed at release
        D("12.20"),
    )
    duty = figures.lines[0]
    assert (duty["tax"], duty["rate"], duty["rule"]) == ("duty", "6%", "MFN ad valorem on CIF")
    [note] = figures.notes
    assert "Item 1" in note and "ACFTA" in note
    assert "Certificate E26MY000001 was revoked by the issuing authority." in note
    client.force_login(officer)
    preview = client.post(
        f"/customs/audits/{declaration.reference}/", {"action": "preview", "finding": ""}
    )
    assert "E26MY000001 was revoked" in preview.content.decode()


def test_the_mfn_difference_is_billed_through_the_ledger_with_the_finding(
    hgh, seller, officer, form_e, django_capture_on_commit_callbacks
):
    audit = released_under(hgh, seller, form_e)
    revoke(form_e)
    with django_capture_on_commit_callbacks(execute=True):
        audit_finding_raise(
            audit=audit,
            values={1: "300.00"},
            finding="The marketplace invoice shows 300.00 CNY.",
            actor=officer,
        )
    audit.refresh_from_db()
    # on 300.00 without the preference: duty 6 % = 18.00, VAT 13 % of 318.00 = 41.34;
    # owed 18.00 + (41.34 − 23.40 = 17.94) = 35.94 (with the preference it would be 15.60)
    assert (audit.duty_owed, audit.tax_owed, audit.amount_owed) == (
        D("18.00"),
        D("17.94"),
        D("35.94"),
    )
    assert audit.finding.startswith("The marketplace invoice shows 300.00 CNY. Item 1 ")
    assert audit.finding.endswith("Certificate E26MY000001 was revoked by the issuing authority.")
    billing = LedgerTransaction.objects.get(kind="audit_duties")
    assert audit.status == Status.CLOSED and audit.ledger_transaction_id == billing.pk
    owed = receivable_account(organization=seller, currency="CNY")
    assert account_balance(owed) == Money("-35.94", "CNY")
    assert account_balance(duties_account(hub=hgh, currency="CNY")) == Money("35.94", "CNY")
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_a_withdrawn_preference_alone_is_billed_on_the_value_declared(
    hgh, seller, officer, form_e, django_capture_on_commit_callbacks
):
    """The certificate revoked, the values right: the finding keeps the value declared and
    bills the duty the preference relieved (audit_finding_has_figures allows an equal value)."""
    audit = released_under(hgh, seller, form_e)
    revoke(form_e)
    with django_capture_on_commit_callbacks(execute=True):
        audit_finding_raise(audit=audit, values={}, finding="Form E revoked.", actor=officer)
    audit.refresh_from_db()
    assert audit.status == Status.CLOSED
    assert audit.corrected_value == audit.declared_value
    # duty 6 % of 180.00 = 10.80; VAT 24.80 less the 23.40 assessed = 1.40
    assert (audit.duty_owed, audit.tax_owed, audit.amount_owed) == (
        D("10.80"),
        D("1.40"),
        D("12.20"),
    )
    owed = receivable_account(organization=seller, currency="CNY")
    assert account_balance(owed) == Money("-12.20", "CNY")
    assert ledger.ledger_balanced()


def test_values_unchanged_without_a_withdrawn_preference_are_no_finding(
    hgh, seller, officer, form_e
):
    audit = released_under(hgh, seller, form_e)
    with pytest.raises(ApplicationError) as refused:
        audit_finding_raise(audit=audit, values={}, finding="Nothing found.", actor=officer)
    assert refused.value.extra == {"field": "values"}
    assert "without a finding" in refused.value.message
    audit.refresh_from_db()
    assert audit.status == "to_audit"
