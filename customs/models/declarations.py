"""Goods declarations: what is declared for one consignment under one regime, its items, the
assessment the duty engine made of it, and every change of state with who, when and why."""

import functools

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ewtp.common.models import BaseModel
from ewtp.common.states import StateMachine


class Declaration(StateMachine, BaseModel):
    class Regime(models.TextChoices):
        MY_EXPORT = "MY_EXPORT", _("Malaysia export")
        MY_IMPORT = "MY_IMPORT", _("Malaysia import")
        CN_CBEC_IMPORT = "CN_CBEC_IMPORT", _("China cross-border e-commerce retail import")
        CN_IMPORT = "CN_IMPORT", _("China general import")
        CN_EXPORT = "CN_EXPORT", _("China export")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        # an import item has no tariff line in force: the hub's officers classify it
        CLASSIFY = "classify", _("Classification needed")
        ASSESSED = "assessed", _("Assessed")
        LANE = "lane", _("In a lane")
        # lodged before the goods arrived and decided for release while they were in the air
        # (pre-arrival processing): released when they are presented at the landing scan
        ACCEPTED = "accepted", _("Accepted, awaiting arrival")
        RELEASED = "released", _("Released")
        HELD = "held", _("Held")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED, Status.CANCELLED},
        Status.SUBMITTED: {
            Status.ASSESSED,
            Status.CLASSIFY,
            Status.REJECTED,
            Status.CANCELLED,
        },
        # classified: submitted again and assessed with the officer's line or rates
        Status.CLASSIFY: {Status.SUBMITTED, Status.REJECTED, Status.CANCELLED},
        # an amendment goes back to submitted and is assessed again
        # rejected: it cannot be routed as it stands (the risk engine refused its data)
        Status.ASSESSED: {Status.LANE, Status.SUBMITTED, Status.REJECTED, Status.CANCELLED},
        # a release of goods still in the air is an acceptance (declaration_goods_arrived
        # releases it at the landing scan)
        Status.LANE: {
            Status.RELEASED,
            Status.ACCEPTED,
            Status.HELD,
            Status.REJECTED,
            Status.SUBMITTED,
        },
        Status.HELD: {Status.RELEASED, Status.ACCEPTED, Status.REJECTED, Status.SUBMITTED},
        # decided as a release is (its permits are drawn): released when the goods land, or
        # rejected by an officer before then (which gives the permits back)
        Status.ACCEPTED: {Status.RELEASED, Status.REJECTED},
        Status.RELEASED: set(),
        Status.REJECTED: set(),
        Status.CANCELLED: set(),
    }

    class Incoterm(models.TextChoices):
        DAP = "DAP", "DAP"
        DDP = "DDP", "DDP"

    reference = models.CharField(max_length=20, unique=True)
    regime = models.CharField(max_length=20, choices=Regime.choices)
    hub = models.ForeignKey("hubs.Hub", on_delete=models.PROTECT, related_name="declarations")
    order = models.ForeignKey(
        "hubs.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="declarations"
    )
    # the SME on whose behalf it is declared: it (and its agent) sees and amends it
    organization = models.ForeignKey(
        "hubs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    exporter = models.CharField(max_length=200)
    importer = models.CharField(max_length=200)
    importer_id_reference = models.CharField(max_length=40, blank=True)
    declarant = models.CharField(max_length=200)
    incoterm = models.CharField(max_length=3, choices=Incoterm.choices, default=Incoterm.DAP)
    waybill = models.CharField(max_length=20, blank=True, help_text="House air waybill")
    currency = models.CharField(max_length=3)
    freight = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    insurance = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    customs_currency = models.CharField(max_length=3)
    exchange_rate = models.DecimalField(
        max_digits=20, decimal_places=10, help_text="Customs currency per unit of the currency"
    )
    exchange_rate_source = models.CharField(max_length=50)
    fta_agreement = models.CharField(max_length=10, blank=True)
    fta_certificate = models.CharField(max_length=40, blank=True)
    sold_online_by_registered_seller = models.BooleanField(default=False)
    # the seller's LVG registration in force on the declaration date (customs.LvgRegistration)
    # when the goods are sold online by a registered seller of low value goods; empty otherwise
    lvg_registration_number = models.CharField(max_length=20, blank=True)
    air_courier = models.BooleanField(default=True)
    # China's customs supervision mode of a cross-border retail import: 9610 for a parcel
    # flown to the consumer (GACC Announcement 2014 No. 12), 1210 for goods sold from a
    # bonded warehouse's stock (GACC Announcement 2014 No. 57); empty for other regimes
    supervision_mode = models.CharField(max_length=4, blank=True)
    # 1210: the code of the customs supervision site the goods leave
    customs_site_code = models.CharField(max_length=20, blank=True)
    # a released retail import whose goods came back to the supervision site within the
    # return window: its taxes are not collected and the consumer's annual total is reduced
    # by it (GACC Announcement 2018 No. 194)
    goods_returned_at = models.DateTimeField(null=True, blank=True)
    declared_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    treatment = models.CharField(max_length=20, blank=True)
    lane = models.CharField(max_length=6, blank=True)
    # the amount the buyer actually paid for the order, in the declaration currency (from the
    # payment record, through the pipeline): the risk engine compares the declared value to it
    paid_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # CBEC: what this declaration holds of the buyer's annual allowance (fen), reserved at
    # assessment so that declarations waiting in a lane count too; given back on reject/cancel
    cbec_reserved_minor = models.BigIntegerField(default=0)
    total_tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Three-record match (CN CBEC): the order, payment and waybill records as the other apps
    # sent them, and the fields on which they disagree with the declaration
    match_records = models.JSONField(default=dict, blank=True)
    match_differences = models.JSONField(default=list, blank=True)
    # Who paid, from the payment record (set when it is attached): the identity document
    # number as the bank reported it (empty: not reported), and a keyed digest of the payer's
    # account (customs.services.parties.account_key: customs needs "the same account as",
    # never the account number). The delivery address of a consumer's consignment, as a digest
    # of its normalised text (parties.address_key). The risk rules look them up by index.
    payer_id_reference = models.CharField(max_length=40, blank=True)
    payer_account_key = models.CharField(max_length=64, blank=True)
    delivery_address_key = models.CharField(max_length=64, blank=True)
    # when the last state change happened (the stuck sweeper measures from it) and when the
    # sweeper last reported the declaration as stuck in that state
    status_changed_at = models.DateTimeField(null=True, blank=True)
    stuck_reported_at = models.DateTimeField(null=True, blank=True)
    redriven_at = models.DateTimeField(null=True, blank=True)
    # Pre-arrival processing (WCO Revised Kyoto Convention, General Annex Standard 3.25 and
    # Transitional Standard 3.26: the goods declaration may be lodged before the goods
    # arrive): the import filed from the flight's manifest when it departed, with the
    # flight's scheduled arrival; empty for a declaration lodged once the goods were there.
    arrival_expected_at = models.DateTimeField(null=True, blank=True)
    # when such a declaration's goods were presented at the destination's landing scan: it
    # is not released before then
    goods_arrived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["hub", "status", "created_at"], name="declaration_queue_idx"),
            models.Index(fields=["organization", "-created_at"], name="declaration_of_org_idx"),
            models.Index(fields=["status", "status_changed_at"], name="declaration_stuck_idx"),
            # the risk rules' look-ups: an exporter's history, a buyer's recent consignments
            models.Index(fields=["exporter", "status"], name="declaration_exporter_idx"),
            models.Index(
                fields=["importer_id_reference", "created_at"], name="declaration_buyer_id_idx"
            ),
            models.Index(fields=["importer", "created_at"], name="declaration_buyer_idx"),
            # splitting by payer and by delivery address: the recent consignments paid from
            # one account or identity, or sent to one address
            models.Index(
                fields=["payer_account_key", "created_at"], name="declaration_payer_acct_idx"
            ),
            models.Index(
                fields=["payer_id_reference", "created_at"], name="declaration_payer_id_idx"
            ),
            models.Index(
                fields=["delivery_address_key", "created_at"], name="declaration_address_idx"
            ),
            # the LVG threshold sweep: Malaysian imports over 12 months (customs/lvg.py)
            models.Index(fields=["regime", "declared_on"], name="declaration_regime_day_idx"),
        ]
        constraints = [
            # one live declaration per order and regime: a repeated pipeline event or a hand
            # filing next to the automatic one cannot declare the same goods twice
            models.UniqueConstraint(
                fields=["order", "regime"],
                condition=Q(order__isnull=False) & ~Q(status__in=["cancelled", "rejected"]),
                name="declaration_once_per_order_and_regime",
            )
        ]

    def __str__(self):
        return self.reference

    @property
    def filed_before_arrival(self) -> bool:
        return self.arrival_expected_at is not None

    @property
    def in_the_air(self) -> bool:
        """Lodged before arrival and its goods not presented yet: a release waits for them."""
        return self.arrival_expected_at is not None and self.goods_arrived_at is None

    @property
    def lane_label(self) -> str:
        from .risk import Lane

        return Lane(self.lane).label if self.lane else ""


