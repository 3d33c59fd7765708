"""Payouts: an organisation's balance to its own bank account, handed to a partner bank in
ISO 20022 pain.001 batches."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from ewtp.common.models import BaseModel
from ewtp.common.money import money_from_minor
from ewtp.common.states import StateMachine

from .ledger import LedgerTransaction
from .orders import Settlement


class PayoutBatch(BaseModel):
    """Payouts handed to one partner bank in one ISO 20022 pain.001 message."""

    bank = models.ForeignKey("common.ApiClient", on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(max_length=35, unique=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    # what the message holds, fixed when it is made (pain.001's NbOfTxs and CtrlSum per
    # currency): the bank's batch list shows them without reading the payouts
    payout_count = models.PositiveIntegerField(default=0)
    totals = models.JSONField(
        default=list, blank=True, help_text='[{"currency": "MYR", "minor": 1250}, ...]'
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.message_id


class Payout(BaseModel, StateMachine):
    class Status(models.TextChoices):
        REQUESTED = (
            "requested",
            _("Requested"),
        )  # funds moved to the bank's clearing; waits for a batch
        BATCHED = "batched", _("Sent to the bank")  # in a pain.001 batch
        ACCEPTED = "accepted", _("Accepted by the bank")
        SETTLED = "settled", _("Paid")
        REJECTED = "rejected", _("Rejected: funds returned")  # the seller must fix its bank details

    TRANSITIONS = {
        Status.REQUESTED: {Status.BATCHED},
        Status.BATCHED: {Status.ACCEPTED, Status.SETTLED, Status.REJECTED},
        Status.ACCEPTED: {Status.SETTLED, Status.REJECTED},
        Status.SETTLED: set(),
        Status.REJECTED: set(),
    }
    # on its way or paid: a settlement with one of these is not paid out again
    LIVE = (Status.REQUESTED, Status.BATCHED, Status.ACCEPTED, Status.SETTLED)

    organization = models.ForeignKey(
        "hubs.Organization", on_delete=models.PROTECT, related_name="payouts"
    )
    bank = models.ForeignKey("common.ApiClient", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        PayoutBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    end_to_end_id = models.CharField(max_length=35, unique=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    creditor_name = models.CharField(max_length=140)
    creditor_bic = models.CharField(max_length=11)
    creditor_account = models.CharField(max_length=34)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    reason_code = models.CharField(
        max_length=10, blank=True, help_text="ISO 20022 status reason, e.g. AC01"
    )
    ledger_transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="+"
    )
    # the order settlement this pays out (the journey's own payout); empty for a payout the
    # owners requested of their balance. A rejected one is followed by another.
    settlement = models.ForeignKey(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="payout_positive", condition=Q(amount_minor__gt=0))
        ]
        indexes = [
            # the batching sweep: requested payouts per bank
            models.Index(fields=["bank", "status"], name="payout_batching_idx"),
        ]

    def __str__(self):
        return f"{self.end_to_end_id} {self.amount}"

    @property
    def amount(self) -> Money:
        return money_from_minor(self.amount_minor, self.currency)
