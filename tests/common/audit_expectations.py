"""What the audit trail must hold, shared by the audit tests (tests/common/test_audit_*.py).

Audit complete: every change of status of every stateful model is in the audit trail, with
its actor (a user; or a label: ``client:<client id>`` for a partner bank over the API,
``system:beat`` for the beat's sweeps), its time, the status it came from, and the reason
where there is one.

Three nets, from coarse to fine:

1. Every status field of every model is either a state machine (``STATE_MACHINES``) whose
   transitions map covers each of its status values, or listed in ``NOT_STATE`` with the
   reason it is none: a new status field fails until someone decides
   (test_audit_state_machines.py).
2. Every function that writes a status (an assignment, a bulk UPDATE, raw SQL) is listed in
   ``STATUS_WRITERS``: a new way to change a status fails until it is audited and listed
   (test_audit_status_writers.py).
3. ``AUDITED`` names the audit action of every transition of every state machine, and of the
   status a row is created in; it must match the transitions maps exactly (a status value or
   a transition added to a model without its audit action fails), and each entry is driven
   through its service in the test module of its app (test_audit_<app>.py), which must write
   that action for that object with its actor.
"""

from dataclasses import dataclass

import pytest

from customs.models import CertificateOfOrigin, Classification, Declaration, PostClearanceAudit
from customs.models.lvg import LvgRegistration
from ewtp.common.models import AuditEntry
from hubs.models import Order, Organization, ProductImport, User
from logistics.models import Flight, Parcel
from payments.models import (
    CreditApplication,
    Instalment,
    Loan,
    PaymentIntent,
    Payout,
    TreasurySettlement,
)

CREATED = ""  # the "from" of the status a row is created in
# the apps whose transitions are driven, each in tests/common/test_audit_<app>.py
DRIVEN_APPS = ("hubs", "payments", "customs", "logistics")

# --- 1. which status fields are state machines --------------------------------------------

STATE_MACHINES = {
    (Order, "status"): Order.TRANSITIONS,
    (Organization, "kyc_status"): Organization.TRANSITIONS,
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


@dataclass
class Expect:
    """The audit row a driver expects: on ``target``, by ``actor`` (a user) or under
    ``actor_label``, with ``reason`` in its reason; ``action`` when the entry names several."""

    target: object
    actor: User | None = None
    actor_label: str | None = None
    reason: str | None = None
    action: str | None = None


def cases(app_label: str) -> list:
    """The transitions of the state machines of one app, one test case each."""
    return [
        pytest.param(key, before, after, id=f"{key[0].__name__}:{before or 'new'}->{after}")
        for key, actions in AUDITED.items()
        if key[0]._meta.app_label == app_label
        for before, after in sorted(actions)
    ]


def transition_audited(driver, fixture, key, before, after) -> None:
    """Drive one transition through its service; its audit row must be there, on its
    object, with its action, actor, the status it came from and its reason."""
    expected = AUDITED[key][(before, after)]
    results = driver(fixture, str(before), str(after))
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
