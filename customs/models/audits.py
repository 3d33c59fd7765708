"""Post-clearance audit: goods released now are checked afterwards. A declaration released
from the blue lane, or drawn at random from the green lane, waits in its hub's audit
worklist; an officer closes it without a finding, or raises a finding (the goods were worth
more than declared) whose duty and tax, assessed again by the duty engine on the corrected
value, are owed by the declarant's organisation and billed to it through the hub's ledger."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ewtp.common.models import BaseModel
from ewtp.common.states import StateMachine

# The law under which duty found short paid after release is demanded of the declarant, per
# the hub's country (shown on the finding and to the declarant).
SHORT_PAID_LAW = {
    "MY": "Customs Act 1967 (Malaysia), s. 17: customs duty short paid is payable on demand "
    "(within six years, as amended by the Customs (Amendment) Act 2019)",
    "CN": "Customs Law of the People's Republic of China, art. 62: duty short levied after "
    "release is recovered from the taxpayer",
}


class PostClearanceAudit(StateMachine, BaseModel):
    class Selection(models.TextChoices):
        BLUE_LANE = "blue_lane", _("Released in the blue lane")
        RANDOM_SAMPLE = "sample", _("Drawn at random from green-lane releases")

    class Status(models.TextChoices):
        # in the hub's worklist
        TO_AUDIT = "to_audit", _("To audit")
        # an officer found the declaration right: nothing is owed
        NO_FINDING = "no_finding", _("Audited: no finding")
        # the goods were under-declared: the supplementary assessment is being billed
        FINDING = "finding", _("Finding raised")
        # the supplementary assessment is billed to the declarant (or nothing was owed)
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.TO_AUDIT: {Status.NO_FINDING, Status.FINDING},
        Status.NO_FINDING: set(),
        Status.FINDING: {Status.CLOSED},
        Status.CLOSED: set(),
    }

    declaration = models.OneToOneField(
        "customs.Declaration", on_delete=models.PROTECT, related_name="post_clearance_audit"
    )
    # the declaration's hub, whose officers audit it (kept here for the worklist's index)
    hub = models.ForeignKey("hubs.Hub", on_delete=models.PROTECT, related_name="+")
    selected_because = models.CharField(max_length=10, choices=Selection.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TO_AUDIT)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    audited_at = models.DateTimeField(null=True, blank=True)
    finding = models.CharField(max_length=1000, blank=True)
    # the finding's figures, in the declaration's customs currency: the customs value (CIF)
    # as declared and as corrected, and the duty and tax the engine assessed on the corrected
    # value less what the release assessed (the supplementary assessment)
    currency = models.CharField(max_length=3)
    declared_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    corrected_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    under_declared_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    assessed_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    duty_owed = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    tax_owed = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # [{"line_no", "hs_code", "description", "declared", "corrected"}] per item, and the
    # engine's lines on the corrected values [{"line_no", "tax", "base", "rate", "rule",
    # "legal_source", "amount"}]
    corrected_items = models.JSONField(default=list, blank=True)
    reassessment = models.JSONField(default=list, blank=True)
    legal_source = models.CharField(max_length=200, blank=True)
    # The billing: the ledger transaction in the payments app (its id, not a foreign key:
    # customs and payments do not depend on each other), and how the declarant's
    # organisation met it: from its balance, and what its balance could not cover (owed).
    ledger_transaction_id = models.BigIntegerField(null=True, blank=True, unique=True)
    billed_from_balance = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    billed_as_owed = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # the worklist: a hub's audits to do, oldest first
            models.Index(fields=["hub", "status", "created_at"], name="audit_worklist_idx"),
        ]
        constraints = [
            # a finding carries its figures, and never lowers the value declared (it may
            # keep it: a preference withdrawn after release is owed on the same value)
            models.CheckConstraint(
                name="audit_finding_has_figures",
                condition=Q(status__in=["to_audit", "no_finding"])
                | Q(
                    duty_owed__isnull=False,
                    tax_owed__isnull=False,
                    declared_value__isnull=False,
                    corrected_value__gte=F("declared_value"),
                ),
            ),
            models.CheckConstraint(
                name="audit_owed_not_negative",
                condition=Q(duty_owed__isnull=True)
                | Q(tax_owed__isnull=True)
                | Q(duty_owed__gte=-F("tax_owed")),
            ),
        ]

    def __str__(self):
        return f"{self.declaration_id} {self.status}"

    @property
    def amount_owed(self):
        """The supplementary assessment: the duty and tax owed (None before a finding)."""
        if self.duty_owed is None or self.tax_owed is None:
            return None
        return self.duty_owed + self.tax_owed

    @property
    def is_done(self) -> bool:
        return self.status != self.Status.TO_AUDIT
