"""Partners register where they receive webhooks."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ..idempotency import idempotent
from ..webhooks import EVENTS, HEADER, webhook_endpoint_create
from .permissions import HasValidToken

VERIFY_DOC = f"""Each delivery is POSTed as JSON `{{"id", "type", "created", "data"}}` with the
header `{HEADER}: t=<unix seconds>,v1=<hex>`, where `v1` is HMAC-SHA256 of `"<t>." + raw body` keyed
with the endpoint's secret. Verify before trusting it, and reject a `t` older than 5 minutes:

```python
import hashlib, hmac, time

def verify(secret: str, header: str, body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    if abs(time.time() - int(parts["t"])) > 300:
        return False
    signed = parts["t"].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])
```

Answer 2xx quickly; anything else is retried with exponential backoff. The `id` is the same on
every retry: use it to ignore duplicates. Events: """ + ", ".join(
    f"`{name}` ({text})" for name, text in EVENTS.items()
)


class WebhookInput(serializers.Serializer):
    class Meta:
        ref_name = "WebhookEndpointInput"

    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(EVENTS)), min_length=1
    )


class WebhookOutput(serializers.Serializer):
    class Meta:
        ref_name = "WebhookEndpoint"

    id = serializers.UUIDField(source="public_id")
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()


class WebhookCreatedOutput(WebhookOutput):
    class Meta:
        ref_name = "WebhookEndpointCreated"

    secret = serializers.CharField(help_text="Shown once: keep it to verify signatures.")


class WebhookListApi(APIView):
    permission_classes = [HasValidToken]

    @extend_schema(
        operation_id="webhooks_list", responses=WebhookOutput(many=True), tags=["webhooks"]
    )
    def get(self, request):
        endpoints = request.auth.application.api_client.webhook_endpoints.order_by("id")
        return Response(WebhookOutput(endpoints, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        request=WebhookInput,
        responses={201: WebhookCreatedOutput},
        tags=["webhooks"],
        description=VERIFY_DOC,
        examples=[
            OpenApiExample(
                "Payments to a shop",
                value={
                    "url": "https://shop.example.com/hooks/ewtp",
                    "events": ["payment.confirmed"],
                },
            )
        ],
    )
    @idempotent
    def post(self, request):
        data = WebhookInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_create(
            api_client=request.auth.application.api_client,
            url=data.validated_data["url"],
            events=data.validated_data["events"],
        )
        return Response(WebhookCreatedOutput(endpoint).data, status=status.HTTP_201_CREATED)
