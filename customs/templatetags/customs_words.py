"""Customs records in the reader's words."""

from django import template

from ..models.declarations import reason_shown

register = template.Library()


@register.filter
def public_reason(reason: str):
    """A step's recorded public reason, in the reader's language where it is a lane's name."""
    return reason_shown(reason or "")
