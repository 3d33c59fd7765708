"""An eFulfilment centre as a seller needs it on a page: where it is and when it is open."""

from django import template

from ..opening_hours import opening_hours_text

register = template.Library()


@register.filter
def opening_hours(facility) -> str:
    return opening_hours_text(facility) if facility is not None else ""
