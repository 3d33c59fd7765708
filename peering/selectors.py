"""Reads of the e-road: the peers with their keys, and each peer's health as the officers of
both sides watch it (messages waiting, refused, lag)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.utils import timezone

from .models import (
    Consignment,
    InboundMessage,
    InboundRefusal,
    OutboundMessage,
    Peer,
    PeerKey,
    SigningKey,
)


@dataclass(frozen=True)
class PeerHealth:
    peer: Peer
    waiting_out: int  # ours, not yet delivered
    oldest_waiting_at: datetime | None
    refused_out: int  # ours, refused by the peer
    waiting_in: int  # theirs, held for an earlier message
    failed_in: int  # theirs, refused by our handlers
    refused_requests: int  # requests refused here before they became messages (24 h)
    last_error: str

    @property
    def lag_seconds(self) -> int:
        """How long the oldest undelivered message has waited (0 when none waits)."""
        if self.oldest_waiting_at is None:
            return 0
        return int((timezone.now() - self.oldest_waiting_at).total_seconds())


def peers_health() -> list[PeerHealth]:
    """Every peer's health: four queries, however many peers and messages."""
    since = timezone.now() - timezone.timedelta(hours=24)
    oldest_error = Subquery(
        OutboundMessage.objects.filter(peer=OuterRef("pk"), status=OutboundMessage.Status.PENDING)
        .order_by("id")
        .values("last_error")[:1]
    )
    peers = list(
        Peer.objects.annotate(oldest_error=oldest_error).prefetch_related(
            "keys", "eroads__origin", "eroads__destination"
        )
    )
    out = {
        row["peer_id"]: row
        for row in OutboundMessage.objects.values("peer_id").annotate(
            waiting=Count("id", filter=Q(status=OutboundMessage.Status.PENDING)),
            oldest=Min("created_at", filter=Q(status=OutboundMessage.Status.PENDING)),
            refused=Count("id", filter=Q(status=OutboundMessage.Status.REFUSED)),
        )
    }
    inbound = {
        row["peer_id"]: row
        for row in InboundMessage.objects.values("peer_id").annotate(
            waiting=Count("id", filter=Q(status=InboundMessage.Status.WAITING)),
            failed=Count("id", filter=Q(status=InboundMessage.Status.FAILED)),
        )
    }
    refusals = dict(
        InboundRefusal.objects.filter(received_at__gte=since, peer__isnull=False)
        .values_list("peer_id")
        .annotate(n=Count("id"))
    )
    return [
        PeerHealth(
            peer=peer,
            waiting_out=out.get(peer.pk, {}).get("waiting", 0),
            oldest_waiting_at=out.get(peer.pk, {}).get("oldest"),
            refused_out=out.get(peer.pk, {}).get("refused", 0),
            waiting_in=inbound.get(peer.pk, {}).get("waiting", 0),
            failed_in=inbound.get(peer.pk, {}).get("failed", 0),
            refused_requests=refusals.get(peer.pk, 0),
            last_error=peer.oldest_error or "",
        )
        for peer in peers
    ]


def refusals_recent(*, limit: int = 50) -> list[InboundRefusal]:
    return list(InboundRefusal.objects.select_related("peer")[:limit])


def outbound_refused(*, limit: int = 50) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(status=OutboundMessage.Status.REFUSED)
        .select_related("peer")
        .order_by("-id")[:limit]
    )


def signing_keys_published() -> list[SigningKey]:
    """Our keys a peer may still see signatures of: those in force."""
    return list(
        SigningKey.objects.filter(retired_at__isnull=True)
        .defer("private_key")  # never shown, never needed to publish
        .order_by("-created_at")
    )


def peer_of(*, public_id) -> Peer | None:
    return Peer.objects.filter(public_id=public_id).first()


def peer_key_of(*, peer: Peer, key_id: str) -> PeerKey | None:
    return PeerKey.objects.filter(peer=peer, key_id=key_id).first()


def consignments_at(*, hub_id: int, limit: int = 200) -> list:
    """The consignments peers announced to ``hub_id``, those still coming or at the hub first
    (soonest due first), then the latest handled: two queries, however many."""
    open_statuses = [
        Consignment.Status.EXPECTED,
        Consignment.Status.ARRIVED,
        Consignment.Status.OUT_FOR_DELIVERY,
    ]
    base = Consignment.objects.filter(hub_id=hub_id).select_related("peer", "declaration")
    still = list(base.filter(status__in=open_statuses).order_by("arrives_at", "id")[:limit])
    done = list(base.exclude(status__in=open_statuses).order_by("-scanned_at", "-id")[:limit])
    return still + done


def consignment_at(*, hub_id: int, pk) -> Consignment | None:
    return Consignment.objects.filter(hub_id=hub_id, pk=pk).first()


def consignment_declaration_ids(*, declaration_ids) -> set[int]:
    """Those of ``declaration_ids`` that are the import of a consignment a peer sent (one
    query)."""
    return set(
        Consignment.objects.filter(declaration_id__in=set(declaration_ids)).values_list(
            "declaration_id", flat=True
        )
    )
