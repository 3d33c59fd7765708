"""The transactional outbox: how a domain app tells the layers above it what happened.

A service records an event inside its own transaction (``event_record``, or
``event_record_many`` for many at once); the event row commits or rolls back with the change.
After commit one Celery message carries the transaction's events, and the task runs
``outbox_dispatch_many``, which hands each event to each subscriber exactly once: a
subscriber's work on a batch and its ``OutboxDelivery`` rows share one transaction, and a row
is unique per (event, subscriber). A retried, duplicated or concurrent dispatch therefore
skips what is already done, and a subscriber that failed is tried again on the next run
(``outbox_dispatch`` does the same for one event). A periodic sweep re-drives events whose
first dispatch never happened (broker down, process killed after commit).

Event names are "<app>.<entity>_<past tense>"; each is declared once with a frozen dataclass
of JSON-native fields (see ``event_type``), so the payload shape is part of the code.
"""

import dataclasses
import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .after_commit import on_commit_batched
from .errors import ApplicationError, CommonErrorCode
from .models import OutboxDelivery, OutboxEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscriber:
    name: str
    handler: Callable
    # the handler takes a list of payloads (the events of one batch, oldest first)
    many: bool = False
    # which events it is for, judged from the payload alone: the others are not delivered
    # to it at all (no delivery row, no transaction); None: every event of its name
    when: Callable[[Any], bool] | None = None

    def wants(self, payload) -> bool:
        return self.when is None or self.when(payload)


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


def subscribe(
    event_name: str,
    *,
    name: str | None = None,
    many: bool = False,
    when: Callable[[Any], bool] | None = None,
):
    """Function decorator: call the handler with the payload of every ``event_name``.

    With ``many=True`` the handler is called with a list of payloads instead, the events of
    one batch not delivered to it before (a list of one when a batch is retried event by
    event): worth it where a batch costs less than its events one by one.

    ``when(payload)`` narrows the events to those the handler acts on, from the payload
    alone (a step that follows only releases): the others are never delivered to it, which
    spares a delivery row and a transaction for each. It must be pure: the same payload
    always gets the same answer, so a redelivery never changes which subscribers it reaches.
    The decorated function applies it too when called directly.

    A batch is one transaction per subscriber; when it fails, its events are handled again
    one at a time. A handler may so run twice for an event whose first run was rolled back:
    its database writes went with it, and anything outside the database belongs after
    commit (``transaction.on_commit``), as everywhere.

    The subscriber name is stored with each delivery, so renaming it re-delivers old events:
    keep names stable (the default is the handler's dotted path).
    """

    def register(handler):
        subscriber_name = name or f"{handler.__module__}.{handler.__qualname__}"
        subscribers = _subscribers.setdefault(event_name, [])
        if all(s.name != subscriber_name for s in subscribers):
            subscribers.append(Subscriber(subscriber_name, handler, many, when))
        if when is None:
            return handler

        @functools.wraps(handler)
        def narrowed(payload):
            if many:
                wanted = [one for one in payload if when(one)]
                return handler(wanted) if wanted else None
            return handler(payload) if when(payload) else None

        return narrowed

    return register


def unsubscribe(event_name: str, subscriber_name: str) -> None:
    _subscribers[event_name] = [
        s for s in _subscribers.get(event_name, []) if s.name != subscriber_name
    ]


def subscribers_of(event_name: str) -> list[Subscriber]:
    return list(_subscribers.get(event_name, []))


def event_record(payload) -> OutboxEvent:
    """Record ``payload`` (an instance of a declared event type) in the current transaction.

    Dispatch is enqueued after commit, one message for all the events the transaction
    records; if the broker is unreachable then, the sweep picks them up later, so nothing is
    lost.
    """
    return event_record_many([payload])[0]


def event_record_many(payloads: list) -> list[OutboxEvent]:
    """Record several events (instances of declared event types) with one INSERT.

    Each payload is checked as ``event_record`` checks it, all before anything is written.
    After commit the events recorded in the transaction go to the worker as one message.
    """
    rows = [_event_row(payload) for payload in payloads]
    if not rows:
        return []
    events = OutboxEvent.objects.bulk_create(rows)
    # one dispatch message for the transaction's events; ids of a rolled-back savepoint's
    # events may go with it, and the dispatcher skips what it does not find
    on_commit_batched("outbox", [event.pk for event in events], _enqueue_dispatch)
    return events


