"""Audit complete: every change of status of every stateful model is in the audit trail, with
its actor (a user; or a label: ``client:<client id>`` for a partner bank over the API,
``system:beat`` for the beat's sweeps), its time, the status it came from, and the reason
where there is one.

Three nets, from coarse to fine:

1. Every status field of every model is either a state machine (``STATE_MACHINES``) whose
   transitions map covers each of its status values, or listed in ``NOT_STATE`` with the
   reason it is none: a new status field fails until someone decides.
2. Every function that writes a status (an assignment, a bulk UPDATE, raw SQL) is listed in
   ``STATUS_WRITERS``: a new way to change a status fails until it is audited and listed.
3. ``AUDITED`` names the audit action of every transition of every state machine, and of the
   status a row is created in; it must match the transitions maps exactly (a status value or
   a transition added to a model without its audit action fails), and each entry is driven
   through its service below, which must write that action for that object with its actor.
"""

import ast
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from moneyed import Money

from customs.events import AuditFindingRaised
from customs.models import (
    CertificateOfOrigin,
    Classification,
    Declaration,
    PostClearanceAudit,
    RiskRule,
    TariffLine,
)
from customs.models.lvg import LvgRegistration
from customs.services.audits import (
    audit_close_without_finding,
    audit_enrol,
    audit_finding_raise,
)
from customs.services.classification import classification_decide
from customs.services.clearance import declaration_process
from customs.services.declarations import (
    ItemRequest,
    Public,
    declaration_create,
    declaration_move,
    declaration_submit,
)
from customs.services.lvg import (
    LvgRegistrationRequest,
    lvg_registration_cancel,
    lvg_registration_enter,
)
from customs.services.tariff import tariff_load_bundled
from ewtp.common.audit import SYSTEM_BEAT, audit_record_bulk
from ewtp.common.models import AuditEntry, OutboxEvent
from hubs.models import Order, Organization, ProductImport, User
from hubs.services import kyc
from hubs.services.imports import product_import_run, product_import_start
from hubs.services.orders import order_cancel, order_transition
from hubs.services.organizations import (
    OrganizationDetails,
    organization_create,
    organization_register,
    organization_update,
)
from logistics.models import Flight, Parcel
from logistics.services.flights import flight_cancel, flights_import
from logistics.services.floor import (
    parcel_deliver,
    parcel_exception,
    parcel_hold,
    parcel_hold_release,
    parcel_out_for_delivery,
    parcel_receive,
    parcel_return,
)
from logistics.services.parcels import parcel_drop_off_book
from logistics.tasks import consolidate_task, flights_advance_task
from payments.models import (
    CreditApplication,
    Instalment,
    Loan,
    PaymentIntent,
    Payout,
    TreasurySettlement,
)
from payments.services.accounts import bank_clearing_account, customer_account
from payments.services.credit import credit_decide, credit_withdraw
from payments.services.escrow import escrow_release
from payments.services.fx import fx_rates_load
from payments.services.intents import payment_intent_close
from payments.services.ledger import Posting, ledger_post
from payments.services.loans import loan_draw, loan_repay_early
from payments.services.payouts import payout_request, payout_status_report, payouts_batch
from payments.tasks import instalments_overdue_task, payouts_batch_task, treasury_settle_task
from pipeline.step_10_audit_billed import audit_billed
from tests import factories, ledger
from tests.conftest import issue_token
from tests.customs.support import submit_and_process, with_agreeing_records
from tests.customs.test_declarations import request as declaration_request
from tests.hubs.test_catalogue import csv_file, row
from tests.hubs.test_onboarding import submitted_organization
from tests.logistics.conftest import flight, pack, world  # noqa: F401 - world is a fixture
from tests.payments.test_loans import apply as credit_apply_for

ROOT = Path(django_settings.BASE_DIR)
PROJECT_APPS = ("hubs", "payments", "customs", "logistics", "analytics", "common", "pipeline")
CREATED = ""  # the "from" of the status a row is created in

# --- 1. which status fields are state machines --------------------------------------------

