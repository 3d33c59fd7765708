"""Times as the viewer reads them: in the time zone the page is in (hubs.middleware), with
the zone named next to a deadline."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

register = template.Library()


def zone_place(name: str) -> str:
    """``Asia/Kuala_Lumpur`` → "Kuala Lumpur"."""
    return name.rpartition("/")[2].replace("_", " ")


@register.filter
def zoned(value) -> str:
    """The short date and time in the page's zone, with the zone named: "06/12/2026 16:00,
    Kuala Lumpur time"."""
    if not value:
        return ""
    when = date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    name = timezone.get_current_timezone_name()
    if name == "UTC":
        return _("%(when)s UTC") % {"when": when}
    return _("%(when)s, %(place)s time") % {"when": when, "place": zone_place(name)}
