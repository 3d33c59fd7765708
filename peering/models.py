"""Who this deployment's peers are, the keys each signs with, this deployment's own keys,
and the messages on the e-road between them: an outbox of what we send, an inbox of what we
received (each once), and a log of what we refused."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ewtp.common.models import BaseModel
from ewtp.common.states import StateMachine


class SigningKey(models.Model):
    """One of this deployment's Ed25519 keys. The newest active one signs; a retired one
    stays published for a while so that a peer can still check what it signed."""

    key_id = models.CharField(max_length=64, unique=True)
    # PKCS#8 PEM, encrypted under a key derived from SECRET_KEY (peering/keys.py)
    private_key = models.TextField()
    public_key = models.CharField(max_length=64)  # raw 32 bytes, base64url
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.key_id


class Peer(BaseModel):
    """Another hub deployment, run by its own authority on its own infrastructure."""

    name = models.CharField(_("name"), max_length=120)
    deployment = models.CharField(
        _("deployment id"),
        max_length=100,
        unique=True,
        help_text=_("The id the peer signs its messages as, e.g. hgh.ewtp-hub.example."),
    )
    base_url = models.URLField(_("base URL"), max_length=300)
    eroads = models.ManyToManyField("hubs.ERoad", blank=True, related_name="peers")
    is_active = models.BooleanField(default=True)
    last_heard_at = models.DateTimeField(null=True, blank=True)
    # one drain of the outbox at a time: claimed until then (a crashed drain's claim lapses)
    draining_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PeerKey(models.Model):
    """A public key a peer signs with, as its officers gave it to ours."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(max_length=64)
    public_key = models.CharField(max_length=64)  # raw 32 bytes, base64url
    added_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["peer_id", "-added_at"]
        constraints = [
            models.UniqueConstraint(fields=["peer", "key_id"], name="peer_key_once"),
        ]

    def __str__(self):
        return f"{self.peer} {self.key_id}"


class OutboundMessage(models.Model):
    """A message to a peer: delivered in order of ``sequence`` within its ``stream`` (one
    order's messages), retried with backoff while the peer cannot be reached."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be delivered")
        DELIVERED = "delivered", _("Delivered")
        REFUSED = "refused", _("Refused by the peer")

    message_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="outbox")
    type = models.CharField(max_length=60)
    stream = models.CharField(max_length=80)
    sequence = models.PositiveIntegerField()
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "stream", "sequence"], name="outbound_sequence_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["peer", "id"],
                name="outbound_pending_idx",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self):
        return f"{self.type} {self.stream}#{self.sequence} → {self.peer_id}"


class InboundMessage(models.Model):
    """A message a peer sent, stored as received, once per message id. It is processed when
    every earlier message of its stream has been (it waits otherwise)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for an earlier message")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Refused by this hub")

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="inbox")
    message_id = models.UUIDField()
    type = models.CharField(max_length=60)
    stream = models.CharField(max_length=80)
    sequence = models.PositiveIntegerField()
    payload = models.JSONField()
    digest = models.CharField(max_length=100)  # the Content-Digest it came with
    key_id = models.CharField(max_length=64)
    sent_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["peer", "message_id"], name="inbound_message_once"),
            models.UniqueConstraint(
                fields=["peer", "stream", "sequence"], name="inbound_sequence_once"
            ),
        ]

    def __str__(self):
        return f"{self.type} {self.stream}#{self.sequence} ← {self.peer_id}"


class InboundRefusal(models.Model):
    """A request refused before it became a message: unsigned, tampered, replayed, from an
    unknown key, too old or too new, malformed. Kept for the officers; it changed nothing."""

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.SET_NULL)
    key_id = models.CharField(max_length=64, blank=True)
    message_id = models.CharField(max_length=64, blank=True)
    code = models.CharField(max_length=30)
    detail = models.CharField(max_length=300)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.code}"


class NonceSeen(models.Model):
    """A signature's nonce, kept while its signature could still be accepted: the same
    signed request presented again is a replay."""

    key_id = models.CharField(max_length=64)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "nonce"], name="nonce_once_per_key"),
        ]

    def __str__(self):
        return f"{self.key_id} {self.nonce}"


class StreamCursor(models.Model):
    """How far a peer's stream has been processed here; its row is the lock under which the
    stream's messages are taken in order."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    stream = models.CharField(max_length=80)
    processed_through = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["peer", "stream"], name="stream_cursor_once"),
        ]

    def __str__(self):
        return f"{self.peer_id} {self.stream} ≤ {self.processed_through}"


class Consignment(StateMachine):
    """An order's goods on one flight in from a peer deployment, as the peer's manifest
    stated them (kept as received): the import this hub's customs clear before they land,
    and the parcels its operators scan in and deliver. Each step is told back to the peer.
    An order split over flights comes as one consignment per flight."""

    class Status(models.TextChoices):
        EXPECTED = "expected", _("Expected (in the air)")
        ARRIVED = "arrived", _("Arrived")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")
        LOST = "lost", _("Lost")
        DAMAGED = "damaged", _("Damaged")

    # what each scan may follow (a claim: lost or damaged after it left the origin)
    TRANSITIONS = {
        Status.EXPECTED: {Status.ARRIVED, Status.LOST, Status.DAMAGED},
        Status.ARRIVED: {Status.OUT_FOR_DELIVERY, Status.LOST, Status.DAMAGED},
        Status.OUT_FOR_DELIVERY: {Status.DELIVERED, Status.LOST, Status.DAMAGED},
        Status.DELIVERED: set(),
        Status.LOST: set(),
        Status.DAMAGED: set(),
    }

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="consignments")
    hub = models.ForeignKey("hubs.Hub", on_delete=models.PROTECT, related_name="+")
    order_reference = models.CharField(_("order"), max_length=40)
    waybill = models.CharField(_("waybill"), max_length=40)  # its first parcel's
    flight_number = models.CharField(_("flight"), max_length=12)
    master_waybill = models.CharField(_("master air waybill"), max_length=20, blank=True)
    arrives_at = models.DateTimeField(_("due"))
    parcels = models.PositiveSmallIntegerField(_("parcels"))
    manifest = models.JSONField()  # the payload as received
    # the order's import: filed from its first consignment's manifest, and shared by the
    # consignments of its goods on later flights
    declaration = models.ForeignKey(
        "customs.Declaration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consignments",
    )
    # why no declaration could be filed from the manifest (shown to the officers)
    filing_error = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.EXPECTED
    )
    scanned_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["arrives_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "order_reference", "waybill"], name="consignment_once_per_flight"
            ),
        ]
        indexes = [models.Index(fields=["hub", "status"], name="consignment_hub_status_idx")]

    def __str__(self):
        return f"{self.order_reference} {self.waybill}"
