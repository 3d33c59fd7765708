"""The claimed certificate of origin of an import declaration, verified for each item, on
the declaration's page (the declarant's and the officers')."""

from django import template

from ..origin import declaration_certificate_checks

register = template.Library()


@register.simple_tag
def certificate_checks(declaration):
    """[(line_no, valid, reason)] for each item of an import with a preferential claim."""
    return declaration_certificate_checks(declaration)