def _event_row(payload) -> OutboxEvent:
    name = getattr(type(payload), "event_name", None)
    if name is None or _event_types.get(name) is not type(payload):
        raise ApplicationError(
            f"{type(payload).__name__} is not a declared event type.", CommonErrorCode.EVENT_UNKNOWN
        )
    data = dataclasses.asdict(payload)
    json.dumps(data)  # fails here, in the caller's transaction, if a field is not JSON-native
    return OutboxEvent(
        name=name, payload=data, next_attempt_at=timezone.now() + settings.OUTBOX_REDRIVE_AFTER
    )


def _enqueue_dispatch(event_ids: list[int]) -> None:
    from .tasks import outbox_dispatch_task

    try:
        outbox_dispatch_task.delay(list(event_ids))
    except Exception:  # the broker is down: the sweep re-drives the events
        logger.warning(
            "outbox: could not enqueue dispatch of %s events from %s",
            len(event_ids),
            event_ids[0],
            exc_info=True,
        )


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
                if subscriber.wants(payload):
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
        subscriber.handler([payload] if subscriber.many else payload)
    return 1


# Events one dispatch message covers at most: a longer list is split, the rest sent on as a
# message of its own, so that one task stays well inside CELERY_TASK_SOFT_TIME_LIMIT (a few
# ms per event and subscriber, and a slow subscriber may take a batch twice: batch, then
# event by event) and a worker's other queues are not held up behind it.
OUTBOX_DISPATCH_BATCH = 100


def outbox_dispatch_many(*, event_ids: list[int]) -> int:
    """Deliver a batch of events: each subscriber takes its share in one transaction.

    Exactly once per (event, subscriber) as in ``outbox_dispatch``: the delivery rows of a
    batch are inserted together, skipping the pairs already there, and the subscriber
    handles only the events whose row this transaction inserted. If its transaction fails,
    the subscriber takes those events one at a time, so one bad event costs the others
    nothing; each failing event is given its retry with backoff, and OutboxDispatchFailed is
    raised once the rest is done. Ids of events dispatched already, or not there, are
    skipped. Returns the number of deliveries made by this call.
    """
    events = _batch_claim(event_ids)
    payloads, errors = {}, {}
    for event in events:
        try:
            payloads[event.pk] = _event_types[event.name](**event.payload)
        except Exception as exc:  # unknown name, or a payload that no longer fits
            errors[event.pk] = [f"payload: {exc!r}"]
    delivered = 0
    for subscriber, share in _shares(events, payloads, errors):
        delivered += _deliver_share(subscriber, share, payloads, errors)
    done = [event.pk for event in events if event.pk not in errors]
    OutboxEvent.objects.filter(pk__in=done, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )
    for event in events:
        if event.pk in errors:
            _schedule_retry(event, errors[event.pk])
    if errors:
        raise OutboxDispatchFailed(
            f"{len(errors)} of {len(events)} events failed, first {min(errors)}: "
            + "; ".join(errors[min(errors)])
        )
    return delivered


def _shares(
    events: list[OutboxEvent], payloads: dict, errors: dict
) -> list[tuple[Subscriber, list[OutboxEvent]]]:
    """Each subscriber with the events of the batch it wants, oldest first so that it sees
    them in order; the subscribers in the order they were registered, as when every event
    went to each of them. A predicate that trips on a payload is that event's error."""
    shares: dict[tuple[str, str], tuple[Subscriber, list[OutboxEvent]]] = {}
    for event in events:
        if event.pk not in payloads:
            continue
        for subscriber in subscribers_of(event.name):
            share = shares.setdefault((event.name, subscriber.name), (subscriber, []))[1]
            try:
                if subscriber.wants(payloads[event.pk]):
                    share.append(event)
            except Exception as exc:
                errors.setdefault(event.pk, []).append(f"{subscriber.name}: {exc!r}")
    return [(subscriber, share) for subscriber, share in shares.values() if share]


