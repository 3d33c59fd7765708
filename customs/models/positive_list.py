"""China's list of goods that may be imported under the cross-border e-commerce retail regime
(the "positive list", 跨境电子商务零售进口商品清单): goods outside it cannot use the retail
regime and are imported as general trade. The list is dated data, loaded edition by edition
(customs/services/positive_list.py); each entry names the instrument that put it there."""

from datetime import date

from django.db import models
from django.db.models import Q

from .tariff import HS_CODE_PATTERN


class PositiveListEntryQuerySet(models.QuerySet):
    def in_force(self, on: date):
        return self.filter(
            Q(effective_from__lte=on) & (Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        )


class PositiveListEntry(models.Model):
    """One tariff code on the list: an 8-digit national line as the list publishes it, or a
    shorter code covering every line under it."""

    edition = models.CharField(
        max_length=100, help_text="The list's edition (e.g. 2019, as adjusted in 2022)"
    )
    hs_code = models.CharField(max_length=10)
    description = models.CharField(max_length=200)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    legal_source = models.CharField(max_length=200, help_text="The instrument that lists it")
    # an excerpt modelled on the list for demonstration, not the official list: the legal
    # source says so too
    indicative = models.BooleanField(default=False)

    objects = PositiveListEntryQuerySet.as_manager()

    class Meta:
        ordering = ["hs_code", "-effective_from"]
        verbose_name_plural = "positive list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "hs_code", "effective_from"], name="positive_list_entry_once"
            ),
            models.CheckConstraint(
                name="positive_list_hs_code_digits", condition=Q(hs_code__regex=HS_CODE_PATTERN)
            ),
            models.CheckConstraint(
                name="positive_list_dates_ordered",
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
            ),
        ]
        indexes = [models.Index(fields=["hs_code"], name="positive_list_code_idx")]

    def __str__(self):
        return f"{self.hs_code} {self.description} ({self.edition})"