STATE_MACHINES = {
    (Order, "status"): Order.TRANSITIONS,
    (Organization, "kyc_status"): Organization.KYC_TRANSITIONS,
    (ProductImport, "status"): ProductImport.TRANSITIONS,
    (PaymentIntent, "status"): PaymentIntent.TRANSITIONS,
    (Payout, "status"): Payout.TRANSITIONS,
    (CreditApplication, "status"): CreditApplication.TRANSITIONS,
    (Loan, "status"): Loan.TRANSITIONS,
    (Instalment, "status"): Instalment.TRANSITIONS,
    (Declaration, "status"): Declaration.TRANSITIONS,
    (Parcel, "status"): Parcel.TRANSITIONS,
    (Flight, "status"): Flight.TRANSITIONS,
    (TreasurySettlement, "status"): TreasurySettlement.TRANSITIONS,
    (Classification, "status"): Classification.TRANSITIONS,
    (LvgRegistration, "status"): LvgRegistration.TRANSITIONS,
    (PostClearanceAudit, "status"): PostClearanceAudit.TRANSITIONS,
    (CertificateOfOrigin, "status"): CertificateOfOrigin.TRANSITIONS,
}
NOT_STATE = {
    ("hubs.ordertransition", "from_status"): "the history row of an audited order change",
    ("hubs.ordertransition", "to_status"): "the history row of an audited order change",
    ("customs.declarationtransition", "from_status"): "the history row of an audited change",
    ("customs.declarationtransition", "to_status"): "the history row of an audited change",
    ("analytics.tradefact", "status"): "the dashboards' copy of the order's status",
    ("analytics.customsday", "status"): "a count of customs decisions per day",
    ("common.idempotencykey", "status"): "a stored API response, not a business state",
    ("common.idempotencykey", "response_status"): "the HTTP status of a stored response",
    ("common.webhookdelivery", "status"): "the delivery log is itself the record of attempts",
    ("payments.statementreconciliation", "status"): "a reconciliation's outcome, fixed when made",
    ("payments.fxfeedfetch", "status"): "what one fetch of the rate feed gave, fixed when made",
}

# --- 2. every place that writes a status ---------------------------------------------------

STATUS_WRITERS = {
    ("customs/services/moves.py", "move"): "customs.declaration",
    ("customs/services/classification.py", "classification_decide"): "customs.classification",
    ("customs/services/lvg.py", "lvg_registration_cancel"): "customs.lvgregistration",
    ("customs/services/audits.py", "_move"): "customs.postclearanceaudit",
    ("customs/services/certificates.py", "certificate_revoke"): "customs.certificateoforigin",
    ("hubs/services/imports.py", "_finish"): "hubs.productimport",
    ("hubs/services/imports.py", "_run"): "hubs.productimport",
    ("hubs/services/kyc.py", "_transition"): "hubs.organization",
    ("hubs/services/kyc.py", "kyc_reopen"): "hubs.organization",
    ("hubs/services/orders.py", "order_transition"): "hubs.order",
    ("logistics/services/consolidation.py", "_board"): "logistics.parcel",
    ("logistics/services/flights.py", "_advance"): "logistics.flight, logistics.parcel",
    ("logistics/services/flights.py", "flight_cancel"): "logistics.flight, logistics.parcel",
    ("logistics/services/floor.py", "_move"): "logistics.parcel",
    ("logistics/services/parcels.py", "parcel_drop_off_book"): "logistics.parcel",
    ("payments/services/credit.py", "_decide"): "payments.creditapplication",
    ("payments/services/intents.py", "_apply"): "payments.paymentintent",
    ("payments/services/intents.py", "payment_intent_close"): "payments.paymentintent",
    ("payments/services/loans.py", "_allocate"): "payments.instalment, payments.loan",
    ("payments/services/loans.py", "instalments_overdue_sweep"): "payments.instalment",
    ("payments/services/loans.py", "loan_draw"): "payments.creditapplication",
    ("payments/services/payouts.py", "payout_status_report"): "payments.payout",
    ("payments/services/payouts.py", "payouts_batch"): "payments.payout",
    ("payments/services/treasury.py", "_instruct"): "payments.treasurysettlement",
    # not state machines (NOT_STATE)
    ("ewtp/common/idempotency.py", "_store"): "common.idempotencykey",
    ("ewtp/common/webhook_endpoints.py", "_cancel_pending"): "common.webhookdelivery",
    ("ewtp/common/webhooks.py", "_record"): "common.webhookdelivery",
}

# --- 3. the audit action of each transition ------------------------------------------------


def _named_after_status(transitions: dict, prefix: str) -> dict:
    """A service that names the action after the new status (order_transition, customs'
    _move, credit's _decide)."""
    return {
        (str(a), str(b)): f"{prefix}.{b}" for a, targets in transitions.items() for b in targets
    }


