"""The catalogue: HS nomenclature, product listings and their bulk imports."""

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from djmoney.models.fields import MoneyField

from ewtp.common.models import BaseModel
from ewtp.common.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from ewtp.common.states import StateMachine
from ewtp.common.validators import no_bidi_controls

from .organizations import Organization
from .users import User


class HsCode(models.Model):
    """One entry of the Harmonized System 2022: chapter (2 digits), heading (4), subheading (6).

    Loaded from hubs/data/hs by a migration; read-only.
    """

    code = models.CharField(max_length=6, primary_key=True)
    level = models.PositiveSmallIntegerField()  # 2, 4 or 6
    section = models.CharField(max_length=5)  # Roman numeral I..XXI
    description = models.TextField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.description}"


class Product(BaseModel):
    """A seller's listing. Prices are in the seller's currency (its home hub's)."""

    seller = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField(_("SKU"), max_length=64)
    # titles are shown to buyers and printed on customs papers: no text-direction tricks
    title_en = models.CharField(_("title (English)"), max_length=200, validators=[no_bidi_controls])
    title_ms = models.CharField(
        _("title (Malay)"), max_length=200, blank=True, validators=[no_bidi_controls]
    )
    title_zh = models.CharField(
        _("title (Chinese)"), max_length=200, blank=True, validators=[no_bidi_controls]
    )
    description_en = models.TextField(_("description (English)"))
    description_ms = models.TextField(_("description (Malay)"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    hs_code = models.CharField(_("HS code"), max_length=10)
    origin_country = CountryField(_("country of origin"))
    unit_price = MoneyField(
        _("unit price"), max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES
    )
    unit_weight_kg = models.DecimalField(_("unit weight (kg)"), max_digits=10, decimal_places=3)
    length_cm = models.DecimalField(_("length (cm)"), max_digits=7, decimal_places=1)
    width_cm = models.DecimalField(_("width (cm)"), max_digits=7, decimal_places=1)
    height_cm = models.DecimalField(_("height (cm)"), max_digits=7, decimal_places=1)
    stock = models.PositiveIntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["seller_id", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "sku"], name="product_sku_once_per_seller"),
            models.CheckConstraint(name="product_price_positive", condition=Q(unit_price__gt=0)),
            models.CheckConstraint(
                name="product_weight_positive", condition=Q(unit_weight_kg__gt=0)
            ),
        ]
        indexes = [
            # buyers' catalogue: active listings by chapter
            models.Index(fields=["is_active", "hs_code"], name="product_catalogue_idx"),
        ]

    def __str__(self):
        return f"{self.sku} {self.title_en}"

    @property
    def title(self) -> str:
        """The title in the visitor's language when the seller gave one, else English."""
        return self._localised("title")

    @property
    def description(self) -> str:
        return self._localised("description")

    def _localised(self, field: str) -> str:
        language = (get_language() or "en").split("-")[0]
        suffix = {"ms": "ms", "zh": "zh"}.get(language, "en")
        return getattr(self, f"{field}_{suffix}") or getattr(self, f"{field}_en")


class ProductImage(BaseModel):
    """A picture of a listing as the seller uploaded it, and the small copy that list pages
    show. The thumbnail is made by a task after the upload commits; until it is there (or
    when the upload could not be made into one) pages show the original."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/%Y/%m/")
    position = models.PositiveSmallIntegerField(default=0)
    # Plain size fields, not ImageField's width_field/height_field: those open the file
    # whenever a row without them is loaded, once per row of a list page.
    thumbnail = models.ImageField(upload_to="products/thumbnails/%Y/%m/", blank=True)
    thumbnail_width = models.PositiveSmallIntegerField(null=True, blank=True)
    thumbnail_height = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["product_id", "position", "id"]

    def __str__(self):
        return f"image {self.position} of {self.product}"


class ProductImport(BaseModel, StateMachine):
    """A bulk upload of listings from CSV or XLSX, processed by a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")  # file stored, task enqueued after commit
        RUNNING = "running", _("Importing")  # rows being processed; progress counts up
        DONE = "done", _("Finished")  # every row handled (some may have errors)
        FAILED = "failed", _("Failed")  # the file itself could not be read

    # a file that cannot be read fails before it runs
    TRANSITIONS = {
        Status.QUEUED: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.DONE, Status.FAILED},
        Status.DONE: set(),
        Status.FAILED: set(),
    }

    seller = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0


class ProductImportError(models.Model):
    """One bad row of an import: where, which field, and why."""

    product_import = models.ForeignKey(
        ProductImport, on_delete=models.CASCADE, related_name="errors"
    )
    line = models.PositiveIntegerField()
    field = models.CharField(max_length=50, blank=True)
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ["line", "id"]

    def __str__(self):
        return f"line {self.line} {self.field}: {self.message}"
