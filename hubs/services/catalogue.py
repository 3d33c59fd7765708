"""Writes of the catalogue: listings and their images. Field validation is ProductForm's."""

import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError

from ..errors import HubsErrorCode
from ..models import Organization, Product, ProductImage, User
from ..roles import Perm, can_act_for
from ..thumbnails import UnusableImage, thumbnail_render

logger = logging.getLogger(__name__)


def _require_seller_member(actor, seller):
    if not can_act_for(actor, seller, Perm.CATALOGUE_MANAGE):
        raise NotAllowedError(
            _("Only members of the seller manage its listings."), HubsErrorCode.NOT_MEMBER
        )


def product_save(
    *,
    seller: Organization,
    actor: User | None,
    data: dict,
    product: Product | None = None,
    actor_label: str = "",
    changed: set[str] | None = None,
) -> Product:
    """Create a listing, or update ``product`` with ``data`` (cleaned by ProductForm).

    An update writes only the fields in ``changed`` (default: all of ``data``), onto the row
    locked and read again: an edit that did not touch the stock must not write back the
    stock it saw, which orders may have reserved from since (that would sell units twice).
    Listings can be prepared before verification; buyers see them once the seller is approved.
    ``actor`` None is the seller's own API client, already scoped to the seller.
    """
    if actor is not None:
        _require_seller_member(actor, seller)
    if product is not None and product.seller_id != seller.pk:
        raise NotAllowedError(_("This product belongs to another seller."), HubsErrorCode.NOT_OWNER)
    if data["unit_price"].currency.code != seller.currency:
        raise ApplicationError(
            _("Prices are in %(currency)s, the seller's currency.") % {"currency": seller.currency},
            HubsErrorCode.PRODUCT_INVALID,
            extra={"field": "unit_price"},
        )
    try:
        with transaction.atomic():
            if product is None:
                product = Product.objects.create(seller=seller, **data)
                action = "hubs.product.created"
            else:
                product = Product.objects.select_for_update().get(pk=product.pk)
                fields = [name for name in data if changed is None or name in changed]
                for name in fields:
                    setattr(product, name, data[name])
                if "unit_price" in fields:
                    fields.append("unit_price_currency")
                product.save(update_fields=[*fields, "updated_at"])
                action = "hubs.product.updated"
            audit_record(
                actor=actor,
                action=action,
                target=product,
                data={"sku": product.sku, "fields": sorted(changed or data)},
                actor_label=actor_label,
            )
    except IntegrityError:
        raise ConflictError(
            _("You already have a product with this SKU."),
            HubsErrorCode.PRODUCT_INVALID,
            extra={"field": "sku"},
        ) from None
    return product


def product_set_active(
    *, product: Product, active: bool, actor: User | None, actor_label: str = ""
) -> Product:
    """Listings are never deleted (orders point at them): they are deactivated."""
    if actor is not None:
        _require_seller_member(actor, product.seller)
    if product.is_active == active:
        return product
    with transaction.atomic():
        product.is_active = active
        product.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            action="hubs.product.activated" if active else "hubs.product.deactivated",
            target=product,
            actor_label=actor_label,
        )
    return product


def product_image_add(*, product: Product, image, actor: User) -> ProductImage:
    """Add a picture (checked by Pillow in ProductForm) after the listing's others. Its
    thumbnail is made by a task once the picture is committed."""
    _require_seller_member(actor, product.seller)
    with transaction.atomic():
        position = product.images.count()
        added = ProductImage.objects.create(product=product, image=image, position=position)
        transaction.on_commit(lambda: _enqueue_thumbnail(added.pk))
    return added


def _enqueue_thumbnail(image_id: int) -> None:
    from ..tasks import product_image_thumbnail_task

    try:
        product_image_thumbnail_task.delay(image_id)
    except Exception:  # the broker is down: pages show the original picture
        logger.warning("catalogue: could not enqueue the thumbnail of image %s", image_id)


def product_image_thumbnail_make(*, image_id: int) -> ProductImage | None:
    """Make the thumbnail of a listing's picture (hubs/thumbnails.py); None if the picture is
    gone.

    Once per picture: a picture that has its thumbnail is returned as it is, and of two runs
    at the same time only the first to record its file keeps it (a conditional UPDATE), the
    other deletes its copy. A file that is missing, damaged, in a format without thumbnails
    or too large to decode is logged and left without one (pages show the original), and
    nothing is raised: a retry would meet the same file.
    """
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None or image.thumbnail:
        return image
    try:
        with image.image.open("rb") as source:
            thumbnail = thumbnail_render(source.read())
    except (OSError, UnusableImage) as error:
        reason = str(error) if isinstance(error, UnusableImage) else type(error).__name__
        logger.warning("catalogue: no thumbnail for image %s: %s", image.public_id, reason)
        return image
    # written before it is recorded, so a recorded thumbnail always has its file
    image.thumbnail.save(f"{image.public_id}.jpg", ContentFile(thumbnail.content), save=False)
    recorded = ProductImage.objects.filter(pk=image.pk, thumbnail="").update(
        thumbnail=image.thumbnail.name,
        thumbnail_width=thumbnail.width,
        thumbnail_height=thumbnail.height,
        updated_at=timezone.now(),
    )
    if not recorded:
        image.thumbnail.delete(save=False)  # another run recorded its copy first
    image.refresh_from_db()
    return image
