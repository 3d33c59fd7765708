"""What an unreliable network does to a deployment's messages, played inside that deployment
(``manage.py shell -c`` in its environment): the waiting messages delivered newest first,
then the first delivered one delivered again. Prints what the peer answered."""

import json

from peering.models import OutboundMessage, Peer
from peering.services.outbound import _deliver


def reversed_then_again() -> None:
    peer = Peer.objects.get()
    waiting = list(peer.outbox.filter(status=OutboundMessage.Status.PENDING).order_by("-id"))
    outcomes = [(message.sequence, message.stream, _deliver(peer, message)) for message in waiting]
    first = peer.outbox.filter(status=OutboundMessage.Status.DELIVERED).order_by("id").first()
    again = _deliver(peer, first)
    print(json.dumps({"reversed": outcomes, "again": again, "pending": len(waiting)}))