P = Parcel.Status
AUDITED = {
    (Order, "status"): {
        (CREATED, "placed"): "hubs.order.placed",
        **_named_after_status(Order.TRANSITIONS, "hubs.order"),
    },
    (Organization, "kyc_status"): {
        # signed up, or created for an existing user (admin, demo)
        (CREATED, "draft"): ("hubs.organization.registered", "hubs.organization.created"),
        ("draft", "submitted"): "hubs.kyc.submitted",
        ("more_info", "submitted"): "hubs.kyc.submitted",
        ("rejected", "submitted"): "hubs.kyc.submitted",
        ("submitted", "approved"): "hubs.kyc.approved",
        ("submitted", "rejected"): "hubs.kyc.rejected",
        ("submitted", "more_info"): "hubs.kyc.more_info_requested",
        ("approved", "submitted"): "hubs.kyc.reopened",  # a change of identity
    },
    (ProductImport, "status"): {
        (CREATED, "queued"): "hubs.product_import.started",
        ("queued", "running"): "hubs.product_import.picked_up",
        ("queued", "failed"): "hubs.product_import.failed",
        ("running", "done"): "hubs.product_import.finished",
        ("running", "failed"): "hubs.product_import.failed",
    },
    (PaymentIntent, "status"): {
        (CREATED, "pending"): "payments.payment_intent.opened",
        ("pending", "paid"): "payments.payment_intent.paid",
        ("pending", "closed"): "payments.payment_intent.closed",
    },
    (Payout, "status"): {
        (CREATED, "requested"): "payments.payout.requested",
        ("requested", "batched"): "payments.payout.batched",
        ("batched", "accepted"): "payments.payout.accepted",
        ("batched", "settled"): "payments.payout.settled",
        ("batched", "rejected"): "payments.payout.rejected",
        ("accepted", "settled"): "payments.payout.settled",
        ("accepted", "rejected"): "payments.payout.rejected",
    },
    (CreditApplication, "status"): {
        (CREATED, "pending"): "payments.credit.applied",
        **_named_after_status(CreditApplication.TRANSITIONS, "payments.credit"),
    },
    (Loan, "status"): {
        (CREATED, "active"): "payments.loan.drawn",
        ("active", "repaid"): "payments.loan.repaid",
    },
    (Instalment, "status"): {
        (CREATED, "scheduled"): "payments.instalment.scheduled",
        ("scheduled", "paid"): "payments.instalment.paid",
        ("scheduled", "overdue"): "payments.instalment.fell_overdue",
        ("overdue", "paid"): "payments.instalment.paid",
    },
    (Declaration, "status"): {
        (CREATED, "draft"): "customs.declaration.draft",
        **_named_after_status(Declaration.TRANSITIONS, "customs.declaration"),
    },
    (Parcel, "status"): {
        (CREATED, P.CREATED): "logistics.parcel.created",
        (P.CREATED, P.BOOKED): "logistics.parcel.booked",
        (P.CREATED, P.RECEIVED): "logistics.parcel.received",
        (P.BOOKED, P.RECEIVED): "logistics.parcel.received",
        (P.RECEIVED, P.HELD): "logistics.parcel.held",
        (P.HELD, P.RECEIVED): "logistics.parcel.hold_released",
        **{(s, P.RETURNED): "logistics.parcel.returned" for s in (*Parcel.BEFORE_HUB, P.RECEIVED)},
        (P.HELD, P.RETURNED): "logistics.parcel.returned",
        (P.RECEIVED, P.MANIFESTED): "logistics.parcel.manifested",
        (P.MANIFESTED, P.RECEIVED): "logistics.parcel.offloaded",  # its flight was cancelled
        (P.MANIFESTED, P.DEPARTED): "logistics.parcel.departed",
        (P.DEPARTED, P.ARRIVED): "logistics.parcel.arrived",
        (P.ARRIVED, P.OUT_FOR_DELIVERY): "logistics.parcel.out_for_delivery",
        (P.OUT_FOR_DELIVERY, P.DELIVERED): "logistics.parcel.delivered",
        **{
            (s, P.EXCEPTION): "logistics.parcel.lost"
            for s in (P.DEPARTED, P.ARRIVED, P.OUT_FOR_DELIVERY)
        },
    },
    (Flight, "status"): {
        (CREATED, "scheduled"): "logistics.flight.scheduled",
        ("scheduled", "departed"): "logistics.flight.departed",
        ("departed", "arrived"): "logistics.flight.arrived",  # landed
        ("scheduled", "cancelled"): "logistics.flight.cancelled",
    },
    (TreasurySettlement, "status"): {
        (CREATED, "booked"): "payments.treasury.booked",
        ("booked", "instructed"): "payments.treasury.instructed",
    },
    (Classification, "status"): {
        (CREATED, "open"): "customs.classification.opened",
        ("open", "decided"): "customs.classification.decided",
    },
    (LvgRegistration, "status"): {
        (CREATED, "in_force"): "customs.lvg_registration.entered",
        ("in_force", "cancelled"): "customs.lvg_registration.cancelled",
    },
    (PostClearanceAudit, "status"): {
        (CREATED, "to_audit"): "customs.audit.selected",
        ("to_audit", "no_finding"): "customs.audit.closed_without_finding",
        ("to_audit", "finding"): "customs.audit.finding_raised",
        ("finding", "closed"): "customs.audit.billed",  # by the pipeline
    },
    (CertificateOfOrigin, "status"): {
        (CREATED, "issued"): "customs.certificate_of_origin.issued",
        ("issued", "revoked"): "customs.certificate_of_origin.revoked",
    },
}


def _status_fields():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if field.name == "status" or field.name.endswith("_status"):
                yield model, field


