"""Risk selectivity: weighted rules an officer can tune, the lane each declaration was sent
to with the rules that fired, and the parties on a watch list."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskRule(models.Model):
    """A rule of the risk engine (the logic is in customs.services.risk, keyed by ``code``);
    its weight and parameters are data, so officers tune selectivity without a release."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    weight = models.PositiveSmallIntegerField()
    enabled = models.BooleanField(default=True)
    parameters = models.JSONField(default=dict, blank=True)
    legal_source = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("The law or announcement the rule applies, where it has one."),
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} ({self.weight})"


class Lane(models.TextChoices):
    GREEN = "green", _("Green: released")
    BLUE = "blue", _("Blue: released, post-clearance audit")
    YELLOW = "yellow", _("Yellow: document check")
    RED = "red", _("Red: physical inspection")


class LaneDecision(models.Model):
    declaration = models.ForeignKey(
        "customs.Declaration", on_delete=models.CASCADE, related_name="lane_decisions"
    )
    score = models.PositiveSmallIntegerField()
    lane = models.CharField(max_length=6, choices=Lane.choices)
    # [{"code", "name", "weight", "reason"}] for every rule that fired
    rules_fired = models.JSONField(default=list)
    seed = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.declaration_id} {self.lane} ({self.score})"


class WatchListEntry(models.Model):
    name = models.CharField(max_length=200, help_text="A party's name as declared")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "watch list entries"

    def __str__(self):
        return self.name
