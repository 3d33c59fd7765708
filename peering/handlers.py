"""The registry of the message types this hub answers, each with the JSON Schema of its
payload (published in the OpenAPI document and in docs/eroad-protocol.md) and the function
that acts on it; the journey's types are in messages.py.

A handler runs inside the receiving transaction, once per message, in the order of its
stream; it refuses with ApplicationError (the message is then answered with
``message_failed`` and kept as failed for the officers of both sides)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MessageType:
    name: str
    schema: dict
    handle: Callable  # (peer, payload) -> None
    description: str
    # the stream a message of this type must travel on, from its payload (None: any)
    stream_for: Callable | None = None


TYPES: dict[str, MessageType] = {}


def handles(name: str, *, schema: dict, description: str, stream_for=None):
    def register(function):
        TYPES[name] = MessageType(name, schema, function, description, stream_for)
        return function

    return register


@handles(
    "eroad.ping",
    schema={
        "type": "object",
        "additionalProperties": False,
        "properties": {"note": {"type": "string", "maxLength": 200}},
    },
    description="Asks nothing: proves the e-road carries signed messages both ways. Its "
    "receipt is what the peer's health page shows as last heard.",
)
def ping(peer, payload: dict) -> None:
    return None
