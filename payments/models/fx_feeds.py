"""What the hub fetched from its reference-rate feed (the ECB's daily euro rates): each
document as it came, kept next to what was made of it, so a rate can be traced to the bytes
it was read from and a failing feed to its errors."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FxFeedFetch(models.Model):
    """One fetch of the feed: the raw document (once per distinct document: fetching the
    same one again adds no row), or the error when none came. Append-only; only the alert
    service sets ``alerted_at``."""

    class Status(models.TextChoices):
        # parsed; its rates are stored (those already known were kept as they were)
        STORED = "stored", _("Stored")
        # a document came but was refused (too large, not XML, a DTD or entities, not the
        # feed's layout): kept as it came for the officers to look at
        REFUSED = "refused", _("Refused")
        # no document: the feed did not answer, or not with 200, after the task's retries
        FAILED = "failed", _("Failed")

    source = models.CharField(max_length=20, help_text="The rate source's name, e.g. ECB")
    location = models.CharField(max_length=300, help_text="The URL or file read")
    fetched_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    raw = models.BinaryField(blank=True, help_text="At most FX_FEED_MAX_BYTES, as received")
    sha256 = models.CharField(max_length=64, blank=True)
    rate_day = models.DateField(null=True, blank=True, help_text="The newest day it carried")
    rates_new = models.PositiveIntegerField(default=0, help_text="Rates it added")
    error = models.TextField(blank=True)
    # when the officers were last e-mailed about this fetch (a failure, or rates still stale)
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name, verbose_name_plural = _("FX feed fetch"), _("FX feed fetches")
        ordering = ["-fetched_at", "-id"]
        constraints = [
            # the same document fetched again (a later run, a retry) is the same row
            models.UniqueConstraint(
                fields=["source", "sha256"], condition=~Q(sha256=""), name="fx_feed_document_once"
            ),
        ]
        indexes = [
            # the latest fetches of a source: the failure report's "failing since"
            models.Index(fields=["source", "-fetched_at"], name="fx_feed_fetch_latest_idx"),
        ]

    def __str__(self):
        return f"{self.source} {self.fetched_at:%Y-%m-%d %H:%M} {self.status}"
