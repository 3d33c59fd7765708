"""Checks that the layers above the catalogue run on a listing when it is saved (customs:
is there an import rate at each destination?). They are named in settings.LISTING_CHECKS,
so the catalogue asks without depending on them. A check returns warnings: text for the
seller, never a refusal."""

from django.conf import settings
from django.utils.module_loading import import_string


def listing_warnings(product) -> list[str]:
    warnings = []
    for path in settings.LISTING_CHECKS:
        warnings += import_string(path)(product)
    return warnings