def _batch_claim(event_ids: list[int]) -> list[OutboxEvent]:
    """The batch's events not dispatched yet, oldest first, moved one lease ahead so that
    the sweep leaves them to this dispatch while it runs (a failure sets the backoff).

    One UPDATE … RETURNING (PostgreSQL, SQLite ≥ 3.35) rather than a SELECT and an UPDATE:
    a dispatch runs once per committed transaction that recorded events, so the statement
    saved is one per step of every order. Raw SQL because the ORM's update() returns a
    count, not the rows; only quoted names from the model go into the text.
    """
    ids = sorted(set(event_ids))
    if not ids:
        return []
    connection = transaction.get_connection()
    meta = OutboxEvent._meta
    quote = connection.ops.quote_name
    next_col, dispatched_col = (
        quote(meta.get_field(name).column) for name in ("next_attempt_at", "dispatched_at")
    )
    lease = meta.get_field("next_attempt_at").get_db_prep_value(
        timezone.now() + settings.OUTBOX_REDRIVE_AFTER, connection
    )
    columns = ", ".join(quote(field.column) for field in meta.concrete_fields)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {next_col} = %s "  # noqa: S608
        f"WHERE {quote(meta.pk.column)} IN ({', '.join(['%s'] * len(ids))}) "
        f"AND {dispatched_col} IS NULL RETURNING {columns}"
    )
    events = list(OutboxEvent.objects.raw(sql, [lease, *ids]))
    events.sort(key=lambda event: event.pk)
    return events


def _deliver_share(
    subscriber: Subscriber, share: list[OutboxEvent], payloads: dict, errors: dict
) -> int:
    try:
        return _deliver_batch(subscriber, share, payloads)
    except SoftTimeLimitExceeded:
        raise  # the task is out of time: what is left stays due, and the sweep redrives it
    except Exception:
        logger.warning(
            "outbox: %s failed on a batch of %s events; delivering them one at a time",
            subscriber.name,
            len(share),
            exc_info=True,
        )
    delivered = 0
    for event in share:
        try:
            delivered += _deliver(event, subscriber, payloads[event.pk])
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:
            logger.exception("outbox: %s failed on event %s", subscriber.name, event.pk)
            errors.setdefault(event.pk, []).append(f"{subscriber.name}: {exc!r}")
    return delivered


def _deliver_batch(subscriber: Subscriber, share: list[OutboxEvent], payloads: dict) -> int:
    with transaction.atomic():
        fresh = _deliveries_insert(subscriber.name, [event.pk for event in share])
        batch = [payloads[event.pk] for event in share if event.pk in fresh]
        if subscriber.many:
            if batch:
                subscriber.handler(batch)
        else:
            for payload in batch:
                subscriber.handler(payload)
    return len(batch)


def _deliveries_insert(subscriber_name: str, event_ids: list[int]) -> set[int]:
    """Insert the delivery rows of ``event_ids`` for one subscriber, skipping pairs that
    exist; returns the event ids whose row this statement inserted.

    Raw SQL because ``bulk_create(ignore_conflicts=True)`` does not say which rows it
    inserted. On PostgreSQL a row another transaction inserted but has not committed makes
    this statement wait: it is skipped if that one commits, inserted if it rolls back. Rows
    go in event order, as in every dispatcher, so two overlapping batches queue rather than
    deadlock. Each row copies its event's created_at, part of the unique key (the table is
    partitioned by it on PostgreSQL).
    """
    connection = transaction.get_connection()
    meta = OutboxDelivery._meta
    quote = connection.ops.quote_name
    event_col, subscriber_col, at_col, created_col = (
        quote(meta.get_field(name).column)
        for name in ("event", "subscriber", "delivered_at", "event_created_at")
    )
    at = meta.get_field("delivered_at").get_db_prep_value(timezone.now(), connection)
    ids = sorted(set(event_ids))
    # only quoted names from the model and placeholders go into the text; values are params
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
        f"({event_col}, {subscriber_col}, {at_col}, {created_col}) "
        f"SELECT id, %s, %s, created_at FROM {quote(OutboxEvent._meta.db_table)} "
        f"WHERE id IN ({', '.join(['%s'] * len(ids))}) ORDER BY id "
        f"ON CONFLICT ({event_col}, {subscriber_col}, {created_col}) DO NOTHING "
        f"RETURNING {event_col}"
    )
    params = [subscriber_name, at, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


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
        .order_by("next_attempt_at", "pk")  # events due together go in the order recorded
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
