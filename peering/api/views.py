"""The receiving end of the e-road and the keys a peer's officers copy. Neither takes an
OAuth token: a message is authenticated by its signature (peering/protocol.py), and public
keys are public."""

from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.problems import problem_json_response

from .. import selectors
from ..errors import PeeringErrorCode
from ..handlers import TYPES
from ..protocol import VERSION
from ..services.inbound import Refused, message_receive


def envelope_schema() -> dict:
    """The envelope, its payload one of the registered types' schemas (OpenAPI 3.0)."""
    return {
        "type": "object",
        "required": [
            "id",
            "type",
            "version",
            "from",
            "to",
            "stream",
            "sequence",
            "sent_at",
            "payload",
        ],
        "properties": {
            "id": {
                "type": "string",
                "format": "uuid",
                "description": "Unique per message; a retry repeats it.",
            },
            "type": {"type": "string", "enum": sorted(TYPES)},
            "version": {"type": "integer", "enum": [VERSION]},
            "from": {"type": "string", "description": "The sending deployment's id."},
            "to": {"type": "string", "description": "The receiving deployment's id."},
            "stream": {
                "type": "string",
                "maxLength": 80,
                "description": "One stream's messages (one order's) are taken in sequence order.",
            },
            "sequence": {"type": "integer", "minimum": 1},
            "sent_at": {"type": "string", "format": "date-time"},
            "payload": {
                "oneOf": [
                    {"title": name, "description": kind.description, **kind.schema}
                    for name, kind in sorted(TYPES.items())
                ]
            },
        },
    }


class AcceptedOutput(serializers.Serializer):
    class Meta:
        ref_name = "ERoadAccepted"

    status = serializers.ChoiceField(choices=["processed", "waiting", "duplicate"])
    id = serializers.UUIDField()


@method_decorator(csrf_exempt, name="dispatch")
class MessageApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="eroad_message_receive",
        tags=["e-road"],
        summary="Receive a peer deployment's signed message",
        description=(
            "A peer hub deployment delivers one message of the e-road protocol "
            "(docs/eroad-protocol.md). The request is signed with HTTP Message Signatures "
            "(RFC 9421): label `eroad`, tag `ewtp-eroad`, Ed25519, covering `@method`, "
            "`@path`, `content-type` and `content-digest` (RFC 9530, sha-256), with `created`, "
            "`keyid` and a `nonce`. Refusals are problem+json, and change nothing: 401 "
            "`signature_missing`, `signature_invalid`, `key_unknown`, `clock_skew`, "
            "`peer_unknown`; 400 `message_invalid`, `type_unknown`; 409 `replayed`, "
            "`message_conflict`, `message_failed` (taken, but its handler refused it); 421 "
            "`not_for_us`."
        ),
        request={"application/json": envelope_schema()},
        responses={202: AcceptedOutput},
        examples=[
            OpenApiExample(
                "A ping",
                request_only=True,
                value={
                    "id": "3f0c9a52-4b1e-4d8a-9a51-7c0e2b1d9f10",
                    "type": "eroad.ping",
                    "version": VERSION,
                    "from": "kul.ewtp-hub.example",
                    "to": "hgh.ewtp-hub.example",
                    "stream": "ping",
                    "sequence": 1,
                    "sent_at": "2026-12-07T09:30:00+00:00",
                    "payload": {"note": "hello"},
                },
            )
        ],
    )
    def post(self, request):
        try:
            received = message_receive(
                method=request.method,
                url=request.build_absolute_uri(),
                headers=request.headers,
                body=request.body,
                remote_addr=request.META.get("REMOTE_ADDR"),
            )
        except Refused as refused:
            return problem_json_response(refused.status, refused.detail, refused.code)
        if received.status == "failed":
            return problem_json_response(409, received.detail, PeeringErrorCode.MESSAGE_FAILED)
        return Response({"status": received.status, "id": received.message_id}, status=202)


class KeyOutput(serializers.Serializer):
    class Meta:
        ref_name = "ERoadKey"

    key_id = serializers.CharField()
    alg = serializers.CharField(default="ed25519")
    public_key = serializers.CharField(help_text="Raw 32-byte Ed25519 public key, base64url.")
    created_at = serializers.DateTimeField()


class KeysOutput(serializers.Serializer):
    class Meta:
        ref_name = "ERoadKeys"

    deployment = serializers.CharField()
    keys = KeyOutput(many=True)


class KeysApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="eroad_keys",
        tags=["e-road"],
        summary="This deployment's public signing keys",
        description="What a peer's officers register for this deployment. During a rotation "
        "two keys are listed: messages signed with either hold.",
        responses={200: KeysOutput},
    )
    def get(self, request):
        from django.conf import settings

        keys = selectors.signing_keys_published()
        return Response(
            KeysOutput(
                {
                    "deployment": settings.PEERING_DEPLOYMENT,
                    "keys": [
                        {
                            "key_id": k.key_id,
                            "alg": "ed25519",
                            "public_key": k.public_key,
                            "created_at": k.created_at,
                        }
                        for k in keys
                    ],
                }
            ).data
        )