def test_every_status_field_is_a_state_machine_or_said_not_to_be():
    machines = {(model._meta.label_lower, name) for model, name in STATE_MACHINES}
    unclassified = []
    for model, field in _status_fields():
        key = (model._meta.label_lower, field.name)
        if key in machines:
            assert field.choices, f"{key} is listed as a state machine but has no choices"
        elif key not in NOT_STATE:
            unclassified.append(key)
    assert not unclassified, (
        f"{unclassified}: a status field nobody classified. A state machine gets a "
        "transitions map, audited services and an entry in STATE_MACHINES and AUDITED; "
        "anything else is listed in NOT_STATE with the reason."
    )
    present = {(m._meta.label_lower, f.name) for m, f in _status_fields()}
    assert machines | set(NOT_STATE) <= present, "a listed status field no longer exists"


@pytest.mark.parametrize("key", STATE_MACHINES, ids=lambda key: f"{key[0].__name__}.{key[1]}")
def test_each_transitions_map_covers_every_status_value(key):
    model, name = key
    transitions = STATE_MACHINES[key]
    values = {value for value, _label in model._meta.get_field(name).choices}
    assert set(transitions) == values, f"{model.__name__}: a status without its transitions"
    for targets in transitions.values():
        assert set(targets) <= values


@pytest.mark.parametrize("key", STATE_MACHINES, ids=lambda key: f"{key[0].__name__}.{key[1]}")
def test_every_transition_and_the_first_status_have_an_audit_action(key):
    model, name = key
    transitions = STATE_MACHINES[key]
    expected = {(str(a), str(b)) for a, targets in transitions.items() for b in targets}
    expected.add((CREATED, str(model._meta.get_field(name).default)))
    registered = {(str(a), str(b)) for a, b in AUDITED[key]}
    assert registered == expected, (
        f"{model.__name__}: transitions without an audit action {expected - registered}, "
        f"audit actions of no transition {registered - expected}"
    )
    shape = re.compile(rf"^{model._meta.app_label}\.[a-z_]+\.[a-z_]+$")
    for actions in AUDITED[key].values():
        for action in actions if isinstance(actions, tuple) else (actions,):
            assert shape.match(action), f"{action} is not <app>.<entity>.<past tense>"


# --- 2. the status writers, found in the source --------------------------------------------

SQL_STATUS_UPDATE = re.compile(r"\bUPDATE\b.*\bSET\b.*\bstatus\s*=", re.IGNORECASE | re.DOTALL)
STATUS_NAMES = {"status", "kyc_status"}


def _writes_status(node: ast.AST) -> bool:
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(
            isinstance(part, ast.Attribute) and part.attr in STATUS_NAMES
            for target in targets
            for part in ast.walk(target)
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "update":
            return any(keyword.arg in STATUS_NAMES for keyword in node.keywords)
        if node.func.attr == "bulk_update":
            return any(
                isinstance(c, ast.Constant) and c.value in STATUS_NAMES
                for argument in node.args[1:] + [k.value for k in node.keywords]
                for c in ast.walk(argument)
            )
    if isinstance(node, ast.JoinedStr | ast.Constant):
        parts = node.values if isinstance(node, ast.JoinedStr) else [node]
        text = "".join(p.value for p in parts if isinstance(getattr(p, "value", None), str))
        return bool(SQL_STATUS_UPDATE.search(text))
    return False


def _status_writers() -> set[tuple[str, str]]:
    found = set()

    def visit(node, function, path):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name, path)
                continue
            if _writes_status(child):
                found.add((path, function))
            visit(child, function, path)

    for app in ("hubs", "payments", "customs", "logistics", "analytics", "ewtp"):
        for source in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in source.parts:
                continue
            visit(ast.parse(source.read_text()), "<module>", source.relative_to(ROOT).as_posix())
    return found


def test_every_function_that_writes_a_status_is_known():
    found = _status_writers()
    assert found - set(STATUS_WRITERS) == set(), (
        "These change a status and are not listed: write the audit row in the same "
        "transaction (audit_record, or audit_record_bulk after a bulk UPDATE), drive the "
        "transition in this module, then list them in STATUS_WRITERS."
    )
    assert set(STATUS_WRITERS) - found == set(), "listed writers that no longer write a status"


# --- the drivers: each transition through its service --------------------------------------


@dataclass
class Expect:
    """The audit row a driver expects: on ``target``, by ``actor`` (a user) or under
    ``actor_label``, with ``reason`` in its reason; ``action`` when the entry names several."""

    target: object
    actor: User | None = None
    actor_label: str | None = None
    reason: str | None = None
    action: str | None = None


def _top_up(organization, bank, amount="500.00"):
    """Money in an organisation's balance, from a bank's clearing account."""
    ledger_post(
        kind="adjustment",
        description="opening balance",
        postings=[
            Posting(bank_clearing_account(bank=bank, currency="MYR"), Money(f"-{amount}", "MYR")),
            Posting(
                customer_account(organization=organization, currency="MYR"), Money(amount, "MYR")
            ),
        ],
    )


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


