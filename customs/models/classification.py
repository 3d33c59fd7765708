"""Classification requests: an import item whose HS code has no tariff line in force at the
destination. The goods are not turned away for a gap in the hub's reference data: the
destination hub's officers decide the national line (or enter the rates, naming their legal
basis) and the declaration carries on from there."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ewtp.common.models import BaseModel
from ewtp.common.states import StateMachine


class Classification(StateMachine, BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Classification needed")
        DECIDED = "decided", _("Classified")

    TRANSITIONS = {Status.OPEN: {Status.DECIDED}, Status.DECIDED: set()}

    class Basis(models.TextChoices):
        LINE = "line", _("A national tariff line")
        RATES = "rates", _("Rates entered by the officer")

    declaration = models.ForeignKey(
        "customs.Declaration", on_delete=models.CASCADE, related_name="classifications"
    )
    # an amendment replaces the items: its request goes with them, and a new one is made if
    # the new items still need it
    item = models.OneToOneField(
        "customs.DeclarationItem", on_delete=models.CASCADE, related_name="classification"
    )
    hs_code = models.CharField(max_length=10, help_text="As the declarant gave it")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    basis = models.CharField(max_length=5, choices=Basis.choices, blank=True)
    tariff_line = models.ForeignKey(
        "customs.TariffLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # the rates an officer entered, for goods no national line fits yet
    duty_percent = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    sales_tax_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    excise_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    legal_source = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="classification_queue_idx")]
        constraints = [
            models.CheckConstraint(
                name="classification_decided_has_basis",
                condition=Q(status="open")
                | Q(basis="line", tariff_line__isnull=False)
                | Q(
                    basis="rates",
                    duty_percent__isnull=False,
                    sales_tax_percent__isnull=False,
                    excise_percent__isnull=False,
                ),
            ),
        ]

    def __str__(self):
        return f"{self.declaration_id}/{self.item_id} HS {self.hs_code} {self.status}"
