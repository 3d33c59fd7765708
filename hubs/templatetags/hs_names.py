"""Names of the HS nomenclature on pages, in the reader's language."""

from django import template

from ..hs import hs_title as title

register = template.Library()


@register.filter
def hs_title(code: str) -> str:
    """``{{ "61"|hs_title }}``: the short title of an HS chapter or section in the active
    language (English where there is none in it), "" for a code that is neither."""
    return title(str(code))
