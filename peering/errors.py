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
