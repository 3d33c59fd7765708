"""The codes of the e-road's refusals: a peer's engineers and the protocol document read the
values, so a value never changes once published."""

from enum import StrEnum


class PeeringErrorCode(StrEnum):
    PEER_INVALID = "peer_invalid"
    PEER_UNKNOWN = "peer_unknown"
    KEY_INVALID = "key_invalid"
    # a message a receiving hub refuses (docs/eroad-protocol.md, "Refusals")
    SIGNATURE_MISSING = "signature_missing"
    SIGNATURE_INVALID = "signature_invalid"
    KEY_UNKNOWN = "key_unknown"
    CLOCK_SKEW = "clock_skew"
    REPLAYED = "replayed"
    MESSAGE_INVALID = "message_invalid"
    MESSAGE_CONFLICT = "message_conflict"  # a known id with other content
    TYPE_UNKNOWN = "type_unknown"
    NOT_FOR_US = "not_for_us"
    MESSAGE_FAILED = "message_failed"  # accepted, but its handler refused it
    TRY_LATER = "try_later"  # this hub cannot act on it yet (reference data of the day)
    # what this hub's people may do with what came over the e-road
    NOT_YOUR_HUB = "not_your_hub"
    SCAN_INVALID = "scan_invalid"


class TryLater(Exception):
    """A handler cannot act on the message yet (this hub's reference data of the day is not
    loaded): it is refused with ``try_later`` (503) and nothing of it is kept, so the
    sender delivers it again later, in order."""
