"""A declaration's changes of state as they are recorded: the transition the declarant and
the officers read, the audit row, the webhook to the SME's own clients and to the channel
its order came from, and the event of a decision for the other apps.

``Moves`` collects them in memory and writes them together: the clearance pipeline's batch
of hundreds (customs/services/clearance.py) writes them in one insert per table; the caller
holds those declarations locked in its transaction and saves their own fields.
``declaration_transition`` is the one way to move a single declaration: it locks the row,
moves it with ``Moves`` and writes.
"""

from dataclasses import dataclass, replace
from datetime import UTC

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ewtp.common.audit import audit_entry, audit_record_many
from ewtp.common.errors import ConflictError
from ewtp.common.outbox import event_record_many
from ewtp.common.webhooks import webhook_emit_each, webhook_listeners_by
from hubs.selectors import orders_references

from ..errors import CustomsErrorCode
from ..events import DeclarationDecided
from ..models import CbecAnnualTotal, Declaration, DeclarationTransition
from .parties import buyer_key
from .permits import permits_give_back

# What a move changes on the declaration row (with what the step computed before moving).
MOVED_FIELDS = [
    "status",
    "treatment",
    "total_tax",
    "lane",
    "status_changed_at",
    "stuck_reported_at",
    "updated_at",
]
STATUS_EVENT = "declaration.status"


@dataclass(frozen=True)
class PublicNotice:
    """What the declarant is told of a step, where it differs from the officers' record."""

    actor: str = ""  # default: the actor's label
    reason: str | None = None  # default: the reason


AS_RECORDED = PublicNotice()  # the declarant reads what the officers' record says


@dataclass(frozen=True)
class TransitionNote:
    """Who moves a declaration and why, as the transition row and the audit row keep it,
    and what the declarant is told of it."""

    actor_label: str
    reason: str = ""
    public: PublicNotice = AS_RECORDED
    # the officer whose decision it is (the audit row links the user); the pipeline's and
    # the declarant's steps are named by actor_label alone
    actor: object = None

    @property
    def public_actor(self) -> str:
        return self.public.actor or self.actor_label

    @property
    def public_reason(self) -> str:
        return self.reason if self.public.reason is None else self.public.reason


class Moves:
    def __init__(self):
        self.transitions: list[DeclarationTransition] = []
        self.audits: list = []
        self.told: list[tuple[Declaration, dict]] = []
        self.events: list[DeclarationDecided] = []

    def move(self, declaration: Declaration, to: str, note: TransitionNote) -> Declaration:
        """Move ``declaration`` (held locked by the caller) to ``to``, refused with 409 when
        its status does not allow it, and collect what is recorded of the move."""
        if not declaration.can_become(to):
            raise ConflictError(
                f"Declaration {declaration.reference} is "
                f"{declaration.get_status_display().lower()}; it cannot become "
                f"{Declaration.Status(to).label.lower()}.",
                CustomsErrorCode.DECLARATION_TRANSITION,
            )
        before = declaration.status
        declaration.status = to
        now = timezone.now()
        declaration.status_changed_at, declaration.stuck_reported_at = now, None
        declaration.updated_at = now
        self.record(declaration, before, note)
        # what the channels hear of this step, as it is now (a batch moves on before writing)
        self.told.append(
            (
                declaration,
                {
                    "reference": declaration.reference,
                    "regime": declaration.regime,
                    "status": to,
                    "lane": declaration.lane,
                    "reason": note.public_reason[:500],
                    "total_tax": str(declaration.total_tax),
                    "customs_currency": declaration.customs_currency,
                },
            )
        )
        return declaration

    def record(self, declaration: Declaration, before: str, note: TransitionNote) -> None:
        """The transition and audit rows of the change to the declaration's status (move's,
        or a new declaration's first state, "" → draft, which no channel is told of)."""
        to = declaration.status
        self.transitions.append(
            DeclarationTransition(
                declaration=declaration,
                from_status=before,
                to_status=to,
                actor_label=note.actor_label[:254],
                reason=note.reason[:500],
                public_actor=note.public_actor[:100],
                public_reason=note.public_reason[:500],
            )
        )
        self.audits.append(
            audit_entry(
                actor=note.actor,
                actor_label=note.actor_label,
                action=f"customs.declaration.{to}",
                target=declaration,
                reason=note.reason,
                data={"from": before},
            )
        )

    def decide(
        self, declaration: Declaration, to: str, note: TransitionNote, *, by_officer: bool = False
    ) -> str:
        """Move to a decision (released, held, rejected) and tell the other apps; a release
        decided while the goods are in the air becomes accepted. Returns the status it
        moved to. What a rejection gives back is the caller's."""
        if to == Declaration.Status.RELEASED and declaration.in_the_air:
            # Pre-arrival processing (RKC General Annex Standards 3.25/3.26): decided while
            # the goods are in the air, released when they are presented
            to = Declaration.Status.ACCEPTED
            note = _awaiting_arrival(declaration, note)
        self.move(declaration, to, note)
        self.events.append(
            DeclarationDecided(
                declaration_id=declaration.pk,
                order_id=declaration.order_id,
                regime=declaration.regime,
                status=to,
                lane=declaration.lane,
                reason=note.public_reason[:300],
                by_officer=by_officer,
            )
        )
        return to

    def write(self) -> None:
        """Write what was collected (in the caller's transaction) and start over."""
        DeclarationTransition.objects.bulk_create(self.transitions)
        audit_record_many(self.audits)
        _tell_channels(self.told)
        if self.events:
            event_record_many(self.events)
        self.__init__()


