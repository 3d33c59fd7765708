"""The protocol document (docs/eroad-protocol.md) says what the hub does: its example
request verifies with its example key, its bodies fit the schemas, and every refusal code
and message type of the hub is in it."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import time_machine
from django.conf import settings
from django.test import Client

from peering.errors import PeeringErrorCode
from peering.handlers import TYPES
from peering.keys import public_key_load
from peering.models import InboundMessage, Peer, PeerKey
from peering.protocol import verify

DOCUMENT = (Path(settings.BASE_DIR) / "docs" / "eroad-protocol.md").read_text()


def _block(language: str) -> str:
    (found,) = re.findall(rf"```{language}\n(.*?)```", DOCUMENT, re.DOTALL)
    return found


def _example_request() -> tuple[dict, bytes]:
    head, body = _block("http").split("\n\n", 1)
    lines = head.splitlines()[1:]  # after the request line
    headers = dict(line.split(": ", 1) for line in lines)
    return headers, body.strip().encode()


def _example_key() -> str:
    return re.search(r"whose public key is\s+`([^`]+)`", DOCUMENT).group(1)


def _signed_at(headers) -> datetime:
    created = int(re.search(r"created=(\d+)", headers["Signature-Input"]).group(1))
    return datetime.fromtimestamp(created, tz=UTC)


def test_the_example_signature_verifies_with_the_example_key():
    headers, body = _example_request()
    lowered = {name.lower(): value for name, value in headers.items()}
    with time_machine.travel(_signed_at(headers), tick=False):
        verified = verify(
            "POST",
            "https://hgh.ewtp-hub.example/api/v1/eroad/messages",
            lowered,
            body,
            public_key_of=lambda key_id: public_key_load(_example_key()),
        )
    assert verified.key_id == "kul.ewtp-hub.example#2026-12"
    # and a byte changed breaks it
    with time_machine.travel(_signed_at(headers), tick=False), pytest.raises(Exception):  # noqa: B017
        verify(
            "POST",
            "https://hgh.ewtp-hub.example/api/v1/eroad/messages",
            lowered,
            body.replace(b"hello", b"hellO"),
            public_key_of=lambda key_id: public_key_load(_example_key()),
        )


@pytest.mark.django_db
def test_the_example_is_taken_by_a_hub_that_registered_the_example_peer(settings):
    settings.PEERING_DEPLOYMENT = "hgh.ewtp-hub.example"
    headers, body = _example_request()
    peer = Peer.objects.create(
        name="Kuala Lumpur", deployment="kul.ewtp-hub.example", base_url="https://127.0.0.1"
    )
    PeerKey.objects.create(
        peer=peer, key_id="kul.ewtp-hub.example#2026-12", public_key=_example_key()
    )
    extra = {
        f"HTTP_{k.upper().replace('-', '_')}": v
        for k, v in headers.items()
        if k != "Host" and k != "Content-Type"
    }
    with time_machine.travel(_signed_at(headers), tick=False):
        response = Client().post(
            "/api/v1/eroad/messages", data=body, content_type="application/json", **extra
        )
    assert response.status_code == 202, response.content
    assert response.json() == json.loads(_first_json_after("A taken message is answered"))
    assert InboundMessage.objects.get().payload == {"note": "hello"}


def _first_json_after(marker: str) -> str:
    rest = DOCUMENT.split(marker, 1)[1]
    return re.search(r"```json\n(.*?)```", rest, re.DOTALL).group(1)


def test_every_refusal_code_and_message_type_is_documented():
    for code in PeeringErrorCode:
        if code in ("peer_invalid", "key_invalid", "not_your_hub", "scan_invalid"):
            continue  # officers' form errors, not the protocol's
        assert f"`{code}`" in DOCUMENT, code
    for name, kind in TYPES.items():
        assert f"`{name}`" in DOCUMENT, name
        jsonschema.Draft202012Validator.check_schema(kind.schema)


def test_the_example_payload_fits_its_schema():
    _headers, body = _example_request()
    envelope = json.loads(body)
    jsonschema.validate(envelope["payload"], TYPES[envelope["type"]].schema)


def test_each_message_types_example_fits_its_schema():
    for name, kind in TYPES.items():
        section = DOCUMENT.split(f"### `{name}`", 1)
        assert len(section) == 2, f"no section for {name}"
        example = re.search(r"```json\n(.*?)```", section[1], re.DOTALL).group(1)
        jsonschema.validate(json.loads(example), kind.schema)
