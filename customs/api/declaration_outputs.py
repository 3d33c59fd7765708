"""What the API answers about a declaration: its items, assessment, history and the
documents customs asked for."""

from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

HUB_CODE = r"^[A-Za-z]{3}$"
ORDER_REFERENCE = r"^EW-[0-9A-Z]{8}$"


class ItemOutput(serializers.Serializer):
    class Meta:
        ref_name = "DeclarationItem"

    line_no = serializers.IntegerField()
    hs_code = serializers.CharField()
    description = serializers.CharField()
    origin = serializers.CharField(source="origin.code")
    quantity = serializers.IntegerField()
    net_weight_kg = serializers.DecimalField(max_digits=10, decimal_places=3)
    value = serializers.DecimalField(max_digits=14, decimal_places=2)


class AssessmentLineOutput(serializers.Serializer):
    class Meta:
        ref_name = "AssessmentLine"

    line_no = serializers.IntegerField(help_text="The item this duty or tax is on")
    tax = serializers.CharField(help_text="duty, sales_tax, lvg_sales_tax, consumption_tax, vat")
    base = serializers.DecimalField(max_digits=14, decimal_places=2)
    rate = serializers.CharField()
    rule = serializers.CharField()
    legal_source = serializers.CharField()
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="In the customs currency"
    )


class TransitionOutput(serializers.Serializer):
    class Meta:
        ref_name = "DeclarationTransition"

    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")
    by = serializers.CharField(source="public_actor", help_text='e.g. "Customs KUL"')
    reason = serializers.CharField(source="public_reason")


class DocumentRequestOutput(serializers.Serializer):
    class Meta:
        ref_name = "DocumentRequest"

    at = serializers.DateTimeField(source="created_at")
    by = serializers.CharField(source="public_actor")
    documents = serializers.CharField(source="text")


class DeclarationOutput(serializers.Serializer):
    class Meta:
        ref_name = "Declaration"

    reference = serializers.CharField()
    regime = serializers.CharField()
    hub = serializers.CharField(source="hub.code")
    order_reference = serializers.CharField(source="order.reference", default=None, allow_null=True)
    status = serializers.CharField()
    lane = serializers.CharField(help_text="green, blue, yellow, red; empty before risk")
    treatment = serializers.CharField(help_text="general, lvg, de_minimis, cbec, export")
    exporter = serializers.CharField()
    importer = serializers.CharField()
    declarant = serializers.CharField()
    incoterm = serializers.CharField()
    waybill = serializers.CharField()
    currency = serializers.CharField()
    freight = serializers.DecimalField(max_digits=14, decimal_places=2)
    insurance = serializers.DecimalField(max_digits=14, decimal_places=2)
    customs_currency = serializers.CharField()
    exchange_rate = serializers.DecimalField(max_digits=20, decimal_places=10)
    exchange_rate_source = serializers.CharField()
    fta_agreement = serializers.CharField()
    fta_certificate = serializers.CharField()
    lvg_registration_number = serializers.CharField(
        help_text="MY import sold online by a registered seller of low value goods: the "
        "seller's LVG registration in force on the declaration date; empty otherwise"
    )
    declared_on = serializers.DateField()
    total_tax = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="In the customs currency"
    )
    match_differences = serializers.JSONField(
        help_text="CN CBEC: fields on which the order, payment and waybill records differ"
    )
    items = ItemOutput(many=True)
    assessment = AssessmentLineOutput(many=True, source="assessment_lines")
    transitions = TransitionOutput(many=True)
    documents_requested = serializers.SerializerMethodField(
        help_text="What customs asked the declarant to supply (upload it in the portal)"
    )

    @extend_schema_field(DocumentRequestOutput(many=True))
    def get_documents_requested(self, declaration):
        return DocumentRequestOutput(
            [note for note in declaration.notes.all() if note.is_public], many=True
        ).data
