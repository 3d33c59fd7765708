"""People who sign in: e-mail login, with an official role for officers posted to a hub."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ewtp.common.validators import no_bidi_controls

from ..errors import HubsErrorCode


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username):
        # E-mail addresses are stored lower-case; "Owner@Example.com" logs in as well.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address.

    SME members belong to organisations through Membership. Officials hold one official
    role; customs officers and hub operators are posted to one hub.
    """

    class OfficialRole(models.TextChoices):
        NONE = "", _("None")
        MDEC_OFFICER = (
            "mdec_officer",
            _("MDEC officer"),
        )  # reads everything, changes nothing financial
        CUSTOMS_OFFICER = "customs_officer", _("Customs officer")  # works one hub's lanes
        HUB_OPERATOR = (
            "hub_operator",
            _("Hub operator"),
        )  # receives, weighs, consolidates at one hub

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(
        _("full name"), max_length=150, blank=True, validators=[no_bidi_controls]
    )
    official_role = models.CharField(
        _("official role"), max_length=20, choices=OfficialRole.choices, blank=True, default=""
    )
    official_hub = models.ForeignKey(
        "hubs.Hub",
        verbose_name=_("posted to hub"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials",
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can use the admin"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            # sign-in ignores case, so two addresses differing only in case would be one account
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
            # customs officers and hub operators work at exactly one hub; nobody else is posted
            models.CheckConstraint(
                name="official_hub_matches_role",
                condition=(
                    Q(
                        official_role__in=["customs_officer", "hub_operator"],
                        official_hub__isnull=False,
                    )
                    | (
                        ~Q(official_role__in=["customs_officer", "hub_operator"])
                        & Q(official_hub__isnull=True)
                    )
                ),
            ),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        posted = self.official_role in (
            self.OfficialRole.CUSTOMS_OFFICER,
            self.OfficialRole.HUB_OPERATOR,
        )
        if posted and self.official_hub_id is None:
            raise _official_hub_error(
                _("Customs officers and hub operators need a hub."),
                HubsErrorCode.OFFICIAL_HUB_REQUIRED,
            )
        if not posted and self.official_hub_id is not None:
            raise _official_hub_error(
                _("Only customs officers and hub operators are posted to a hub."),
                HubsErrorCode.OFFICIAL_HUB_NOT_POSTED,
            )

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


def _official_hub_error(message, code: HubsErrorCode) -> ValidationError:
    """An error of the official_hub field with its code (the plain messages of a dict
    carry none)."""
    return ValidationError({"official_hub": ValidationError(message, code=code)})