# where a declaration ends without its goods released: what it held is given back
ENDS_WITHOUT_RELEASE = {Declaration.Status.REJECTED, Declaration.Status.CANCELLED}


def declaration_transition(
    *,
    declaration: Declaration,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    public: PublicNotice = AS_RECORDED,
    decision: bool = False,
    by_officer: bool = False,
) -> Declaration:
    """Move one declaration along Declaration.TRANSITIONS: lock its row, move it with
    ``Moves``, save it and write its transition row, audit row and webhooks, in the caller's
    transaction (or its own). Returns the locked row as it is now.

    A ``decision`` (released, held or rejected, by the pipeline or an officer) is also told
    to the other apps (DeclarationDecided), and a release decided while the goods are in the
    air becomes an acceptance (Moves.decide). A declaration rejected or cancelled gives back
    what it held: its share of the buyer's CBEC annual allowance and the permits drawn for it.

    Unlike ewtp.common.states.state_change, a move to the status the declaration is in is
    refused (409) like any other its status does not allow: a repeated submission is caught
    before it gets here (declaration_submit), and a repeated amendment or cancellation is the
    declarant's to hear of.
    """
    note = TransitionNote(actor_label or getattr(actor, "email", ""), reason, public, actor)
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        moves = Moves()
        if decision:
            moves.decide(locked, to, note, by_officer=by_officer)
        else:
            moves.move(locked, to, note)
        locked.save(update_fields=MOVED_FIELDS)
        moves.write()
        if locked.status in ENDS_WITHOUT_RELEASE:
            _give_back_allowance(locked)
            permits_give_back(locked, actor_label=note.actor_label, actor=actor)
    return locked


def _give_back_allowance(declaration: Declaration) -> None:
    if declaration.cbec_reserved_minor:
        CbecAnnualTotal.objects.filter(
            buyer_key=buyer_key(declaration.importer_id_reference),
            year=declaration.declared_on.year,
        ).update(total_minor=F("total_minor") - declaration.cbec_reserved_minor)
        declaration.cbec_reserved_minor = 0
        declaration.save(update_fields=["cbec_reserved_minor"])


def _awaiting_arrival(declaration: Declaration, note: TransitionNote) -> TransitionNote:
    """The note of a release decided before the goods arrived, saying it waits for them."""
    waits = (
        f" Accepted before arrival: released when the goods arrive (due "
        f"{declaration.arrival_expected_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)."
    )
    # the declarant reads the decision as it was (a lane's name is shown in its language);
    # its status says that it waits for the goods
    return replace(
        note,
        reason=note.reason + waits,
        public=PublicNotice(actor=note.public.actor, reason=note.public_reason),
    )


def _tell_channels(told: list[tuple[Declaration, dict]]) -> None:
    """A webhook per change to the SME's own API clients and to the channel its order came
    from: the listening endpoints of every organisation and order read in two queries.
    A declaration of no organisation is never sent to "no organisation" (every bank's
    client)."""
    organizations = {d.organization_id for d, _data in told if d.organization_id}
    orders = {d.order_id for d, _data in told if d.order_id}
    if not organizations and not orders:
        return
    of_organization = webhook_listeners_by(
        event=STATUS_EVENT,
        lookup="api_client__organization_link__organization_id",
        keys=organizations,
    )
    of_order = webhook_listeners_by(
        event=STATUS_EVENT, lookup="api_client__orders__pk", keys=orders
    )
    messages = [
        (
            of_organization.get(declaration.organization_id, set())
            | of_order.get(declaration.order_id, set()),
            declaration,
            data,
        )
        for declaration, data in told
    ]
    messages = [message for message in messages if message[0]]
    if not messages:
        return
    references = orders_references(
        order_ids={d.order_id for _e, d, _data in messages if d.order_id}
    )
    webhook_emit_each(
        event=STATUS_EVENT,
        messages=[
            (endpoints, {**data, "order_reference": references.get(declaration.order_id)})
            for endpoints, declaration, data in messages
        ],
    )