def drive_payment_intent(fixture, before, after):
    hgh = fixture("hgh")
    if after == "paid":
        bank = factories.api_client(kind="bank", name="CIMB", scopes=["payments:write"])
        order = ledger.paid_order(destination_hub=hgh, bank=bank.client)
        label = f"client:{bank.client_id}"
        return Expect(order.payment_intent, actor_label=label, reason="held in escrow")
    order = ledger.placed_order(destination_hub=hgh)  # the pipeline's step opens the intent
    if before == CREATED:
        return Expect(order.payment_intent, actor_label="pipeline")
    order_cancel(order=order, actor=None, reason="Ordered twice.", actor_label="Shop")
    payment_intent_close(order=order)
    return Expect(PaymentIntent.objects.get(order=order), actor_label="pipeline", reason="unpaid")


def drive_payout(fixture, before, after):
    fixture("kul")
    credentials = factories.api_client(
        kind="bank", name="CIMB", scopes=["payouts:read", "payouts:write"]
    )
    seller = factories.SellerFactory()
    owner = factories.member(seller)
    _top_up(seller, credentials.client)
    payout = payout_request(organization=seller, amount=Money("120.00", "MYR"), actor=owner)
    if before == CREATED:
        return Expect(payout, actor=owner)
    if after == "batched":
        payouts_batch_task()  # the beat's daily batch
        return Expect(payout, actor_label=SYSTEM_BEAT)
    payouts_batch(bank=credentials.client)
    for status in (before, after):
        if status in ("accepted", "settled", "rejected"):
            payout_status_report(
                bank=credentials.client,
                end_to_end_id=payout.end_to_end_id,
                status=status,
                reason_code="AC01" if status == "rejected" else "",
            )
    reason = "AC01" if after == "rejected" else None
    return Expect(payout, actor_label=f"client:{credentials.client_id}", reason=reason)


def _credit_line(fixture, *, pending: bool):
    """An owner's application to a lending bank: decided at once, or left to the bank."""
    fixture("kul")
    if pending:
        fixture("settings").CREDIT_AUTO_APPROVE_LIMIT = Decimal("2000")
    lender = factories.api_client(
        kind="bank", name="Lender", scopes=["credit:read", "credit:write"]
    )
    organization = factories.SellerFactory()
    owner = factories.member(organization)
    application = credit_apply_for(organization, owner, lender.client)
    assert application.status == ("pending" if pending else "approved")
    return application, owner, lender


def drive_credit(fixture, before, after):
    application, owner, lender = _credit_line(fixture, pending=before in (CREATED, "pending"))
    if before == CREATED:
        return Expect(application, actor=owner)
    if after in ("approved", "declined"):
        decision = {"approved": "approve", "declined": "decline"}[after]
        credit_decide(
            application=application, bank=lender.client, decision=decision, reasons=["Trade record"]
        )
        return Expect(application, actor_label=f"client:{lender.client_id}", reason="Trade record")
    if after == "withdrawn":
        credit_withdraw(application=application, actor=owner)
        return Expect(application, actor=owner, reason="Withdrawn")
    loan_draw(application=application, actor=owner)
    return Expect(application, actor=owner)


def drive_loan(fixture, before, after):
    application, owner, lender = _credit_line(fixture, pending=False)
    loan = loan_draw(application=application, actor=owner)
    if before == CREATED:
        return Expect(loan, actor=owner)
    _top_up(loan.organization, lender.client)
    loan_repay_early(loan=loan, actor=owner)
    return Expect(loan, actor=owner)


def drive_instalment(fixture, before, after):
    application, owner, lender = _credit_line(fixture, pending=False)
    loan = loan_draw(application=application, actor=owner)
    first = loan.instalments.get(number=1)
    if before == CREATED:
        return Expect(first, actor=owner)
    if after == "overdue":
        with time_machine.travel(first.due_on + timedelta(days=1)):
            instalments_overdue_task()  # the beat's daily sweep
        return Expect(first, actor_label=SYSTEM_BEAT, reason="not met")
    Instalment.objects.filter(pk=first.pk).update(status=before)
    _top_up(loan.organization, lender.client)
    loan_repay_early(loan=loan, actor=owner)
    return Expect(first, actor=owner)


def drive_declaration(fixture, before, after):
    tariff_load_bundled()
    declaration = declaration_create(request=declaration_request(fixture("hgh")), actor_label="t")
    if before == CREATED:
        return Expect(declaration, actor_label="t")
    officer = fixture("customs_officer")
    Declaration.objects.filter(pk=declaration.pk).update(status=before)
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        declaration_move(locked, after, officer.email, "Seen at the counter.", Public(), officer)
    return Expect(declaration, actor=officer, reason="Seen at the counter.")


ON_A_FLIGHT = (P.MANIFESTED, P.DEPARTED, P.ARRIVED, P.OUT_FOR_DELIVERY)


