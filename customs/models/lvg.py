"""Malaysia's sales tax on low value goods (LVG): a seller's registration, and the notices
that tell an unregistered seller its LVG sales are nearing the registration threshold.

The law: the Sales Tax Act 2018 [Act 806], Part VA (low value goods), inserted by the Sales
Tax (Amendment) Act 2022 and in force since 1 January 2024. Goods sold online at a price not
exceeding RM500 and brought into Malaysia by land, sea or air (Sales Tax (Determination of
Low Value Goods) Order 2023 [P.U.(A) 403/2023]; the ``lvg_threshold`` parameter) are charged
sales tax at 10 % (the ``lvg_rate_percent`` parameter and the order it names) by the
registered seller. A seller whose LVG brought into Malaysia exceed RM500,000 in 12 months is
liable to be registered (Part VA with the Sales Tax (Low Value Goods) Regulations 2022
[P.U.(A) 408/2022]; the ``lvg_registration_threshold`` parameter). A registered seller
accounts for the tax in a return for each taxable period of three months ending on the last
day of a month, as the Director General assigns it (the same Regulations, reg. 7, as amended
in 2023), due by the last day of the month after the period."""

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ewtp.common.models import BaseModel
from ewtp.common.states import StateMachine

# The number on the Royal Malaysian Customs Department's notice of registration: its format
# is not published in the instruments, so it is held as 5 to 20 letters and digits, hyphens
# allowed between them (as in sales tax registration numbers, e.g. W10-1808-32000001).
LVG_NUMBER_PATTERN = r"^[A-Z0-9][A-Z0-9-]{3,18}[A-Z0-9]$"
LVG_NUMBER_MAX = 20


class LvgRegistration(StateMachine, BaseModel):
    """One registration of a seller (hubs.Organization) as a registered seller of low value
    goods. Only one is in force at a time; a cancelled one keeps its dates, so a past
    period's return and a past declaration still name the registration they were under."""

    class Status(models.TextChoices):
        # the seller charges LVG sales tax on its sales from effective_from
        IN_FORCE = "in_force", _("In force")
        # no longer from cancelled_from; the dates before it still hold
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.IN_FORCE: {Status.CANCELLED},
        Status.CANCELLED: set(),
    }

    class PeriodEnds(models.IntegerChoices):
        """The months in which the seller's taxable periods of three months end."""

        JANUARY = 1, _("January, April, July and October")
        FEBRUARY = 2, _("February, May, August and November")
        MARCH = 3, _("March, June, September and December")

    organization = models.ForeignKey(
        "hubs.Organization", on_delete=models.PROTECT, related_name="lvg_registrations"
    )
    number = models.CharField(_("LVG registration number"), max_length=LVG_NUMBER_MAX)
    effective_from = models.DateField(_("effective from"))
    period_ends = models.PositiveSmallIntegerField(
        _("taxable periods end in"), choices=PeriodEnds.choices, default=PeriodEnds.MARCH
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IN_FORCE)
    # the first day on which it no longer applies (set when cancelled)
    cancelled_from = models.DateField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["organization_id", "-effective_from", "-id"]
        indexes = [
            # the registration in force on a declaration date: a seller's, newest first
            models.Index(
                fields=["organization", "-effective_from"], name="lvg_registration_org_idx"
            ),
        ]
        constraints = [
            # one registration in force per seller: a second entry (or two at once) is refused
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(status="in_force"),
                name="lvg_registration_one_in_force",
            ),
            # a number in force belongs to one seller
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(status="in_force"),
                name="lvg_registration_number_once",
            ),
            models.CheckConstraint(
                name="lvg_registration_number_format",
                condition=Q(number__regex=LVG_NUMBER_PATTERN),
            ),
            # cancelled exactly when it has the day it stopped applying, never before it began
            models.CheckConstraint(
                name="lvg_registration_cancelled_from",
                condition=(Q(status="in_force") & Q(cancelled_from__isnull=True))
                | (Q(status="cancelled") & Q(cancelled_from__gte=F("effective_from"))),
            ),
        ]

    def __str__(self):
        return f"{self.number} ({self.organization_id}) from {self.effective_from}"

    def applies_on(self, on: datetime.date) -> bool:
        return self.effective_from <= on and (
            self.cancelled_from is None or on < self.cancelled_from
        )


class LvgThresholdNotice(models.Model):
    """That an unregistered seller was told its LVG sales reached a share of the
    registration threshold (80 %, then 100 %): each once, the unique constraint being the
    record that it was sent."""

    class Mark(models.IntegerChoices):
        NEARING = 80, _("Four fifths of the registration threshold")
        REACHED = 100, _("Over the registration threshold")

    organization = models.ForeignKey(
        "hubs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    mark = models.PositiveSmallIntegerField(choices=Mark.choices)
    # the seller's LVG sales over the 12 months and the threshold then, in MYR
    total = models.DecimalField(max_digits=14, decimal_places=2)
    threshold = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization_id", "mark"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "mark"], name="lvg_notice_once"),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.mark}%"
