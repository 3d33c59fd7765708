"""Facts the customs app records in the outbox for the layers above it."""

from dataclasses import dataclass

from ewtp.common.outbox import event_type


@event_type("customs.declaration_decided")
@dataclass(frozen=True)
class DeclarationDecided:
    declaration_id: int
    order_id: int | None
    regime: str
    # released, held or rejected; or accepted: decided for release while the goods were in
    # the air (their release follows at the landing scan)
    status: str
    lane: str
    reason: str
    # True when an officer decided; False for the engines (risk, duty, three-record match),
    # whose rejection means the hub's data is at fault rather than the goods
    by_officer: bool = False


@event_type("customs.classification_needed")
@dataclass(frozen=True)
class ClassificationNeeded:
    """An import declaration waits for the destination's officers to classify an item that
    has no tariff line in force: the parties are told why it waits."""

    declaration_id: int
    order_id: int | None
    reason: str


@event_type("customs.classification_decided")
@dataclass(frozen=True)
class ClassificationDecided:
    declaration_id: int
    order_id: int | None
    reason: str


@event_type("customs.audit_finding_raised")
@dataclass(frozen=True)
class AuditFindingRaised:
    """A post-clearance audit found a released declaration's goods under-declared: the duty
    and tax assessed again on the corrected value, less what the release assessed, are owed
    by the declarant's organisation (None: declared for nobody on the hub)."""

    audit_id: int
    declaration_id: int
    declaration_reference: str
    order_id: int | None
    organization_id: int | None
    hub_id: int
    currency: str  # the customs currency
    amount: str  # the duty and tax owed, as a decimal string ("123.45")
    finding: str
