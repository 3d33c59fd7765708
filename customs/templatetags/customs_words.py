"""Customs records in the reader's words."""

import functools

from django import template
from django.utils import translation
from django.utils.translation import gettext as _

from ..models.declarations import reason_shown
from ..models.risk import Lane
from ..selectors import declaration_customs_value

register = template.Library()


@register.filter
def public_reason(reason: str):
    """A step's recorded public reason, in the reader's language where it is a lane's name."""
    return reason_shown(reason or "")


@register.filter
def tax_name(tax: str):
    """A duty or tax of the engine's lines (``duty``, ``vat``, …) by its name."""
    names = {
        "duty": _("Import duty"),
        "sales_tax": _("Sales tax"),
        "lvg_sales_tax": _("Sales tax on low-value goods"),
        "excise": _("Excise duty"),
        "consumption_tax": _("Consumption tax"),
        "vat": _("Import VAT"),
    }
    return names.get(tax, tax)


@register.filter
def treatment_name(treatment: str):
    """How the duty engine treated the goods (``Declaration.treatment``), in words: the
    treatment applied, which may differ from the regime declared (retail goods over a limit or
    off China's positive list are taxed as general trade)."""
    names = {
        "general": _("Duty and taxes in full (general trade)"),
        "de_minimis": _("No import duty: air courier goods within the de minimis value"),
        "lvg": _("Sales tax on low-value goods, no import duty"),
        "cbec": _("Cross-border retail: within the limits, on the positive list"),
        "export": _("Export"),
    }
    return names.get(treatment, treatment)


@functools.cache
def _lanes_in_english() -> tuple:
    with translation.override("en"):
        return tuple((str(label), label) for label in Lane.labels)


@register.filter
def officer_reason(reason: str):
    """A step's recorded reason as the officers read it: the lane it starts with (the risk
    engine records the lane's name in the worker's language) in the reader's language, the
    score and rules after it as recorded."""
    reason = reason or ""
    for english, label in _lanes_in_english():
        if reason.startswith(english):
            return f"{label}{reason[len(english) :]}"
    return reason


@register.filter
def customs_value(declaration):
    """The declaration's FOB, freight, insurance and CIF (customs.selectors)."""
    return declaration_customs_value(declaration=declaration)