class DeclarationItem(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="items")
    line_no = models.PositiveSmallIntegerField()
    hs_code = models.CharField(max_length=10)
    description = models.CharField(max_length=200)
    origin = CountryField()
    quantity = models.PositiveIntegerField()
    net_weight_kg = models.DecimalField(max_digits=10, decimal_places=3)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    # the tariff line (and so the schedule version) of the last assessment: a schedule loaded
    # later does not change what an assessed declaration was assessed with
    tariff_line = models.ForeignKey(
        "customs.TariffLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["declaration_id", "line_no"]
        # the undervaluation rule: the latest prices declared for an HS code
        indexes = [models.Index(fields=["hs_code", "-id"], name="declaration_item_hs_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "line_no"], name="declaration_line_once"
            ),
            models.CheckConstraint(
                name="declaration_item_value_positive", condition=Q(value__gt=0)
            ),
        ]

    def __str__(self):
        return f"{self.declaration_id}/{self.line_no} {self.hs_code}"


class AssessmentLine(models.Model):
    """One duty or tax of one item, as the engine computed it at the last assessment."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="assessment_lines"
    )
    line_no = models.PositiveSmallIntegerField()
    tax = models.CharField(max_length=20)
    base = models.DecimalField(max_digits=14, decimal_places=2)
    rate = models.CharField(max_length=40)
    rule = models.CharField(max_length=200)
    legal_source = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["declaration_id", "line_no", "id"]

    def __str__(self):
        return f"{self.declaration_id}/{self.line_no} {self.tax} {self.amount}"


class DeclarationTransition(models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor_label = models.CharField(max_length=254)
    reason = models.CharField(max_length=500, blank=True)
    # What the declarant and its channels see: the officer as "Customs KUL" rather than a
    # person, and a lane without the risk rules and weights that chose it (those would teach
    # a trader how to stay green); the full record stays with the officers.
    public_actor = models.CharField(max_length=100, blank=True)
    public_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.declaration_id} {self.from_status}→{self.to_status}"

    @property
    def from_label(self) -> str:
        return Declaration.Status(self.from_status).label if self.from_status else ""

    @property
    def to_label(self) -> str:
        return Declaration.Status(self.to_status).label

    @property
    def public_reason_shown(self) -> str:
        """The reason the declarant reads, in the reader's language where it is one of the
        lanes (the risk engine records the lane's name, in the worker's language)."""
        return reason_shown(self.public_reason)


def reason_shown(reason: str):
    """A recorded public reason in the reader's language, where it is one of the lanes."""
    return _lane_labels().get(reason, reason)


@functools.cache
def _lane_labels() -> dict:
    from django.utils import translation

    from .risk import Lane

    with translation.override("en"):
        return {str(label): label for label in Lane.labels}


class DeclarationNote(models.Model):
    """An officer's word on a declaration that is not a change of state: the documents asked
    of the declarant (it reads them), or what an inspection found (officers only)."""

    class Kind(models.TextChoices):
        DOCUMENTS_REQUESTED = "documents_requested", _("Documents requested")
        INSPECTION_FINDING = "inspection_finding", _("Inspection finding")

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=1000)
    actor_label = models.CharField(max_length=254)
    public_actor = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.declaration_id} {self.kind}"

    @property
    def is_public(self) -> bool:
        return self.kind == self.Kind.DOCUMENTS_REQUESTED


def document_upload_path(document, filename):
    # never the uploader's file name (it may carry personal data)
    return f"customs/{document.declaration.public_id}/{document.public_id}{document.extension}"


class DeclarationDocument(BaseModel):
    """A document the declarant supplied for a declaration (PDF, JPEG or PNG): a certificate
    of origin, an invoice, a permit."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=document_upload_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by_label = models.CharField(max_length=254)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.title} ({self.original_name})"

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )
