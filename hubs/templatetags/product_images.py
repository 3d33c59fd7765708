"""Listing pictures on pages: the thumbnail, sized before it loads."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from ..thumbnails import BOX

register = template.Library()


@register.simple_tag
def product_thumbnail(image, alt, css_class="thumb"):
    """An ``<img>`` of a picture's thumbnail. Its width and height reserve its place before it
    loads (no jump of the page); while the original stands in for a thumbnail not yet made,
    they are the thumbnail's box, which the CSS fits it into. ``alt`` is what the picture
    shows: the listing's title."""
    if image.thumbnail and image.thumbnail_width and image.thumbnail_height:
        width, height = image.thumbnail_width, image.thumbnail_height
    else:
        width = height = BOX
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" loading="lazy" decoding="async" class="{}">',
        reverse("hubs:product_thumbnail", args=[image.public_id]),
        alt,
        width,
        height,
        css_class,
    )
