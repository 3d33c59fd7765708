"""The transactional outbox: how a domain app tells the layers above it what happened.

A service records an event inside its own transaction (``event_record``); the event row
commits or rolls back with the change. After commit a Celery task runs ``outbox_dispatch``,
which hands the event to each subscriber exactly once: the subscriber's work and its
``OutboxDelivery`` row share one transaction, and that row is unique per (event, subscriber).
A retried, duplicated or concurrent dispatch therefore skips what is already done, and a
subscriber that failed is tried again on the next run. A periodic sweep re-drives events
whose first dispatch never happened (broker down, process killed after commit).

Event names are "<app>.<entity>_<past tense>"; each is declared once with a frozen dataclass
of JSON-native fields (see ``event_type``), so the payload shape is part of the code.
"""

import dataclasses
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .errors import ApplicationError, CommonErrorCode
from .models import OutboxDelivery, OutboxEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscriber:
    name: str
    handler: Callable


_event_types: dict[str, type] = {}
_subscribers: dict[str, list[Subscriber]] = {}


def event_type(name: str):
    """Class decorator declaring a frozen dataclass as the payload of event ``name``."""

    def register(cls):
        if not (dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen):
            raise TypeError(f"Payload of {name} must be a frozen dataclass.")
        if _event_types.get(name, cls) is not cls:
            raise ValueError(f"Event {name} is already declared by {_event_types[name]!r}.")
        _event_types[name] = cls
        cls.event_name = name
        return cls

    return register


def subscribe(event_name: str, *, name: str | None = None):
    """Function decorator: call the handler with the payload of every ``event_name``.

    The subscriber name is stored with each delivery, so renaming it re-delivers old events:
    keep names stable (the default is the handler's dotted path).
    """

    def register(handler):
        subscriber_name = name or f"{handler.__module__}.{handler.__qualname__}"
        subscribers = _subscribers.setdefault(event_name, [])
        if all(s.name != subscriber_name for s in subscribers):
            subscribers.append(Subscriber(subscriber_name, handler))
        return handler

    return register


def unsubscribe(event_name: str, subscriber_name: str) -> None:
    _subscribers[event_name] = [
        s for s in _subscribers.get(event_name, []) if s.name != subscriber_name
    ]


def subscribers_of(event_name: str) -> list[Subscriber]:
    return list(_subscribers.get(event_name, []))


def event_record(payload) -> OutboxEvent:
    """Record ``payload`` (an instance of a declared event type) in the current transaction.

    Dispatch is enqueued after commit; if the broker is unreachable then, the sweep picks
    the event up later, so nothing is lost.
    """
    name = getattr(type(payload), "event_name", None)
    if name is None or _event_types.get(name) is not type(payload):
        raise ApplicationError(
            f"{type(payload).__name__} is not a declared event type.", CommonErrorCode.EVENT_UNKNOWN
        )
    data = dataclasses.asdict(payload)
    json.dumps(data)  # fails here, in the caller's transaction, if a field is not JSON-native
    event = OutboxEvent.objects.create(
        name=name, payload=data, next_attempt_at=timezone.now() + settings.OUTBOX_REDRIVE_AFTER
    )
    transaction.on_commit(lambda: _enqueue_dispatch(event.pk))
    return event


def _enqueue_dispatch(event_id: int) -> None:
    from .tasks import outbox_dispatch_task

    try:
        outbox_dispatch_task.delay(event_id)
    except Exception:  # the broker is down: the sweep re-drives the event
        logger.warning("outbox: could not enqueue dispatch of event %s", event_id, exc_info=True)


class OutboxDispatchFailed(Exception):
    """One or more subscribers raised; the event stays pending and the sweep retries it."""


def outbox_dispatch(*, event_id: int) -> int:
    """Deliver one event to each subscriber that does not have it yet.

    Returns the number of deliveries made by this call (0 when all were done before).
    On any failure the event is given a later retry time (exponential backoff) and
    OutboxDispatchFailed is raised; after OUTBOX_MAX_ATTEMPTS it waits for an operator.
    """
    event = OutboxEvent.objects.filter(pk=event_id).first()
    if event is None or event.dispatched_at is not None:
        return 0
    delivered, errors = 0, []
    try:
        payload = _event_types[event.name](**event.payload)
    except Exception as exc:  # unknown name, or a payload that no longer fits its dataclass
        errors.append(f"payload: {exc!r}")
    else:
        for subscriber in subscribers_of(event.name):
            try:
                delivered += _deliver(event, subscriber, payload)
            except Exception as exc:
                logger.exception("outbox: %s failed on event %s", subscriber.name, event.pk)
                errors.append(f"{subscriber.name}: {exc!r}")
    if errors:
        _schedule_retry(event, errors)
        raise OutboxDispatchFailed(f"event {event.pk}: {'; '.join(errors)}")
    OutboxEvent.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )
    return delivered


def _schedule_retry(event: OutboxEvent, errors: list[str]) -> None:
    attempts = event.attempts + 1
    delay = min(settings.OUTBOX_REDRIVE_AFTER * (2 ** (attempts - 1)), timedelta(hours=6))
    OutboxEvent.objects.filter(pk=event.pk).update(
        attempts=F("attempts") + 1,
        last_error="\n".join(errors)[:4000],
        next_attempt_at=timezone.now() + delay,
    )
    if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        logger.error(
            "outbox: event %s (%s) abandoned after %s attempts; redeliver it from the admin",
            event.pk,
            event.name,
            attempts,
        )


def _deliver(event: OutboxEvent, subscriber: Subscriber, payload) -> int:
    with transaction.atomic():
        try:
            # On PostgreSQL a concurrent dispatcher blocks here until the first commits or
            # rolls back, then fails (already delivered) or proceeds (the first one failed).
            with transaction.atomic():
                OutboxDelivery.objects.create(event=event, subscriber=subscriber.name)
        except IntegrityError:
            return 0
        subscriber.handler(payload)
    return 1


def outbox_claim_due(*, limit: int = 500) -> list[int]:
    """Events due for a (re)try, each claimed for one redrive.

    The claim is a conditional UPDATE that moves the event's next attempt one lease ahead:
    two sweeps, or a sweep and a slow broker, never enqueue the same event twice in a lease.
    """
    now = timezone.now()
    due = list(
        OutboxEvent.objects.filter(
            dispatched_at__isnull=True,
            next_attempt_at__lte=now,
            attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
        )
        .order_by("next_attempt_at")
        .values_list("pk", "next_attempt_at")[:limit]
    )
    lease = now + settings.OUTBOX_REDRIVE_AFTER
    return [
        pk
        for pk, seen in due
        if OutboxEvent.objects.filter(pk=pk, next_attempt_at=seen).update(next_attempt_at=lease)
    ]


def outbox_last_event_id() -> int:
    """The id of the newest event (0 when none): what is recorded after it is newer."""
    return OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def outbox_pending_after(*, event_id: int, limit: int = 200) -> list[int]:
    """Events newer than ``event_id`` not yet dispatched, oldest first: what a caller that
    must see their effects at once dispatches itself (``outbox_dispatch``) instead of
    waiting for the worker."""
    return list(
        OutboxEvent.objects.filter(pk__gt=event_id, dispatched_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_redeliver(*, event_ids: list[int]) -> int:
    """An operator's retry of abandoned events: attempts start again, due now."""
    return OutboxEvent.objects.filter(pk__in=event_ids, dispatched_at__isnull=True).update(
        attempts=0, last_error="", next_attempt_at=timezone.now()
    )