def drive_parcel(fixture, before, after):
    place = fixture("world")
    parcel = pack(place)
    if before == CREATED:
        return Expect(parcel, actor=place["seller_user"])
    departure = flight(place)
    Parcel.objects.filter(pk=parcel.pk).update(
        status=before,
        received_at=timezone.now(),
        export_released_at=timezone.now(),
        flight=departure if before in ON_A_FLIGHT else None,
    )
    if before in (P.DEPARTED, P.ARRIVED, P.OUT_FOR_DELIVERY):
        Flight.objects.filter(pk=departure.pk).update(status=Flight.Status.DEPARTED)
    parcel = Parcel.objects.get(pk=parcel.pk)
    if after in (P.MANIFESTED, P.DEPARTED, P.ARRIVED) or before == P.MANIFESTED:
        return _parcel_by_its_flight(place, parcel, departure, after)
    if before in (P.DEPARTED, P.ARRIVED, P.OUT_FOR_DELIVERY):
        return _parcel_at_the_destination(place, parcel, after)
    return _parcel_at_the_origin(place, parcel, before, after)


def _parcel_by_its_flight(place, parcel, departure, after):
    """Loaded by the beat's consolidation, flown by its clock, offloaded by a cancellation."""
    if after == P.MANIFESTED:
        consolidate_task()
        return Expect(parcel, actor_label=SYSTEM_BEAT)
    if after == P.RECEIVED:
        operator = place["operator"]
        flight_cancel(flight=departure, reason="Crew", actor_label=operator.email, actor=operator)
        return Expect(parcel, actor=operator, reason="Crew")
    clock = departure.departs_at if after == P.DEPARTED else departure.arrives_at
    with time_machine.travel(clock + timedelta(minutes=1)):
        flights_advance_task()
    return Expect(parcel, actor_label=SYSTEM_BEAT)


def _parcel_at_the_origin(place, parcel, before, after):
    seller, operator = place["seller_user"], place["operator"]
    if after == P.BOOKED:
        parcel_drop_off_book(parcel=parcel, at=timezone.now() + timedelta(days=1), actor=seller)
        return Expect(parcel, actor=seller)
    if after == P.RECEIVED:
        step = parcel_hold_release if before == P.HELD else parcel_receive
        step(parcel=parcel, actor=operator)
        return Expect(parcel, actor=operator)
    step = {P.HELD: parcel_hold, P.RETURNED: parcel_return}[after]
    step(parcel=parcel, reason="Export refused", actor=operator)
    return Expect(parcel, actor=operator, reason="Export refused")


def _parcel_at_the_destination(place, parcel, after):
    operator = factories.UserFactory(
        official_role=User.OfficialRole.HUB_OPERATOR, official_hub=place["hgh"]
    )
    if after == P.EXCEPTION:
        parcel_exception(parcel=parcel, reason="Not found at the base", actor=operator)
        return Expect(parcel, actor=operator, reason="Not found at the base")
    step = {P.OUT_FOR_DELIVERY: parcel_out_for_delivery, P.DELIVERED: parcel_deliver}[after]
    step(parcel=parcel, actor=operator)
    return Expect(parcel, actor=operator)


SCHEDULE = (
    "carrier,flight_number,origin,destination,departs_local,arrives_local,capacity_kg,"
    "capacity_pieces\nMH,MH999,KUL,HGH,2031-05-01 09:00,2031-05-01 14:30,3000,2500\n"
)


def drive_flight(fixture, before, after):
    place = fixture("world")
    operator = place["operator"]
    if before == CREATED:
        flights_import(text=SCHEDULE, origin_hub=place["kul"], actor=operator)
        return Expect(Flight.objects.get(number="MH999"), actor=operator)
    departure = flight(place)
    if after == "cancelled":
        flight_cancel(
            flight=departure, reason="Weather", actor_label=operator.email, actor=operator
        )
        return Expect(departure, actor=operator, reason="Weather")
    Flight.objects.filter(pk=departure.pk).update(status=before)
    clock = departure.departs_at if after == "departed" else departure.arrives_at
    with time_machine.travel(clock + timedelta(minutes=1)):
        flights_advance_task()  # the beat's clock
    return Expect(departure, actor_label=SYSTEM_BEAT)


def drive_treasury_settlement(fixture, before, after):
    """A day's conversion, settled with the bank by the beat the next night."""
    fixture("kul")
    bank = factories.api_client(kind="bank", name="CIMB", scopes=["payments:write"])
    fx_rates_load()
    order = ledger.paid_order(
        destination_hub=fixture("hgh"), bank=bank.client, payment_currency="CNY"
    )
    escrow_release(order=ledger.deliver(order), actor_label="buyer", reason="Received")
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        treasury_settle_task()
    return Expect(TreasurySettlement.objects.get(), actor_label=SYSTEM_BEAT)


