"""An eFulfilment centre's opening hours in the reader's words: "Monday to Saturday,
08:00–20:00 (Kuala Lumpur eHub time)"."""

from datetime import time

from django.utils.dates import WEEKDAYS
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from .models import Facility


def _days(weekdays: str) -> str:
    numbers = sorted({int(day) for day in weekdays})
    # django.utils.dates.WEEKDAYS counts from Monday = 0
    names = [str(WEEKDAYS[n - 1]) for n in numbers]
    if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 2:
        return _("%(first)s to %(last)s") % {"first": names[0], "last": names[-1]}
    return ", ".join(names)


def opening_hours_text(facility: Facility) -> str:
    always = (facility.opens_at, facility.closes_at) == (time(0, 0), time(23, 59))
    if always and facility.open_weekdays == "1234567":
        return _("every day, round the clock")
    return _("%(days)s, %(opens)s–%(closes)s (%(hub)s time)") % {
        "days": _days(facility.open_weekdays),
        "opens": time_format(facility.opens_at, "H:i"),
        "closes": time_format(facility.closes_at, "H:i"),
        "hub": facility.hub.name,
    }
