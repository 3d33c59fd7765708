"""The officer closes an audit without a finding, or raises one whose duty and tax the engine
assesses again on the corrected value; the supplementary assessment is billed to the
declarant's organisation through the ledger once, and it reads the outcome on its
declaration page."""

from decimal import Decimal

import pytest
from django.core import mail
from moneyed import Money

from customs.events import AuditFindingRaised
from customs.models import PostClearanceAudit
from customs.services.audits import audit_close_without_finding, audit_finding_raise
from customs.services.filing import declaration_create
from customs.services.reassessment import audit_reassess
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.models import OutboxEvent
from hubs.models import User
from payments.models import LedgerTransaction
from payments.services.accounts import (
    bank_clearing_account,
    customer_account,
    duties_account,
    receivable_account,
)
from payments.services.ledger import Posting, account_balance, ledger_post
from pipeline.step_10_audit_billed import audit_billed
from tests import factories, ledger

from ..support import submit_and_process
from ..test_declarations import request
from .support import deliver_events, released, to_audit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes_by_rule")]
D = Decimal
Status = PostClearanceAudit.Status


def test_no_finding_closes_the_audit_and_bills_nothing(client, hgh, seller, officer):
    audit = to_audit(hgh, seller)
    client.force_login(officer)
    reference = audit.declaration.reference
    client.post(
        f"/customs/audits/{reference}/", {"action": "no_finding", "note": "Invoice matches."}
    )
    audit.refresh_from_db()
    assert (audit.status, audit.officer, audit.finding) == (
        "no_finding",
        officer,
        "Invoice matches.",
    )
    deliver_events()
    assert not OutboxEvent.objects.filter(name="customs.audit_finding_raised").exists()
    assert not LedgerTransaction.objects.filter(kind="audit_duties").exists()
    assert client.get("/customs/?queue=audit").context["audits"].count() == 0
    with pytest.raises(ConflictError):  # audited once
        audit_close_without_finding(audit=audit, note="again", actor=officer)


def test_the_engine_assesses_the_corrected_value_and_the_difference_is_owed(hgh, seller):
    audit = to_audit(hgh, seller)
    declaration = audit.declaration
    assert declaration.total_tax == D("16.38")  # CBEC: VAT 13 % at 70 % on 180.00
    figures = audit_reassess(declaration=declaration, values={1: "300.00"})
    assert (figures.declared_value, figures.corrected_value) == (D("180.00"), D("300.00"))
    assert figures.under_declared_amount == D("120.00")
    assert (figures.duty_owed, figures.tax_owed, figures.amount_owed) == (
        D("0.00"),
        D("10.92"),  # 27.30 on 300.00, less 16.38
        D("10.92"),
    )
    # over the per-transaction limit the whole consignment is general trade: duty too
    general = audit_reassess(declaration=declaration, values={1: "6000.00"})
    assert general.duty_owed > 0 and {line["tax"] for line in general.lines} == {"duty", "vat"}


def test_a_finding_is_billed_to_the_declarant_through_the_ledger_once(
    hgh, seller, officer, django_capture_on_commit_callbacks
):
    audit = to_audit(hgh, seller)
    with django_capture_on_commit_callbacks(execute=True):  # the worker after the commit
        audit_finding_raise(
            audit=audit,
            values={1: "300.00"},
            finding="The marketplace invoice shows 300.00 CNY.",
            actor=officer,
        )
    audit.refresh_from_db()
    billing = LedgerTransaction.objects.get(kind="audit_duties")
    assert audit.status == Status.CLOSED and audit.ledger_transaction_id == billing.pk
    # nothing in the seller's CNY balance: all of it is owed to the hub
    assert (audit.billed_from_balance, audit.billed_as_owed) == (D("0.00"), D("10.92"))
    owed = receivable_account(organization=seller, currency="CNY")
    assert account_balance(owed) == Money("-10.92", "CNY")
    assert account_balance(duties_account(hub=hgh, currency="CNY")) == Money("10.92", "CNY")
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
    assert [m.to for m in mail.outbox] == [[seller.owner.email]]
    assert "10.92" in mail.outbox[0].body and audit.declaration.reference in mail.outbox[0].subject
    # a retried delivery bills nothing more and tells nobody again
    event = OutboxEvent.objects.get(name="customs.audit_finding_raised")
    audit_billed(AuditFindingRaised(**event.payload))
    assert deliver_events() == 0
    assert LedgerTransaction.objects.filter(kind="audit_duties").count() == 1
    assert len(mail.outbox) == 1


def test_a_balance_pays_what_it_holds_and_the_rest_is_owed(
    hgh, seller, officer, django_capture_on_commit_callbacks
):
    bank = factories.api_client(kind="bank", name="Bank").client
    ledger_post(
        kind="adjustment",
        description="opening balance",
        postings=[
            Posting(bank_clearing_account(bank=bank, currency="CNY"), Money("-4.00", "CNY")),
            Posting(customer_account(organization=seller, currency="CNY"), Money("4.00", "CNY")),
        ],
    )
    audit = to_audit(hgh, seller)
    with django_capture_on_commit_callbacks(execute=True):
        audit_finding_raise(audit=audit, values={1: "300"}, finding="Invoice.", actor=officer)
    audit.refresh_from_db()
    assert (audit.billed_from_balance, audit.billed_as_owed) == (D("4.00"), D("6.92"))
    assert account_balance(customer_account(organization=seller, currency="CNY")).amount == 0
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_a_finding_with_nothing_to_bill_closes_at_once(hgh, kul, seller, officer):
    """An export pays no duty: a higher value found after release changes nothing owed."""
    from customs.services.filing import DeclarationRequest, ItemRequest

    export = declaration_create(
        request=DeclarationRequest(
            regime="MY_EXPORT",
            hub=kul,
            exporter="Batik Nusantara Sdn. Bhd.",
            importer="Chen Jing",
            declarant="Batik Nusantara Sdn. Bhd.",
            currency="MYR",
            exchange_rate=D("1"),
            exchange_rate_source="identity",
            declared_on=request(hgh).declared_on,
            items=[ItemRequest("621410", "Batik silk scarf", "MY", 2, D("0.3"), D("90.00"))],
            organization=seller,
        ),
        actor_label="t",
    )
    export = submit_and_process(export)
    assert (export.status, export.lane) == ("released", "blue")
    deliver_events()
    kul_officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul
    )
    audit = audit_finding_raise(
        audit=export.post_clearance_audit, values={1: "150"}, finding="Invoice.", actor=kul_officer
    )
    assert (audit.status, audit.amount_owed) == ("closed", D("0.00"))
    assert not OutboxEvent.objects.filter(name="customs.audit_finding_raised").exists()


