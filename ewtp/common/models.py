"""Models of the shared kernel: the base model, the audit trail, the transactional outbox,
stored Idempotency-Key responses and the API clients (partner banks and sales channels)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every domain row has a public UUID (never expose sequential ids) and timestamps."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One row per thing someone (or the system) did that a reviewer may ask about later.

    Append-only. The actor is kept as a label too, so the trail survives a deleted user.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100, help_text="<app>.<entity>.<past tense>")
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-created_at", "-id"]
        indexes = [
            # "history of this object", the audit tab of every detail page
            models.Index(
                fields=["target_type", "target_id", "-created_at"], name="audit_target_idx"
            ),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action}"


class OutboxEvent(models.Model):
    """A domain fact recorded in the same transaction as the change it describes.

    The dispatcher delivers it after commit to every subscriber, once per subscriber
    (OutboxDelivery). ``dispatched_at`` is set when all subscribers have it.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    name = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # When the sweep may (re)try it: after the first dispatch had its chance, then with backoff.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # the sweep: undelivered events that are due
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="outbox_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.name} #{self.pk}"


class OutboxDelivery(models.Model):
    """Proof that one subscriber handled one event, written in the handler's transaction.

    The unique constraint is what makes delivery exactly-once: a second dispatcher (a retry,
    a duplicate message, a concurrent run) cannot insert the same pair and so skips it.
    """

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=200)
    delivered_at = models.DateTimeField(auto_now_add=True)
    # The event's created_at, copied: the table is partitioned by month of it on PostgreSQL,
    # so that an event and all its deliveries share a month and go together (retention), and
    # a unique key there must hold the partition column. One event has one created_at, so
    # (event, subscriber, event_created_at) is unique exactly when (event, subscriber) is.
    event_created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber", "event_created_at"], name="outbox_delivery_once"
            ),
        ]

    def __str__(self):
        return f"{self.subscriber} <- {self.event_id}"

    def save(self, *args, **kwargs):
        if self.event_created_at is None:
            self.event_created_at = self.event.created_at
        super().save(*args, **kwargs)


class IdempotencyKey(models.Model):
    """The stored outcome of a POST sent with an Idempotency-Key, per API caller."""

    class Status(models.TextChoices):
        IN_FLIGHT = "in_flight", _("In flight")  # the first request is still running
        DONE = "done", _("Done")  # response stored; replays return it

    owner = models.CharField(max_length=100, help_text="client:<id> or user:<id>")
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # the bytes first sent, replayed as they are (a re-rendering could differ: key order,
    # number formatting, a serializer changed by a deploy in between)
    response_content = models.BinaryField(null=True, blank=True)
    # the content type and the headers replayed with the bytes
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_once"),
        ]

    def __str__(self):
        return f"{self.owner} {self.key}"


class ApiClient(models.Model):
    """A partner system allowed on the API: a bank or a sales channel.

    It wraps the OAuth2 application (client id and hashed secret) with what the hub needs
    to know: what kind of partner it is and which scopes it may ever be granted.
    """

    class Kind(models.TextChoices):
        BANK = "bank", _("Partner bank")
        CHANNEL = "channel", _("Sales channel")
        ORGANIZATION = "organization", _("An organisation's own system")
        AUTHORITY = "authority", _("An authority (MDEC) reading the dashboards")

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="api_client"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    allowed_scopes = models.CharField(
        max_length=500, help_text="Space-separated scopes this client may request."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.application.name} ({self.get_kind_display()})"

    @property
    def scope_list(self) -> list[str]:
        return self.allowed_scopes.split()


class WebhookEndpoint(models.Model):
    """Where a partner wants to hear about events, and the secret that signs what it hears."""

    api_client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=64, help_text="HMAC-SHA256 key, shown to the partner once."
    )
    events = models.JSONField(default=list, help_text="Event names, e.g. payment.confirmed")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # one POST per event per receiver: the same URL twice would double every event
            models.UniqueConstraint(fields=["api_client", "url"], name="webhook_url_once"),
        ]

    def __str__(self):
        return f"{self.api_client} → {self.url}"


class WebhookDelivery(models.Model):
    """One event to one endpoint: the delivery log officers read (attempts, status codes)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")  # waiting for its first or next attempt
        DELIVERED = "delivered", _("Delivered")  # the receiver answered 2xx
        FAILED = "failed", _("Failed")  # gave up after WEBHOOK_MAX_ATTEMPTS

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The receivers' key to drop a duplicate: a random UUID, unique as such. The table is
    # partitioned by month of created_at on PostgreSQL, where a unique index would have to
    # include it, and so would prove nothing more; an index keeps a partner's "what about
    # event X" a lookup.
    event_id = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    event = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the retry sweep: pending deliveries that are due
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class OutgoingEmail(models.Model):
    """A notification e-mail, stored with the change that caused it and sent after commit by
    a task that claims it first: a duplicated or retried task message never sends it twice,
    and one whose message was lost (broker down) is sent by the sweep."""

    recipients = models.JSONField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # a sender holds the claim while it talks to the mail server; a crashed one's lapses
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # after a failed send the sweep waits, doubling (a mail server down for an hour is not
    # a reason to give up); the task's first try does not wait
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            # the sweep: unsent e-mails, the due ones first
            models.Index(
                fields=["next_attempt_at"],
                name="email_unsent_idx",
                condition=models.Q(sent_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.subject
