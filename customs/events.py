"""Facts the customs app records in the outbox for the layers above it."""

from dataclasses import dataclass

from ewtp.common.outbox import event_type


@event_type("customs.declaration_decided")
@dataclass(frozen=True)
class DeclarationDecided:
    declaration_id: int
    order_id: int | None
    regime: str
    status: str  # released, held or rejected
    lane: str
    reason: str
