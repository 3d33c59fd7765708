"""A declaration's changes of state as they are recorded: the transition the declarant and
the officers read, the audit row, the webhook to the SME's own clients and to the channel
its order came from, and the event of a decision for the other apps.

``Moves`` collects them in memory and writes them together: one declaration's step writes
its few rows, a batch of hundreds writes the same rows in one insert per table. The caller
holds the declarations locked in its transaction and saves their own fields.
"""

from dataclasses import dataclass
from datetime import UTC

from django.utils import timezone

from ewtp.common.audit import audit_entry, audit_record_many
from ewtp.common.errors import ConflictError
from ewtp.common.outbox import event_record_many
from ewtp.common.webhooks import webhook_emit_each, webhook_listeners_by
from hubs.selectors import orders_references

from ..events import DeclarationDecided
from ..models import Declaration, DeclarationTransition

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
class Public:
    """What the declarant is told of a step, where it differs from the officers' record."""

    actor: str = ""  # default: the actor's label
    reason: str | None = None  # default: the reason


AS_RECORDED = Public()  # the declarant reads what the officers' record says


class Moves:
    def __init__(self):
        self.transitions: list[DeclarationTransition] = []
        self.audits: list = []
        self.told: list[tuple[Declaration, dict]] = []
        self.events: list[DeclarationDecided] = []

    def move(
        self,
        declaration: Declaration,
        to: str,
        actor_label: str,
        reason: str = "",
        public: Public = AS_RECORDED,
        actor=None,
    ) -> Declaration:
        """``actor``: the officer whose decision it is (the audit row links the user); the
        pipeline's and the declarant's steps are named by ``actor_label`` alone."""
        if not declaration.can_become(to):
            raise ConflictError(
                f"Declaration {declaration.reference} is "
                f"{declaration.get_status_display().lower()}; it cannot become "
                f"{Declaration.Status(to).label.lower()}.",
                "declaration_transition",
            )
        before = declaration.status
        declaration.status = to
        now = timezone.now()
        declaration.status_changed_at, declaration.stuck_reported_at = now, None
        declaration.updated_at = now
        self.record(declaration, before, to, actor_label, reason, public, actor)
        # what the channels hear of this step, as it is now (a batch moves on before writing)
        self.told.append(
            (
                declaration,
                {
                    "reference": declaration.reference,
                    "regime": declaration.regime,
                    "status": to,
                    "lane": declaration.lane,
                    "reason": (reason if public.reason is None else public.reason)[:500],
                    "total_tax": str(declaration.total_tax),
                    "customs_currency": declaration.customs_currency,
                },
            )
        )
        return declaration

    def record(
        self,
        declaration: Declaration,
        before: str,
        to: str,
        actor_label: str,
        reason: str = "",
        public: Public = AS_RECORDED,
        actor=None,
    ) -> Declaration:
        """The transition and audit rows of a change (move's, or a new declaration's first
        state, "" → draft, which no channel is told of)."""
        shown = reason if public.reason is None else public.reason
        self.transitions.append(
            DeclarationTransition(
                declaration=declaration,
                from_status=before,
                to_status=to,
                actor_label=actor_label[:254],
                reason=reason[:500],
                public_actor=(public.actor or actor_label)[:100],
                public_reason=shown[:500],
            )
        )
        self.audits.append(
            audit_entry(
                actor=actor,
                actor_label=actor_label,
                action=f"customs.declaration.{to}",
                target=declaration,
                reason=reason,
                data={"from": before},
            )
        )
        return declaration

    def decide(
        self,
        declaration: Declaration,
        to: str,
        actor_label: str,
        reason: str,
        public: Public = AS_RECORDED,
        by_officer: bool = False,
        actor=None,
    ) -> str:
        """Move to a decision (released, held, rejected) and tell the other apps; a release
        decided while the goods are in the air becomes accepted. Returns the status it
        moved to. What a rejection gives back is the caller's."""
        if to == Declaration.Status.RELEASED and declaration.in_the_air:
            # Pre-arrival processing (RKC General Annex Standards 3.25/3.26): decided while
            # the goods are in the air, released when they are presented
            to = Declaration.Status.ACCEPTED
            reason, public = _awaiting_arrival(declaration, reason, public)
        self.move(declaration, to, actor_label, reason, public, actor)
        self.events.append(
            DeclarationDecided(
                declaration_id=declaration.pk,
                order_id=declaration.order_id,
                regime=declaration.regime,
                status=to,
                lane=declaration.lane,
                reason=(reason if public.reason is None else public.reason)[:300],
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


def _awaiting_arrival(declaration: Declaration, reason: str, public: Public):
    """The reasons of a release decided before the goods arrived, saying it waits for them."""
    waits = (
        f" Accepted before arrival: released when the goods arrive (due "
        f"{declaration.arrival_expected_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)."
    )
    # the declarant reads the decision as it was (a lane's name is shown in its language);
    # its status says that it waits for the goods
    shown = reason if public.reason is None else public.reason
    return reason + waits, Public(actor=public.actor, reason=shown)


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