def drive_classification(fixture, before, after):
    tariff_load_bundled()
    TariffLine.objects.filter(country="CN", hs_code__in=["61", "6109"]).delete()
    TariffLine.objects.filter(country="CN", hs_code__startswith="6109").delete()
    hgh = fixture("hgh")
    tshirt = ItemRequest("610910", "Cotton T-shirt", "MY", 2, Decimal("0.4"), Decimal("90"))
    declaration = declaration_create(
        request=declaration_request(hgh, items=[tshirt]), actor_label="t"
    )
    declaration_submit(declaration=declaration, actor_label="t")
    declaration_process(declaration_id=declaration.pk)
    waiting = Classification.objects.get(declaration=declaration)
    if before == CREATED:
        return Expect(waiting, actor_label="duty engine", reason="no CN tariff line")
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    factories.TariffLineFactory(country="CN", hs_code="61091000", legal_source="CN tariff")
    classification_decide(
        classification=waiting, line_code="61091000", reason="Heading 61.09.", actor=officer
    )
    return Expect(waiting, actor=officer, reason="Heading 61.09.")


def drive_audit(fixture, before, after):
    """A blue-lane release selected by its release event; an officer of the hub audits it;
    the pipeline bills the finding to the declarant's organisation."""
    tariff_load_bundled()
    RiskRule.objects.filter(code="random").update(enabled=False)
    hgh = fixture("hgh")
    seller = factories.SellerFactory(home_hub=fixture("kul"))
    declaration = declaration_create(
        request=declaration_request(hgh, organization=seller), actor_label="t"
    )
    declaration = submit_and_process(with_agreeing_records(declaration))
    audit = audit_enrol(declaration_id=declaration.pk)  # a blue-lane release (new exporter)
    if before == CREATED:
        return Expect(audit, actor_label="customs")
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    if after == "no_finding":
        audit_close_without_finding(audit=audit, note="Invoice matches.", actor=officer)
        return Expect(audit, actor=officer, reason="Invoice matches.")
    audit_finding_raise(audit=audit, values={1: "300"}, finding="Invoice at 300.", actor=officer)
    if after == "finding":
        return Expect(audit, actor=officer, reason="Invoice at 300.")
    event = OutboxEvent.objects.get(name="customs.audit_finding_raised")
    audit_billed(AuditFindingRaised(**event.payload))
    return Expect(audit, actor_label="pipeline", reason="billed to the declarant")


def drive_lvg_registration(fixture, before, after):
    """A seller's owner enters its LVG registration, then records its cancellation."""
    seller = factories.SellerFactory(home_hub=fixture("kul"))
    owner = factories.member(seller)
    today = timezone.localdate()
    registration = lvg_registration_enter(
        organization=seller,
        request=LvgRegistrationRequest("LVG-2401-00000123", today - timedelta(days=30)),
        actor=owner,
    )
    if before == CREATED:
        return Expect(registration, actor=owner)
    lvg_registration_cancel(
        registration=registration, cancelled_from=today, reason="Sales fell.", actor=owner
    )
    return Expect(registration, actor=owner, reason="Sales fell.")


def drive_certificate(fixture, before, after):
    """The exporter declares its goods' origin, the origin hub's officer issues the Form E,
    then revokes it."""
    from decimal import Decimal

    from customs.services.certificates import certificate_issue, certificate_revoke
    from customs.services.origin import OriginDeclarationRequest, origin_declaration_file

    kul = fixture("kul")
    exporter = factories.SellerFactory(home_hub=kul)
    owner = factories.member(exporter)
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul
    )
    request = OriginDeclarationRequest(
        hub=kul,
        hs_code="621410",
        description="Batik silk scarf",
        origin_country="MY",
        importing_country="CN",
        importer_name="Hangzhou Tea House Co., Ltd.",
        criterion="RVC",
        currency="MYR",
        fob_value=Decimal("1000.00"),
        non_originating_value=Decimal("500.00"),
    )
    declared = origin_declaration_file(organization=exporter, request=request, actor=owner)
    certificate = certificate_issue(declarations=[declared], officer=officer)
    if before == CREATED:
        return Expect(certificate, actor=officer)
    certificate_revoke(certificate=certificate, reason="Issued in error.", officer=officer)
    return Expect(certificate, actor=officer, reason="Issued in error.")


DRIVERS = {
    Order: drive_order,
    Organization: drive_kyc,
    ProductImport: drive_product_import,
    PaymentIntent: drive_payment_intent,
    Payout: drive_payout,
    CreditApplication: drive_credit,
    Loan: drive_loan,
    Instalment: drive_instalment,
    Declaration: drive_declaration,
    Parcel: drive_parcel,
    Flight: drive_flight,
    TreasurySettlement: drive_treasury_settlement,
    Classification: drive_classification,
    LvgRegistration: drive_lvg_registration,
    PostClearanceAudit: drive_audit,
    CertificateOfOrigin: drive_certificate,
}
CASES = [
    pytest.param(key, before, after, id=f"{key[0].__name__}:{before or 'new'}->{after}")
    for key, actions in AUDITED.items()
    for before, after in sorted(actions)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "before", "after"), CASES)