def test_a_finding_must_raise_the_value_and_give_its_reason(hgh, seller, officer):
    audit = to_audit(hgh, seller)
    for values, finding in (({1: "180.00"}, "Same."), ({1: "120"}, "Less."), ({1: "x"}, "?")):
        with pytest.raises(ApplicationError) as refused:
            audit_finding_raise(audit=audit, values=values, finding=finding, actor=officer)
        assert refused.value.code == "audit_invalid"
    with pytest.raises(ApplicationError) as refused:
        audit_finding_raise(audit=audit, values={1: "300"}, finding=" ", actor=officer)
    assert refused.value.extra == {"field": "finding"}
    audit.refresh_from_db()
    assert audit.status == "to_audit"


def test_only_the_hubs_officers_audit(client, hgh, kul, seller, officer):
    audit = to_audit(hgh, seller)
    reference = audit.declaration.reference
    elsewhere = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul
    )
    with pytest.raises(NotAllowedError):
        audit_finding_raise(audit=audit, values={1: "300"}, finding="Invoice.", actor=elsewhere)
    with pytest.raises(NotAllowedError):
        audit_close_without_finding(audit=audit, note="", actor=seller.owner)
    client.force_login(elsewhere)
    assert client.get(f"/customs/audits/{reference}/").status_code == 404
    assert client.post(f"/customs/audits/{reference}/", {"action": "no_finding"}).status_code == 404
    assert client.get("/customs/?queue=audit").context["audits"].count() == 0
    client.force_login(seller.owner)
    assert client.get(f"/customs/audits/{reference}/").status_code == 403
    audit.refresh_from_db()
    assert audit.status == "to_audit"


def test_the_officer_previews_then_raises_the_finding_on_the_page(
    client, hgh, seller, officer, django_capture_on_commit_callbacks
):
    audit = to_audit(hgh, seller)
    url = f"/customs/audits/{audit.declaration.reference}/"
    client.force_login(officer)
    preview = client.post(url, {"action": "preview", "value_1": "300.00", "finding": "Invoice."})
    assert preview.context["preview"].amount_owed == D("10.92")
    assert "Preview: nothing is recorded yet" in preview.content.decode()
    assert PostClearanceAudit.objects.get(pk=audit.pk).status == "to_audit"
    refused = client.post(url, {"action": "finding", "value_1": "300.00", "finding": ""})
    assert refused.status_code == 200 and "Give the finding" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "finding", "value_1": "300.00", "finding": "Invoice."})
    page = client.get(url).content.decode()
    assert "10.92 CNY billed to the declarant" in page


def test_the_seller_reads_the_outcome_and_its_statement_says_it_in_words(
    client, hgh, seller, officer, django_capture_on_commit_callbacks
):
    from tests.users_words import codes_in

    audit = to_audit(hgh, seller)
    reference = audit.declaration.reference
    with django_capture_on_commit_callbacks(execute=True):
        audit_finding_raise(
            audit=audit, values={1: "300.00"}, finding="Invoice shows 300.", actor=officer
        )
    client.force_login(seller.owner)
    page = client.get(f"/customs/mine/{reference}/").content.decode()
    assert "Invoice shows 300." in page and "10.92" in page and "is owed" in page
    assert "Customs Act 1967" not in page and "Customs Law of the People" in page  # CN import
    statement = client.get("/payments/statement/").content.decode()
    assert f"customs audit of declaration {reference}" in statement
    assert "Owed to the hub" in statement
    assert not codes_in("statement", statement), codes_in("statement", statement)
    # staff work the declaration but do not see how the organisation's money met it
    staff = factories.member(seller, role="staff")
    client.force_login(staff)
    page = client.get(f"/customs/mine/{reference}/").content.decode()
    assert "Invoice shows 300." in page and "is owed" not in page


def test_an_audit_still_to_do_is_not_shown_to_the_declarant(client, hgh, seller):
    audit = to_audit(hgh, seller)
    client.force_login(seller.owner)
    page = client.get(f"/customs/mine/{audit.declaration.reference}/")
    assert page.context["audit"] is None


def test_the_officers_home_lists_the_audits_to_do(client, hgh, officer):
    released(hgh)
    client.force_login(officer)
    page = client.get("/home/").content.decode()
    assert "wait for a post-clearance audit" in page and "?queue=audit" in page


def test_the_sample_rate_is_checked_at_start_up(settings):
    from customs.checks import lane_settings_check

    settings.CUSTOMS_PCA_SAMPLE_PERCENT = D(101)
    assert [e.id for e in lane_settings_check(None)] == ["customs.E003"]
