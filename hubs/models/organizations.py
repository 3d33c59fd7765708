"""Organisations (every business on the hub) and their members."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ewtp.common.models import BaseModel

from .network import Hub
from .users import User


class Organization(BaseModel):
    """A business on the hub. Every organisation can buy; approved ones can sell."""

    legal_name = models.CharField(_("legal name"), max_length=200)
    country = CountryField(_("country"))
    home_hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="organizations")

    class Meta:
        ordering = ["legal_name"]

    def __str__(self):
        return self.legal_name


class Membership(BaseModel):
    """A user's seat in an organisation."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")  # manages the organisation, its members and payout account
        STAFF = "staff", _("Staff")  # works the catalogue, orders and shipments

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_once"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.role})"
