"""The one shape of a state change, for every stateful model.

A stateful model inherits ``StateMachine`` and declares its moves in ``TRANSITIONS`` (each
state → the states it may become) over ``STATE_FIELD``. Each app moves its models through one
``<entity>_transition`` service built on ``state_change``: it locks the row, returns the row
unchanged when it is already in the asked state (a retried step or a double click), refuses
an illegal move with a 409 carrying the app's error code, sets the state and whatever the
move implies, saves those fields, and writes the history row (where the model keeps one), the
audit row and the event, all in the caller's transaction.

Not a state-machine library (django-fsm is archived, its successors decorate model methods):
these moves must lock the row, be idempotent for a retried task, and also run a batch of
declarations with bulk statements (customs/services/moves.py), which those libraries do not
do; what they would add beyond this is a graph drawing.
"""

import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from django.db import models, transaction

from .audit import audit_record
from .errors import ConflictError
from .outbox import event_record


class StateMachine(models.Model):
    """A model whose ``STATE_FIELD`` moves only along ``TRANSITIONS``."""

    STATE_FIELD: ClassVar[str] = "status"
    TRANSITIONS: ClassVar[Mapping[str, Iterable[str]]] = {}

    class Meta:
        abstract = True

    @property
    def state(self) -> str:
        return getattr(self, self.STATE_FIELD)

    def can_become(self, to: str) -> bool:
        return to in self.TRANSITIONS.get(self.state, ())

    @classmethod
    def states(cls) -> set[str]:
        return {value for value, _label in cls._meta.get_field(cls.STATE_FIELD).choices}


Refusal = Callable[[Any, str], ConflictError]


def state_change(
    instance: StateMachine,
    to: str,
    *,
    refusal: Refusal,
    action: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    data: dict | None = None,
    apply: Callable[[Any, str], Iterable[str]] | None = None,
    history: Callable[[Any, str], None] | None = None,
    event: Callable[[Any, str], Any] | None = None,
    guard: Callable[[Any], None] | None = None,
    already_locked: bool = False,
) -> tuple[Any, bool]:
    """Move ``instance`` to ``to``; return the locked row and whether it moved.

    ``refusal(locked, to)`` builds the app's 409 for an illegal move; ``guard(locked)`` may
    refuse first for another reason (a stale page); ``apply(locked, before)`` sets what else
    the move implies and returns those field names; ``history`` writes the model's own
    history row; ``event`` returns the domain event to record (or None). The audit row's
    action is ``action`` with ``data`` beside the state the row came from.

    Inside the caller's transaction no savepoint is opened: an exception leaves what
    ``apply`` or ``history`` had written to that transaction, so a caller that catches one
    and goes on opens its own savepoint around the move (as callers of Django's own writes
    do).

    ``already_locked``: the caller read ``instance`` with ``select_for_update`` in the
    transaction it has open, so it is current and held, and is moved as it is (and returned)
    instead of being read again.
    """
    model = type(instance)
    field = model.STATE_FIELD
    # Inside the caller's transaction no savepoint (two round trips per move, and the usual
    # refusal comes before anything is written): see the docstring.
    held = transaction.get_connection().in_atomic_block
    if already_locked and not held:
        raise ValueError("already_locked: the row is locked only inside the caller's transaction")
    with contextlib.nullcontext() if held else transaction.atomic():
        locked = (
            instance
            if already_locked
            else model._default_manager.select_for_update().get(pk=instance.pk)
        )
        if locked.state == to:
            return locked, False
        if guard is not None:
            guard(locked)
        if not locked.can_become(to):
            raise refusal(locked, to)
        before = locked.state
        setattr(locked, field, to)
        fields = [field, *(apply(locked, before) if apply else ())]
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            fields.append("updated_at")
        locked.save(update_fields=list(dict.fromkeys(fields)))
        if history is not None:
            history(locked, before)
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action=action,
            target=locked,
            reason=reason,
            data={"from": before, "to": to, **(data or {})},
        )
        if event is not None and (message := event(locked, before)) is not None:
            event_record(message)
    return locked, True
