"""Post-clearance audit: a blue-lane release, and a sample of green-lane releases drawn the
same way every time, enter the hub's audit worklist once; the hub's officers work it oldest
first, close an audit without a finding, or raise one whose duty and tax the engine assesses
again on the corrected value; the supplementary assessment is billed to the declarant's
organisation through the ledger once, and it reads the outcome on its declaration page."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from moneyed import Money

from customs.events import AuditFindingRaised, DeclarationDecided
from customs.models import Declaration, PostClearanceAudit, RiskRule
from customs.services.audits import (
    audit_close_without_finding,
    audit_enrol,
    audit_finding_raise,
    audit_sampled,
)
from customs.services.declarations import declaration_create
from customs.services.reassessment import audit_reassess
from customs.services.tariff import tariff_load_bundled
from customs.subscribers import audit_enrolled
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.models import AuditEntry, OutboxEvent
from ewtp.common.outbox import outbox_dispatch
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

from .support import submit_and_process, with_agreeing_records
from .test_declarations import request

pytestmark = pytest.mark.django_db
D = Decimal
Status = PostClearanceAudit.Status


@pytest.fixture(autouse=True)
def tariff(db):
    tariff_load_bundled()
    RiskRule.objects.filter(code="random").update(enabled=False)


@pytest.fixture
def officer(hgh):
    return factories.UserFactory(official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh)


@pytest.fixture
def seller(kul):
    seller = factories.SellerFactory(home_hub=kul)
    seller.owner = factories.member(seller)
    return seller


def deliver_events() -> int:
    """What the worker does after each commit: every pending event to its subscribers."""
    delivered = 0
    for pk in OutboxEvent.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        delivered += outbox_dispatch(event_id=pk.pk)
    return delivered


def released(hgh, lane="blue", **changes) -> Declaration:
    """A CBEC import of a 180.00 CNY scarf released in ``lane``: blue, as a new exporter's
    first shipment is; green with that rule off."""
    if lane == "green":
        RiskRule.objects.filter(code="new_exporter").update(enabled=False)
    declaration = declaration_create(request=request(hgh, **changes), actor_label="t")
    declaration = submit_and_process(with_agreeing_records(declaration))
    assert (declaration.status, declaration.lane) == ("released", lane)
    deliver_events()
    return declaration


def to_audit(hgh, seller, **changes) -> PostClearanceAudit:
    declaration = released(hgh, organization=seller, **changes)
    return PostClearanceAudit.objects.get(declaration=declaration)


# --- the worklist ---------------------------------------------------------------------------


def test_a_blue_lane_release_enters_the_hubs_audit_worklist(client, hgh, officer):
    declaration = released(hgh)
    audit = PostClearanceAudit.objects.get(declaration=declaration)
    assert (audit.status, audit.selected_because, audit.hub) == ("to_audit", "blue_lane", hgh)
    entry = AuditEntry.objects.get(action="customs.audit.selected")
    assert entry.target_id == str(audit.pk) and entry.actor_label == "customs"
    client.force_login(officer)
    page = client.get("/customs/?queue=audit")
    assert [a.declaration.reference for a in page.context["audits"]] == [declaration.reference]
    assert page.context["audit_count"] == 1
    body = client.get(f"/customs/audits/{declaration.reference}/").content.decode()
    assert declaration.reference in body and "Raise the finding" in body


def test_a_green_release_enters_the_worklist_when_the_sample_draws_it(hgh, settings):
    settings.CUSTOMS_PCA_SAMPLE_PERCENT = D(100)
    drawn = released(hgh, lane="green", waybill="HGH1")
    audit = PostClearanceAudit.objects.get(declaration=drawn)
    assert audit.selected_because == "sample"
    settings.CUSTOMS_PCA_SAMPLE_PERCENT = D(0)
    passed = released(hgh, lane="green", waybill="HGH2")
    assert not PostClearanceAudit.objects.filter(declaration=passed).exists()


def test_the_sample_is_the_same_for_a_declaration_every_time_and_near_its_rate(settings):
    settings.CUSTOMS_PCA_SAMPLE_PERCENT = D(2)
    references = [f"DKUL{n:012X}" for n in range(5000)]
    first = [audit_sampled(reference) for reference in references]
    assert first == [audit_sampled(reference) for reference in references]
    assert 60 <= sum(first) <= 140  # 2 % of 5000 is 100
    settings.CUSTOMS_PCA_SAMPLE_PERCENT = D(4)  # a larger sample keeps the first one
    assert all(audit_sampled(r) for r, drawn in zip(references, first, strict=True) if drawn)


def test_a_repeated_release_event_makes_no_second_audit(hgh):
    declaration = released(hgh)
    event = OutboxEvent.objects.get(name="customs.declaration_decided", dispatched_at__isnull=False)
    payload = DeclarationDecided(**event.payload)
    audit_enrolled(payload)  # the same event handled again (a redelivery)
    audit_enrolled(payload)
    assert audit_enrol(declaration_id=declaration.pk).pk == declaration.post_clearance_audit.pk
    assert PostClearanceAudit.objects.filter(declaration=declaration).count() == 1
    assert AuditEntry.objects.filter(action="customs.audit.selected").count() == 1


def test_what_an_officer_checked_before_release_is_not_audited_again(hgh):
    held = declaration_create(request=request(hgh, waybill="HGH9"), actor_label="t")
    held = submit_and_process(with_agreeing_records(held))
    Declaration.objects.filter(pk=held.pk).update(status="released", lane="yellow")
    assert audit_enrol(declaration_id=held.pk) is None


def test_the_worklist_is_oldest_first_in_a_constant_number_of_queries(client, hgh, officer):
    client.force_login(officer)
    first = released(hgh, waybill="HGH1")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/customs/?queue=audit")
        return len(captured), [a.declaration_id for a in page.context["audits"]]

    few, _ = queries()
    later = [released(hgh, waybill=f"HGH{n}", exporter=f"Exporter {n}") for n in range(2, 5)]
    many, order = queries()
    assert many == few
    assert order == [first.pk, *(d.pk for d in later)]


# --- the officer's outcome ------------------------------------------------------------------


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
    from customs.services.declarations import DeclarationRequest, ItemRequest

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


# --- a preference withdrawn after release ---------------------------------------------------


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
