"""The partner-bank API for credit: the applications SMEs consented to share with this bank
(their score, its factors and the trade record behind it), and the bank's decision on those
waiting for it. A bank sees no application it was not chosen for (404)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.fields import MoneyField
from ewtp.common.api.pagination import CursorPagination
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.api.strict import StrictInputSerializer, query_choice
from ewtp.common.idempotency import idempotent

from ..models import CreditApplication
from ..services.credit import credit_decide
from .views import IsBankClient


class FactorOutput(serializers.Serializer):
    class Meta:
        ref_name = "CreditFactor"

    code = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField()
    points = serializers.IntegerField()
    best = serializers.IntegerField(help_text="The most it can add (0 for a penalty).")
    hint = serializers.CharField()


class ScoreOutput(serializers.Serializer):
    class Meta:
        ref_name = "CreditScore"

    score = serializers.IntegerField(help_text="300 to 850")
    band = serializers.CharField(help_text="A (best) to E")
    engine = serializers.CharField(
        help_text="The engine version: the same inputs give the same score."
    )
    computed_at = serializers.DateTimeField(source="created_at")
    factors = FactorOutput(many=True)
    inputs = serializers.DictField(help_text="The trade record the score was computed from.")


class ApplicationOutput(serializers.Serializer):
    class Meta:
        ref_name = "CreditApplication"

    reference = serializers.CharField()
    status = serializers.CharField()
    organization = serializers.CharField(source="organization.legal_name")
    registration_number = serializers.CharField(source="organization.registration_number")
    country = serializers.CharField(source="organization.country.code")
    amount = MoneyField()
    tenor_months = serializers.IntegerField()
    rate_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text="Flat, a year"
    )
    fee = MoneyField()
    total_cost = MoneyField(help_text="Interest and fee over the tenor.")
    consent_given_at = serializers.DateTimeField()
    consent_text = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_by = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())
    score = ScoreOutput()


def _applications(request):
    return CreditApplication.objects.filter(
        bank=request.auth.application.api_client
    ).select_related("organization", "score")


class CreditApplicationListApi(APIView):
    """Applications shared with this bank, newest first; ``?status=pending`` for those
    waiting for its decision."""

    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"GET": ["credit:read"]}

    class Pagination(CursorPagination):
        ordering = "-id"

    pagination_class = Pagination

    @extend_schema(
        operation_id="credit_applications_list",
        responses=ApplicationOutput(many=True),
        tags=["credit"],
        parameters=[OpenApiParameter("status", str, enum=CreditApplication.Status.values)],
    )
    def get(self, request):
        rows = _applications(request)
        status = query_choice(request, "status", CreditApplication.Status.values)
        if status:
            rows = rows.filter(status=status)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ApplicationOutput(page, many=True).data)


class CreditApplicationDetailApi(APIView):
    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"GET": ["credit:read"]}

    @extend_schema(
        operation_id="credit_application_detail", responses=ApplicationOutput, tags=["credit"]
    )
    def get(self, request, reference):
        application = _applications(request).filter(reference=reference[:12]).first()
        if application is None:
            raise Http404("No such application was shared with you.")
        return Response(ApplicationOutput(application).data)


class DecisionInput(StrictInputSerializer):
    class Meta:
        ref_name = "CreditDecision"

    decision = serializers.ChoiceField(choices=["approve", "decline"])
    reasons = serializers.ListField(
        child=serializers.CharField(max_length=300), min_length=1, max_length=10
    )


class CreditDecisionApi(APIView):
    """Decide an application waiting for this bank (status pending); the SME draws an
    approved line in the portal. The same decision again is answered the same."""

    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"POST": ["credit:write"]}

    @extend_schema(
        operation_id="credit_application_decide",
        request=DecisionInput,
        responses=ApplicationOutput,
        tags=["credit"],
        examples=[
            OpenApiExample(
                "Approve",
                value={"decision": "approve", "reasons": ["Steady exports, no overdue debt."]},
            )
        ],
    )
    @idempotent
    def post(self, request, reference):
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        application = _applications(request).filter(reference=reference[:12]).first()
        if application is None:
            raise Http404("No such application was shared with you.")
        decided = credit_decide(
            application=application,
            bank=request.auth.application.api_client,
            decision=data.validated_data["decision"],
            reasons=data.validated_data["reasons"],
        )
        return Response(ApplicationOutput(decided).data)
