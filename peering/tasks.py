"""Celery entry points of the e-road: ids in, one service call."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import NonceSeen, Peer
from .services.outbound import outbound_drain


@shared_task
def outbound_drain_task(peer_id: int | None = None) -> int:
    """One peer's waiting messages (after a send), or every active peer's (the beat)."""
    peer_ids = (
        [peer_id] if peer_id else Peer.objects.filter(is_active=True).values_list("pk", flat=True)
    )
    return sum(outbound_drain(peer_id=pk) for pk in peer_ids)


@shared_task
def nonces_forget_task() -> int:
    """A nonce older than twice the skew cannot come back with a signature still accepted."""
    before = timezone.now() - 2 * settings.PEERING_MAX_SKEW
    return NonceSeen.objects.filter(seen_at__lt=before).delete()[0]
