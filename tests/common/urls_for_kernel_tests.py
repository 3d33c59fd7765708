"""Views that exist only to exercise the kernel's API plumbing (idempotency, errors)."""

import time

from django.urls import include, path
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.fields import MoneyField
from ewtp.common.errors import ConflictError
from ewtp.common.idempotency import idempotent
from ewtp.common.models import AuditEntry


class RecordApi(APIView):
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=20)
        amount = MoneyField(required=False)
        lines = serializers.ListField(
            child=serializers.DictField(child=serializers.IntegerField()), required=False
        )

    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["note"] == "conflict":
            raise ConflictError("Already shipped.", "order_shipped")
        if data.validated_data["note"] == "slow":
            time.sleep(0.5)  # hold the key while a duplicate arrives
        if data.validated_data["note"] == "boom":
            raise RuntimeError("unexpected")
        entry = AuditEntry.objects.create(
            action="tests.recorded",
            target_type="tests",
            target_id="1",
            data={"note": data.validated_data["note"]},
        )
        return Response(
            {"id": entry.pk, "note": entry.data["note"]}, status=status.HTTP_201_CREATED
        )


urlpatterns = [
    path("api/v1/test-records", RecordApi.as_view()),
    path("", include("ewtp.urls")),
]

from ewtp.urls import handler400, handler403, handler404, handler500  # noqa: E402, F401  (same error pages as the hub)