def test_each_transition_writes_its_audit_row(request, key, before, after):
    expected = AUDITED[key][(before, after)]
    results = DRIVERS[key[0]](request.getfixturevalue, str(before), str(after))
    results = results if isinstance(results, list) else [results]
    actions = expected if isinstance(expected, tuple) else (expected,)
    assert {result.action or actions[0] for result in results} == set(actions)
    for result in results:
        entry = _entry(result.target, result.action or actions[0])
        if before != CREATED:  # the row names the status it came from
            assert entry.data.get("from") == before, entry.data
        if result.actor is not None:
            assert (entry.actor, entry.actor_label) == (result.actor, result.actor.email)
        else:
            assert entry.actor is None and entry.actor_label == result.actor_label
        if result.reason:
            assert result.reason.lower() in entry.reason.lower(), entry.reason
        assert entry.created_at is not None


def _entry(target, action) -> AuditEntry:
    trail = AuditEntry.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    ).order_by("-id")
    entry = trail.filter(action=action).first()
    assert entry is not None, (
        f"no {action} for {target._meta.label} {target.pk}; "
        f"its trail: {list(trail.values_list('action', flat=True))}"
    )
    return entry


# --- the finding's own cases, end to end ---------------------------------------------------


@pytest.mark.django_db
def test_a_banks_report_over_the_api_is_audited_under_its_client_id(api, kul):
    credentials = factories.api_client(
        kind="bank", name="CIMB", scopes=["payouts:read", "payouts:write"]
    )
    seller = factories.SellerFactory()
    _top_up(seller, credentials.client)
    payout = payout_request(
        organization=seller, amount=Money("80.00", "MYR"), actor=factories.member(seller)
    )
    payouts_batch(bank=credentials.client)
    token = issue_token(api, credentials).json()["access_token"]
    for status in ("accepted", "settled"):
        response = api.post(
            "/api/v1/payouts/status",
            {"end_to_end_id": payout.end_to_end_id, "status": status},
            format="json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200, response.content
    trail = AuditEntry.objects.filter(target_type="payments.payout", target_id=str(payout.pk))
    assert list(trail.order_by("id").values_list("action", "actor_label")) == [
        ("payments.payout.requested", seller.memberships.get().user.email),
        ("payments.payout.batched", "system"),
        ("payments.payout.accepted", f"client:{credentials.client_id}"),
        ("payments.payout.settled", f"client:{credentials.client_id}"),
    ]
    # a bank's repeated report changes nothing, and writes nothing
    payout_status_report(
        bank=credentials.client, end_to_end_id=payout.end_to_end_id, status="settled"
    )
    assert trail.count() == 4


@pytest.mark.django_db
def test_a_flights_departure_and_landing_audit_every_parcel_on_board(world):  # noqa: F811
    departure = flight(world)
    parcels = [pack(world) for _ in range(3)]
    Parcel.objects.filter(pk__in=[p.pk for p in parcels]).update(
        status=P.MANIFESTED, flight=departure, export_released_at=timezone.now()
    )
    with time_machine.travel(departure.arrives_at + timedelta(minutes=1)):
        flights_advance_task()  # departs, then lands, in one run of the clock
        flights_advance_task()
    for action in ("logistics.parcel.departed", "logistics.parcel.arrived"):
        entries = AuditEntry.objects.filter(action=action, target_type="logistics.parcel")
        assert sorted(entries.values_list("target_id", flat=True)) == sorted(
            str(p.pk) for p in parcels
        )
        assert {(e.actor_label, e.data["flight"]) for e in entries} == {(SYSTEM_BEAT, departure.pk)}
    flight_trail = AuditEntry.objects.filter(
        target_type="logistics.flight", target_id=str(departure.pk)
    )
    assert list(flight_trail.order_by("id").values_list("action", "data")) == [
        ("logistics.flight.departed", {"from": "scheduled", "parcels": 3}),
        ("logistics.flight.arrived", {"from": "departed", "parcels": 3}),
    ]


@pytest.mark.django_db
def test_a_bulk_audit_writes_one_row_per_object_with_the_same_fields(mdec_officer):
    written = audit_record_bulk(
        actor=mdec_officer,
        action="logistics.parcel.offloaded",
        model=Parcel,
        ids=[3, 1, 2],
        reason="Flight MH360 cancelled: crew",
        data={"flight": 7},
    )
    entries = AuditEntry.objects.filter(action="logistics.parcel.offloaded").order_by("target_id")
    assert written == 3
    assert [
        (e.target_type, e.target_id, e.actor, e.actor_label, e.reason, e.data) for e in entries
    ] == [
        (
            "logistics.parcel",
            pk,
            mdec_officer,
            mdec_officer.email,
            "Flight MH360 cancelled: crew",
            {"flight": 7},
        )
        for pk in ("1", "2", "3")
    ]
    assert all(e.created_at is not None for e in entries)
    assert audit_record_bulk(actor=None, action="x.y.z", model=Parcel, ids=[]) == 0
