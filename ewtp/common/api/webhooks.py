"""Partners manage where they receive webhooks, and read what was sent there."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import webhook_endpoints as endpoints
from ..idempotency import idempotent
from ..webhooks import EVENTS, HEADER, TEST_EVENT
from .fields import HttpsUrlField
from .pagination import CursorPagination
from .permissions import HasMethodScope
from .strict import StrictInputSerializer

SCOPE = ["webhooks:manage"]
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

Answer 2xx quickly; anything else is retried with exponential backoff. Redirects are not
followed. The `id` is the same on every retry: use it to ignore duplicates.

The URL must be https and reach a public address: a host that is, or resolves to, a loopback,
private, link-local or reserved address is refused here (400, code `webhook_url_forbidden`)
and again at every delivery. A client has at most 10 endpoints, each URL once (409).
Events: """ + ", ".join(f"`{name}` ({text})" for name, text in EVENTS.items())


def event_choice():
    return serializers.ChoiceField(choices=sorted(EVENTS))


class WebhookInput(StrictInputSerializer):
    class Meta:
        ref_name = "WebhookEndpointInput"

    url = HttpsUrlField()
    events = serializers.ListField(child=event_choice(), min_length=1, max_length=len(EVENTS))


class WebhookChangeInput(StrictInputSerializer):
    class Meta:
        ref_name = "WebhookEndpointChange"

    url = HttpsUrlField(required=False)
    events = serializers.ListField(
        child=event_choice(), min_length=1, max_length=len(EVENTS), required=False
    )
    is_active = serializers.BooleanField(
        required=False, help_text="false disables the endpoint: nothing is sent to it."
    )


class WebhookOutput(serializers.Serializer):
    class Meta:
        ref_name = "WebhookEndpoint"

    id = serializers.UUIDField(source="public_id")
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class WebhookSecretOutput(WebhookOutput):
    class Meta:
        ref_name = "WebhookEndpointWithSecret"

    secret = serializers.CharField(help_text="Shown once: keep it to verify signatures.")


class DeliveryOutput(serializers.Serializer):
    class Meta:
        ref_name = "WebhookDelivery"

    id = serializers.UUIDField(source="event_id", help_text="The `id` in the delivered body.")
    event = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending", "delivered", "failed"])
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)


def _client(request):
    return request.auth.application.api_client


class WebhookApiView(APIView):
    permission_classes = [HasMethodScope]
    scopes = {"GET": SCOPE, "POST": SCOPE, "PATCH": SCOPE, "DELETE": SCOPE}

    def endpoint(self, request, endpoint_id):
        return endpoints.webhook_endpoint_get(api_client=_client(request), public_id=endpoint_id)


class WebhookListApi(WebhookApiView):
    @extend_schema(
        operation_id="webhooks_list", responses=WebhookOutput(many=True), tags=["webhooks"]
    )
    def get(self, request):
        return Response(
            WebhookOutput(endpoints.webhook_endpoints_of(_client(request)), many=True).data
        )

    @extend_schema(
        operation_id="webhooks_create",
        request=WebhookInput,
        responses={201: WebhookSecretOutput},
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
        endpoint = endpoints.webhook_endpoint_create(
            api_client=_client(request),
            url=data.validated_data["url"],
            events=data.validated_data["events"],
        )
        return Response(WebhookSecretOutput(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(WebhookApiView):
    @extend_schema(operation_id="webhooks_read", responses=WebhookOutput, tags=["webhooks"])
    def get(self, request, endpoint_id):
        return Response(WebhookOutput(self.endpoint(request, endpoint_id)).data)

    @extend_schema(
        operation_id="webhooks_update",
        request=WebhookChangeInput,
        responses=WebhookOutput,
        tags=["webhooks"],
        description="Change the URL or the events, or disable (`is_active: false`) and "
        "enable the endpoint. Disabling cancels what is queued for it.",
    )
    def patch(self, request, endpoint_id):
        endpoint = self.endpoint(request, endpoint_id)
        data = WebhookChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = endpoints.webhook_endpoint_update(endpoint=endpoint, **data.validated_data)
        return Response(WebhookOutput(endpoint).data)

    @extend_schema(operation_id="webhooks_delete", responses={204: None}, tags=["webhooks"])
    def delete(self, request, endpoint_id):
        endpoints.webhook_endpoint_delete(endpoint=self.endpoint(request, endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecretRotateApi(WebhookApiView):
    @extend_schema(
        operation_id="webhooks_rotate_secret",
        request=None,
        responses=WebhookSecretOutput,
        tags=["webhooks"],
        description="A new signing secret, used for every delivery from now on, retries "
        "included; the old one stops at once. Shown once in this answer.",
    )
    @idempotent
    def post(self, request, endpoint_id):
        endpoint = endpoints.webhook_endpoint_secret_rotate(
            endpoint=self.endpoint(request, endpoint_id)
        )
        return Response(WebhookSecretOutput(endpoint).data)


class WebhookTestApi(WebhookApiView):
    @extend_schema(
        operation_id="webhooks_send_test",
        request=None,
        responses={202: DeliveryOutput},
        tags=["webhooks"],
        description=f"Queue a `{TEST_EVENT}` event to this endpoint, whatever events it "
        "hears; follow it in the delivery log.",
    )
    @idempotent
    def post(self, request, endpoint_id):
        delivery = endpoints.webhook_endpoint_test(endpoint=self.endpoint(request, endpoint_id))
        return Response(DeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)


class NewestFirst(CursorPagination):
    ordering = "-id"


class WebhookDeliveriesApi(WebhookApiView, ListAPIView):
    """The endpoint's delivery log, newest first: status, attempts and the last error."""

    serializer_class = DeliveryOutput
    pagination_class = NewestFirst

    def get_queryset(self):
        return endpoints.webhook_deliveries_of(
            self.endpoint(self.request, self.kwargs["endpoint_id"])
        )

    @extend_schema(operation_id="webhooks_deliveries", tags=["webhooks"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
